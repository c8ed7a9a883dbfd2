import type { BigQuery } from '@google-cloud/bigquery';
import { bigqueryDialect } from './dialect.js';
import type { DiffSide } from './side.js';

export interface BigQuerySide extends DiffSide {
  /** Sum of `statistics.query.totalBytesBilled` over the diff's query jobs: what it cost. */
  bytesBilled: number;
}

/** `_current` through query jobs only: the diff never writes to BigQuery. */
export function bigQuerySide(bigquery: BigQuery, location?: string): BigQuerySide {
  const side: BigQuerySide = {
    label: 'BigQuery',
    dialect: bigqueryDialect,
    queries: 0,
    bytesBilled: 0,
    async query(sql) {
      side.queries++;
      const [job] = await bigquery.createQueryJob({
        query: sql,
        useLegacySql: false,
        ...(location ? { location } : {}),
      });
      // INT64 as exact text: a checksum has 60 bits, beyond a JS number's 53.
      const [rows] = await job.getQueryResults({
        wrapIntegers: { integerTypeCastFunction: (value: string) => value },
      });
      const [metadata] = await job.getMetadata();
      side.bytesBilled += Number(metadata?.statistics?.query?.totalBytesBilled ?? 0);
      return rows as Record<string, unknown>[];
    },
  };
  return side;
}
