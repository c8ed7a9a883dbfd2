import type { SQSRecord } from 'aws-lambda';

export type BatchVerdict =
  | { kind: 'partial'; failedIds: Set<string> }
  | { kind: 'malformed'; reason: string };

/**
 * Reads a function's response the way Lambda does with `ReportBatchItemFailures`: no response, no
 * `batchItemFailures` or an empty list mean full success; listed IDs fail; anything Lambda cannot
 * trust (an ID that is empty or not in the batch, a list that is not a list) fails the whole batch.
 */
export function judgeBatchResponse(response: unknown, records: readonly SQSRecord[]): BatchVerdict {
  if (response === undefined || response === null) return { kind: 'partial', failedIds: new Set() };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return {
      kind: 'malformed',
      reason: `response is ${Array.isArray(response) ? 'an array' : typeof response}`,
    };
  }
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'partial', failedIds: new Set() };
  if (!Array.isArray(failures)) return { kind: 'malformed', reason: 'batchItemFailures is not a list' };
  const batchIds = new Set(records.map((record) => record.messageId));
  const failedIds = new Set<string>();
  for (const failure of failures) {
    const id: unknown =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || id === '') {
      return { kind: 'malformed', reason: 'a batchItemFailures entry has no itemIdentifier' };
    }
    if (!batchIds.has(id)) return { kind: 'malformed', reason: `itemIdentifier ${id} is not in the batch` };
    failedIds.add(id);
  }
  return { kind: 'partial', failedIds };
}
