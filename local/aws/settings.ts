import { pipelineSettings } from '../../lambdas/shared/pipeline-settings.js';

/** The queue and notification settings the local runtime applies; defaults come from the deployed stack's. */
export interface LocalPipelineSettings {
  loaderQueue: { visibilityTimeoutSeconds: number; retentionDays: number; maxReceiveCount: number };
  deadLetterQueue: { retentionDays: number };
  notification: { suffix: string };
}

/**
 * Local runs may shorten what the deployed stack sets (a demo cannot wait 30 minutes for a retry);
 * anything not overridden is the deployed value, so the two only differ where someone chose so.
 */
export interface LocalSettingsOverrides {
  loaderQueue?: Partial<LocalPipelineSettings['loaderQueue']>;
  deadLetterQueue?: Partial<LocalPipelineSettings['deadLetterQueue']>;
  notification?: Partial<LocalPipelineSettings['notification']>;
}

const SECONDS_PER_DAY = 86_400;

export function resolveLocalSettings(overrides: LocalSettingsOverrides = {}): LocalPipelineSettings {
  return {
    loaderQueue: { ...pipelineSettings.loaderQueue, ...overrides.loaderQueue },
    deadLetterQueue: { ...pipelineSettings.deadLetterQueue, ...overrides.deadLetterQueue },
    notification: { ...pipelineSettings.notification, ...overrides.notification },
  };
}

/** SQS attributes of the loader queue, the same ones the CDK stack sets (redrive included). */
export function loaderQueueAttributes(
  settings: LocalPipelineSettings,
  dlqArn: string,
): Record<string, string> {
  return {
    VisibilityTimeout: String(settings.loaderQueue.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(settings.loaderQueue.retentionDays * SECONDS_PER_DAY),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: settings.loaderQueue.maxReceiveCount,
    }),
  };
}

export function deadLetterQueueAttributes(settings: LocalPipelineSettings): Record<string, string> {
  return { MessageRetentionPeriod: String(settings.deadLetterQueue.retentionDays * SECONDS_PER_DAY) };
}
