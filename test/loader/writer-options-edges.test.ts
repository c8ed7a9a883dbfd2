import { describe, expect, it } from 'vitest';
import { writerClientOptions } from '../../lambdas/loader/current-table/writer-options.js';

/** The local emulator's endpoint must name both a host and a port; the channel keeps Google's universe. */

const REFUSAL =
  'GCP_CREDENTIALS_MODE=none streams only to a local emulator: set BIGQUERY_STORAGE_WRITE_ENDPOINT to its host:port';

describe('writerClientOptions without credentials', () => {
  it.each(['localhost', ':9060', 'localhost:', ''])('refuses the endpoint "%s"', (plaintextEndpoint) => {
    // Act
    const act = () =>
      writerClientOptions({ projectId: 'p', credentials: { kind: 'none' }, plaintextEndpoint });

    // Assess
    expect(act).toThrow(new Error(REFUSAL));
  });

  it('keeps the googleapis.com universe for the plaintext channel', () => {
    // Act
    const options = writerClientOptions({
      projectId: 'p',
      credentials: { kind: 'none' },
      plaintextEndpoint: 'localhost:9060',
    });

    // Assess
    expect(options).toMatchObject({ apiEndpoint: 'localhost', port: 9060, universeDomain: 'googleapis.com' });
  });
});
