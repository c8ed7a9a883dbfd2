import { createHash } from 'node:crypto';

/**
 * DMS's "Data Masking: Hashing Mask" (`data-masking-hash-mask`, engine 3.5.4+; ADR 0038): the column
 * becomes a SHA256 hash, "always 64 characters". AWS documents neither the input bytes nor the
 * letter case; its one example, "C6BGJ566669K" → "7CB06784764C9030CCC41E25C15339FEB293FFE9B329A72B5FED564E99900C75",
 * is the unsalted SHA-256 of the value's UTF-8 bytes in upper-case hex, so that is what this project
 * assumes, here and only here.
 */
export const DMS_HASH_MASK_ACTION = 'data-masking-hash-mask';

/** "Starting from version 3.5.4, AWS DMS allows the use of data masking transformation rule actions". */
export const DMS_MASKING_MIN_ENGINE_VERSION = '3.5.4';

/** "The length of the hash will always be 64 characters". */
export const DMS_HASH_LENGTH = 64;

/** Upper-case hex of the SHA-256 of the value's UTF-8 bytes: the documented example's encoding. */
export const DMS_HASH_ENCODING = {
  algorithm: 'sha256',
  input: 'utf8',
  digest: 'hex',
  upperCase: true,
} as const;

/** The text DMS writes for a masked value. NULL is undocumented; callers keep it NULL (ADR 0038). */
export function dmsHashMask(value: string): string {
  const digest = createHash(DMS_HASH_ENCODING.algorithm)
    .update(value, DMS_HASH_ENCODING.input)
    .digest(DMS_HASH_ENCODING.digest);
  return DMS_HASH_ENCODING.upperCase ? digest.toUpperCase() : digest;
}

/**
 * The MySQL types DMS hashes: "Data Masking: Hashing Mask is supported for columns of data types:
 * WSTRING and STRING". CHAR and VARCHAR are those; TEXT and JSON reach DMS as LOBs (dms/lob.ts) and
 * ENUM, SET and TIME gain nothing from a hash.
 */
export const HASHABLE_MYSQL_TYPES = ['char', 'varchar'] as const;

const CHAR_TYPE = /^\s*(char|varchar)\s*(?:\(\s*(\d+)\s*\))?\s*$/i;

/** The character length of a CHAR/VARCHAR type (`char` alone is CHAR(1)); undefined for any other type. */
export function hashableLength(mysqlType: string): number | undefined {
  const match = CHAR_TYPE.exec(mysqlType);
  if (!match) return undefined;
  return match[2] === undefined ? 1 : Number.parseInt(match[2], 10);
}
