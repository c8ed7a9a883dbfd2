import {
  CreateEndpointCommand,
  type DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  type Endpoint,
  ModifyEndpointCommand,
  type Tag,
} from '@aws-sdk/client-database-migration-service';

/**
 * One endpoint as the custom resource owns it: the CreateEndpoint/ModifyEndpoint fields infra/ sets.
 * The task's custom resource owns its endpoints because DMS refuses endpoint changes under a running
 * task (ADR 0033): only the resource that stops the task can change them.
 */
export interface EndpointSpec {
  EndpointIdentifier: string;
  EndpointType: 'source' | 'target';
  EngineName: string;
  SslMode?: string;
  CertificateArn?: string;
  MySQLSettings?: Record<string, unknown>;
  S3Settings?: Record<string, unknown>;
}

const isNotFound = (error: unknown): boolean => (error as Error).name === 'ResourceNotFoundFault';

/** The endpoint by ARN or identifier, or undefined when DMS has none. */
export async function describeEndpoint(
  dms: DatabaseMigrationServiceClient,
  filter: { arn: string } | { identifier: string },
): Promise<Endpoint | undefined> {
  const Filters =
    'arn' in filter
      ? [{ Name: 'endpoint-arn', Values: [filter.arn] }]
      : [{ Name: 'endpoint-id', Values: [filter.identifier] }];
  try {
    const { Endpoints = [] } = await dms.send(new DescribeEndpointsCommand({ Filters }));
    return Endpoints[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Whether the live endpoint has every setting the spec asks for. Settings compare as a subset (DMS
 * returns its defaults for the rest) and without case: the API's enums are lower case (`sse-s3`,
 * `gzip`) where CloudFormation and the console spell them upper case. A setting DMS does not return
 * counts as matching: were it counted as different, the update would modify the endpoint on every
 * poll and never resume the task, and the rollback would do the same (UPDATE_ROLLBACK_FAILED).
 */
export function endpointMatches(live: Endpoint | undefined, spec: EndpointSpec): boolean {
  if (!live) return false;
  return (
    same(live.EngineName, spec.EngineName) &&
    same(live.SslMode ?? 'none', spec.SslMode ?? 'none') &&
    (spec.CertificateArn ?? '') === (live.CertificateArn ?? '') &&
    returnedMatch(spec.MySQLSettings ?? {}, live.MySQLSettings ?? {}) &&
    returnedMatch(spec.S3Settings ?? {}, live.S3Settings ?? {})
  );
}

const same = (a: unknown, b: unknown) => String(a).toLowerCase() === String(b).toLowerCase();

/** Every setting of `wanted` that DMS returned in `live` has the wanted value. */
const returnedMatch = (wanted: object, live: object): boolean => {
  const returned = live as Record<string, unknown>;
  return Object.entries(wanted).every(
    ([key, value]) => returned[key] === undefined || returned[key] === null || same(returned[key], value),
  );
};

const settingsOf = (spec: EndpointSpec) => ({
  EngineName: spec.EngineName,
  SslMode: spec.SslMode as 'verify-full',
  CertificateArn: spec.CertificateArn,
  MySQLSettings: spec.MySQLSettings,
  S3Settings: spec.S3Settings,
});

/**
 * Creates the endpoint, or adopts one of that identifier that a failed earlier create left behind
 * (CloudFormation then deleted a resource whose physical ID was not yet the task), setting it to the spec.
 */
export async function ensureEndpoint(
  dms: DatabaseMigrationServiceClient,
  spec: EndpointSpec,
  tags: Tag[],
): Promise<string> {
  const existing = await describeEndpoint(dms, { identifier: spec.EndpointIdentifier });
  if (existing) {
    if (!endpointMatches(existing, spec)) await modifyEndpoint(dms, existing.EndpointArn as string, spec);
    return existing.EndpointArn as string;
  }
  const { Endpoint: created } = await dms.send(
    new CreateEndpointCommand({
      EndpointIdentifier: spec.EndpointIdentifier,
      EndpointType: spec.EndpointType,
      ...settingsOf(spec),
      Tags: tags,
    }),
  );
  return created?.EndpointArn as string;
}

export async function modifyEndpoint(
  dms: DatabaseMigrationServiceClient,
  arn: string,
  spec: EndpointSpec,
): Promise<void> {
  await dms.send(new ModifyEndpointCommand({ EndpointArn: arn, ...settingsOf(spec) }));
}

/** Deletes the endpoint of that identifier if DMS still has it; true while one remains. */
export async function deleteEndpoint(dms: DatabaseMigrationServiceClient, identifier: string) {
  const live = await describeEndpoint(dms, { identifier });
  if (!live) return false;
  if ((live.Status ?? '').toLowerCase() !== 'deleting') {
    await dms.send(new DeleteEndpointCommand({ EndpointArn: live.EndpointArn }));
  }
  return true;
}

/**
 * Whether a connection test of the endpoint is running. ModifyEndpoint starts one, and DMS refuses to
 * start a task while it runs ("Replication Task cannot be started, invalid state",
 * terraform-provider-aws#46139), so the resume waits for it.
 */
export async function endpointTesting(dms: DatabaseMigrationServiceClient, arn: string): Promise<boolean> {
  const { Connections = [] } = await dms.send(
    new DescribeConnectionsCommand({ Filters: [{ Name: 'endpoint-arn', Values: [arn] }] }),
  );
  return Connections.some((connection) => (connection.Status ?? '').toLowerCase() === 'testing');
}
