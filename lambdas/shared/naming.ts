/** The stack of stage `stage`: one per stage (ADR 0011); the CLI reads its outputs by this name. */
export const pipelineStackName = (stage: string): string => `Dms2Bq-${stage}`;

/**
 * The ReplicationConfigIdentifier of source `source` in stage `stage`: `dms2bq-<stage>-<source>`,
 * lower-cased, every character DMS identifiers do not allow (anything but letters, digits and
 * hyphens) made a hyphen, runs of hyphens collapsed: `prod`, `casino_a` → `dms2bq-prod-casino-a`.
 * The stack names the replication so and `dms2bq dms --stage` finds it by this name.
 */
export const replicationConfigIdentifier = (stage: string, source: string): string =>
  `dms2bq-${stage}-${source}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-');
