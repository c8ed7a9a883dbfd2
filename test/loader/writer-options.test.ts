import { describe, expect, it } from 'vitest';
import { writerClientOptions } from '../../lambdas/loader/current-table/writer-options.js';

describe('writerClientOptions: the Storage Write API client authenticates as the BigQuery client does', () => {
  it('passes a workload identity federation configuration as credentials', () => {
    // Prepare
    const config = {
      type: 'external_account',
      audience: '//iam.googleapis.com/x',
      subject_token_type: 't',
      token_url: 'u',
    };

    // Act
    const options = writerClientOptions({
      projectId: 'p',
      credentials: { kind: 'workload-identity', config },
    });

    // Assess
    expect(options).toEqual({ projectId: 'p', credentials: config });
  });

  it('passes a service-account key as credentials', () => {
    // Prepare
    const key = { type: 'service_account', client_email: 'a@b', private_key: 'k' };

    // Act
    const options = writerClientOptions({
      projectId: 'p',
      credentials: { kind: 'service-account-key', key },
    });

    // Assess
    expect(options).toEqual({ projectId: 'p', credentials: key });
  });

  it('talks plaintext gRPC to a local endpoint without credentials', () => {
    // Act
    const options = writerClientOptions({
      projectId: 'p',
      credentials: { kind: 'none' },
      plaintextEndpoint: '127.0.0.1:9060',
    });

    // Assess
    expect(options).toMatchObject({ projectId: 'p', apiEndpoint: '127.0.0.1', port: 9060 });
    expect(options.sslCreds).toBeDefined();
  });

  it('refuses credentials mode none without a local endpoint, naming the variable', () => {
    // Act
    const act = () => writerClientOptions({ projectId: 'p', credentials: { kind: 'none' } });

    // Assess
    expect(act).toThrow(/BIGQUERY_STORAGE_WRITE_ENDPOINT/);
  });
});
