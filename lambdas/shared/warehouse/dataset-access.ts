import type { Dataset } from '@google-cloud/bigquery';
import { WarehouseAccessError } from './errors.js';

/**
 * One entry of a dataset's `access` list. BigQuery accepts `roles/bigquery.dataEditor` or its
 * legacy name and returns only the legacy one ("WRITER: roles/bigquery.dataEditor"), so entries
 * are written and compared in the legacy form.
 */
export interface DatasetAccessEntry {
  role: 'READER' | 'WRITER';
  userByEmail: string;
}

/** Legacy roles in the order each includes the ones before it. */
const RANK = { READER: 1, WRITER: 2, OWNER: 3 } as const;
const LEGACY: Record<string, keyof typeof RANK> = {
  'roles/bigquery.dataViewer': 'READER',
  'roles/bigquery.dataEditor': 'WRITER',
  'roles/bigquery.dataOwner': 'OWNER',
};
const rank = (role: unknown): number => {
  const name = typeof role === 'string' ? (LEGACY[role] ?? role) : '';
  return RANK[name as keyof typeof RANK] ?? 0;
};

/**
 * Adds each entry the dataset does not already give (the same email with this role or a larger
 * one): datasets.get, then one datasets.patch of the whole list, which replaces `access` as a
 * whole. Returns the entries added. Patching needs bigquery.datasets.update: BigQuery makes the
 * creator of a dataset its OWNER, so the deploy identity holds it on the datasets it created; on a
 * dataset created by someone else the 403 becomes a one-line error naming the fix.
 */
export async function grantDatasetAccess(
  dataset: Dataset,
  entries: readonly DatasetAccessEntry[],
): Promise<DatasetAccessEntry[]> {
  if (entries.length === 0) return [];
  const [metadata] = await dataset.getMetadata();
  const access = ((metadata as { access?: Record<string, unknown>[] }).access ?? []).slice();
  const missing = missingAccess(access, entries);
  if (missing.length === 0) return [];
  try {
    await dataset.setMetadata({ access: [...access, ...missing] });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 403) throw error;
    const grants = missing.map((entry) => `${entry.role} for ${entry.userByEmail}`).join(', ');
    throw new WarehouseAccessError(
      `dataset ${dataset.id}: the deploy identity may not change its access (bigquery.datasets.update) → fix: grant the deploy identity roles/bigquery.dataOwner on the dataset, or add ${grants} by hand (docs/deploy.md section 2.2)`,
    );
  }
  return missing;
}

/**
 * The entries an access list does not already give: the same email with this role or a larger
 * one. A grant made with `GRANT … ON SCHEMA` may be listed by email or as an IAM member; either counts.
 */
export function missingAccess(
  access: readonly Record<string, unknown>[],
  entries: readonly DatasetAccessEntry[],
): DatasetAccessEntry[] {
  const email = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : undefined);
  const names = (held: Record<string, unknown>) => [
    email(held.userByEmail),
    email(held.iamMember)?.replace(/^serviceaccount:/, ''),
  ];
  return entries.filter(
    (entry) =>
      !access.some(
        (held) =>
          names(held).includes(entry.userByEmail.toLowerCase()) && rank(held.role) >= rank(entry.role),
      ),
  );
}
