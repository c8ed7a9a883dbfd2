import { invalid } from '../errors.js';

/** One entry of a dataset's `access` list, as BigQuery stores and returns it. */
export type AccessEntry = Record<string, unknown> & { role: 'READER' | 'WRITER' | 'OWNER' };

/**
 * "The following legacy mappings will be applied: OWNER roles/bigquery.dataOwner, WRITER
 * roles/bigquery.dataEditor, READER roles/bigquery.dataViewer. This field will accept any of the
 * above formats, but will return only the legacy format." (Dataset.access, BigQuery API reference)
 */
const LEGACY_ROLES: Record<string, AccessEntry['role']> = {
  READER: 'READER',
  WRITER: 'WRITER',
  OWNER: 'OWNER',
  'roles/bigquery.dataViewer': 'READER',
  'roles/bigquery.dataEditor': 'WRITER',
  'roles/bigquery.dataOwner': 'OWNER',
};

/** The members an entry may name ("[Pick one]" in the reference). */
const MEMBER_FIELDS = [
  'userByEmail',
  'groupByEmail',
  'domain',
  'specialGroup',
  'iamMember',
  'view',
  'routine',
  'dataset',
];

/**
 * "If unspecified at dataset creation time, BigQuery adds default dataset access for the following
 * entities: projectReaders READER; projectWriters WRITER; projectOwners OWNER; [dataset creator
 * email] OWNER". The emulator serves no principals, so it has no creator to add.
 */
export const defaultDatasetAccess = (): AccessEntry[] => [
  { role: 'READER', specialGroup: 'projectReaders' },
  { role: 'WRITER', specialGroup: 'projectWriters' },
  { role: 'OWNER', specialGroup: 'projectOwners' },
];

/**
 * A dataset's access list as given to datasets.insert or patch: "If you patch a dataset, then this
 * field is overwritten by the patched dataset's access field", so the list is kept whole, with each
 * role in its legacy form. An entry without a known role or without exactly one member is refused.
 */
export function normalizeAccess(value: unknown): AccessEntry[] {
  if (!Array.isArray(value)) throw invalid('Invalid value for access: must be a list of access entries');
  return value.map((entry, index) => {
    const fields = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const role = LEGACY_ROLES[String(fields.role)];
    const members = MEMBER_FIELDS.filter((field) => fields[field] !== undefined);
    if (members.length !== 1) {
      throw invalid(`Invalid value for access[${index}]: name exactly one of ${MEMBER_FIELDS.join(', ')}`);
    }
    if (!role && members[0] !== 'view' && members[0] !== 'routine' && members[0] !== 'dataset') {
      throw invalid(`Invalid value for access[${index}].role: ${String(fields.role)}`);
    }
    return { ...fields, ...(role ? { role } : {}) } as AccessEntry;
  });
}
