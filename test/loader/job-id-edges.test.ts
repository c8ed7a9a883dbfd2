import { describe, expect, it } from 'vitest';
import { baseJobId } from '../../lambdas/shared/bigquery/job-id.js';

describe('baseJobId', () => {
  it('writes each character a job ID may not hold as an underscore', () => {
    // Prepare: BigQuery job IDs hold letters, digits, underscores and dashes only.
    const file = {
      source: 'casino_a',
      schema: 'weird schema.ü',
      table: 'bets',
      stem: 'LOAD00000001',
      bucket: 'landing',
      key: 'casino_a/weird schema.ü/bets/LOAD00000001.parquet',
      etag: '0123abcd',
    };

    // Act
    const id = baseJobId(file);

    // Assess
    expect(id).toMatch(/^cdc_casino_a_weird_schema___bets_LOAD00000001_[0-9a-f]{24}$/);
  });
});
