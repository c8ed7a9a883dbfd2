import {
  DatabaseMigrationServiceClient,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  type Endpoint,
} from '@aws-sdk/client-database-migration-service';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteEndpoint,
  describeEndpoint,
  type EndpointSpec,
  endpointMatches,
  endpointTesting,
  ensureEndpoint,
} from '../../lambdas/dms-task/endpoints.js';
import { DmsFake } from '../support/dms-fake.js';
import { CERTIFICATE, IDENTIFIER, sourceEndpoint } from './support.js';

let fake: DmsFake;
const dms = new DatabaseMigrationServiceClient({ region: 'eu-west-1' });
beforeEach(() => {
  fake = new DmsFake();
});
afterEach(() => fake.mock.restore());

/** DMS API reference, Common Errors: ThrottlingException, "The request was denied due to request throttling." */
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

/** What DescribeEndpoints returns for the source endpoint as infra/ asks for it. */
const liveSource = (changes: Partial<Endpoint> = {}): Endpoint => {
  const { EndpointType, SslMode, ...spec } = sourceEndpoint();
  return { ...spec, EndpointType, SslMode: SslMode as Endpoint['SslMode'], Status: 'active', ...changes };
};

describe('describeEndpoint', () => {
  it('passes on an error other than not found instead of reading it as no endpoint', async () => {
    // Prepare
    fake.mock.on(DescribeEndpointsCommand).rejects(throttled());

    // Act
    const described = describeEndpoint(dms, { identifier: `${IDENTIFIER}-source` });

    // Assess
    await expect(described).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('endpointMatches', () => {
  it('sees the endpoint as infra/ asks for it as matching, whatever the case of the enums', () => {
    // Act
    const matches = endpointMatches(
      liveSource({ EngineName: 'MySQL' }),
      sourceEndpoint({ SslMode: 'VERIFY-FULL' }),
    );

    // Assess
    expect(matches).toBe(true);
  });

  it('sees no endpoint as not matching', () => {
    // Assess
    expect(endpointMatches(undefined, sourceEndpoint())).toBe(false);
  });

  it.each<[string, Partial<Endpoint>]>([
    ['another engine', { EngineName: 'aurora' }],
    ['another SSL mode', { SslMode: 'require' }],
    ['no SSL mode where one is asked for', { SslMode: undefined }],
    ['another certificate', { CertificateArn: `${CERTIFICATE}-2` }],
    ['no certificate where one is asked for', { CertificateArn: undefined }],
    [
      'another MySQL setting',
      { MySQLSettings: { ...sourceEndpoint().MySQLSettings, SecretsManagerSecretId: 'arn:other' } },
    ],
  ])('sees an endpoint with %s as not matching', (_case, change) => {
    // Act
    const matches = endpointMatches(liveSource(change), sourceEndpoint());

    // Assess
    expect(matches).toBe(false);
  });

  it('sees a certificate that is not asked for as not matching', () => {
    // Act
    const matches = endpointMatches(liveSource(), sourceEndpoint({ CertificateArn: undefined }));

    // Assess
    expect(matches).toBe(false);
  });
});

describe('ensureEndpoint', () => {
  it('adopts an endpoint of that identifier an earlier create left behind, without touching a matching one', async () => {
    // Prepare
    const spec: EndpointSpec = sourceEndpoint();
    const left = await ensureEndpoint(dms, spec, []);
    fake.mock.resetHistory();

    // Act
    const arn = await ensureEndpoint(dms, spec, []);

    // Assess
    expect(arn).toBe(left);
    expect(fake.calls()).toEqual(['DescribeEndpointsCommand']);
  });

  it('sets an endpoint an earlier create left behind with other settings to the spec', async () => {
    // Prepare
    const left = await ensureEndpoint(dms, sourceEndpoint({ SslMode: 'require' }), []);

    // Act
    const arn = await ensureEndpoint(dms, sourceEndpoint(), []);

    // Assess
    expect(arn).toBe(left);
    expect(fake.endpoint(`${IDENTIFIER}-source`)).toMatchObject({ SslMode: 'verify-full' });
  });
});

describe('deleteEndpoint', () => {
  it('is true while the endpoint it asked DMS to delete may remain, false once none is left', async () => {
    // Prepare
    await ensureEndpoint(dms, sourceEndpoint(), []);

    // Act
    const first = await deleteEndpoint(dms, `${IDENTIFIER}-source`);
    const second = await deleteEndpoint(dms, `${IDENTIFIER}-source`);

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(fake.calls().filter((name) => name === 'DeleteEndpointCommand')).toHaveLength(1);
  });
});

describe('endpointTesting', () => {
  // API reference, DescribeConnections: "the connections that have been made between the replication
  // instance and an endpoint. Connections are created when you test an endpoint"; each Connection
  // names its ReplicationInstanceArn, so an endpoint tested from two instances has two, and one never
  // tested has none.
  const connection = (instance: string, Status: string) => ({
    EndpointArn: 'arn:aws:dms:eu-west-1:111111111111:endpoint:SOURCE',
    ReplicationInstanceArn: `arn:aws:dms:eu-west-1:111111111111:rep:${instance}`,
    Status,
  });

  it('is true while a test from any replication instance runs', async () => {
    // Prepare
    fake.mock.on(DescribeConnectionsCommand).resolves({
      Connections: [connection('OTHER', 'successful'), connection('INSTANCE', 'testing')],
    });

    // Act
    const testing = await endpointTesting(dms, 'arn:aws:dms:eu-west-1:111111111111:endpoint:SOURCE');

    // Assess
    expect(testing).toBe(true);
  });

  it('is false for an endpoint never tested', async () => {
    // Prepare
    fake.mock.on(DescribeConnectionsCommand).resolves({ Connections: [] });

    // Act
    const testing = await endpointTesting(dms, 'arn:aws:dms:eu-west-1:111111111111:endpoint:SOURCE');

    // Assess
    expect(testing).toBe(false);
  });
});
