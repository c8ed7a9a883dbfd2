/**
 * Deploy-time settings of the loader pipeline, shared by the CDK stack and the local runtime so that
 * local runs and deployed queues cannot drift apart. Physical resource names are deliberately absent:
 * CDK generates them (a second deployment must not collide), the local runtime picks its own.
 */
const LOADER_TIMEOUT_SECONDS = 300;

export const pipelineSettings = {
  loader: {
    /** Long enough for a 1 GB full-load file streamed from S3 into a BigQuery load job and verified. */
    timeoutSeconds: LOADER_TIMEOUT_SECONDS,
    /** Lambda CPU scales with memory; 1 GB keeps Parquet footer parsing and TLS streaming off the CPU limit. */
    memorySizeMb: 1024,
    /** Records per invocation; each file is loaded independently, so failures stay per record. */
    batchSize: 10,
    /** Gathers files DMS writes at the same CdcMaxBatchInterval into fewer invocations, within the ~1 min target. */
    maxBatchingWindowSeconds: 5,
    /** Caps concurrent loads so a full-load burst cannot exhaust BigQuery's per-project load-job rate. */
    maxConcurrency: 20,
    /** Files loaded in parallel inside one invocation: streams overlap, memory stays bounded. */
    fileConcurrency: 4,
  },
  loaderQueue: {
    /**
     * AWS guidance for Lambda event sources: at least 6 × the function timeout, or retries overlap.
     * Only a record whose invocation timed out waits this long: the loader sets a failed record's
     * visibility itself (`redelivery`).
     */
    visibilityTimeoutSeconds: 6 * LOADER_TIMEOUT_SECONDS,
    /** A failed record returns after 10·2^(n−1) s (jittered, capped), n its receive count (ADR 0017). */
    redelivery: { baseSeconds: 10, maxSeconds: 300 },
    /** Survives a long weekend of a broken loader before notifications expire. */
    retentionDays: 4,
    /** A file that fails 5 times is poison (bad schema, missing mapping): park it, keep the rest flowing. */
    maxReceiveCount: 5,
  },
  deadLetterQueue: {
    /** The SQS maximum: an operator has two weeks to inspect and redrive parked files. */
    retentionDays: 14,
  },
  notification: {
    /** One prefix-wide configuration per bucket (S3 limits them); DMS only writes Parquet here. */
    suffix: '.parquet',
  },
} as const;

export type PipelineSettings = typeof pipelineSettings;
