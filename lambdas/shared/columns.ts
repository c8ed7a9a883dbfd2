/**
 * Column names DMS adds to every landed file. Fixed project-wide: the DMS rules, the loader, the
 * simulator and the `_current` views all depend on them, so they are never configurable.
 */
export const OP_COLUMN = 'Op';
export const TIMESTAMP_COLUMN = '_dms_timestamp';
export const CHANGE_SEQ_COLUMN = '_dms_change_seq';

export const DMS_COLUMNS = [OP_COLUMN, TIMESTAMP_COLUMN, CHANGE_SEQ_COLUMN] as const;

/** `Op` values DMS writes: full-load rows carry `I` because the project sets IncludeOpForFullLoad. */
export type DmsOperation = 'I' | 'U' | 'D';

/**
 * What `<table>_current` shows instead of the DMS columns: the source commit time of the row's latest
 * change (DESIGN decision 7), a TIMESTAMP parsed from `_dms_timestamp`.
 */
export const SOURCE_CHANGED_AT_COLUMN = '_source_changed_at';

/**
 * What `<table>_history` adds to `_current`'s columns: the range during which a version was the
 * key's state at the source (`_valid_to` NULL while it still is), and whether a delete ended the
 * key's last version.
 */
export const VALID_FROM_COLUMN = '_valid_from';
export const VALID_TO_COLUMN = '_valid_to';
export const IS_DELETED_COLUMN = '_is_deleted';
