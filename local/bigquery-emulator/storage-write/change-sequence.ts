/**
 * `_CHANGE_SEQUENCE_NUMBER` as BigQuery documents it ("Stream table updates with change data capture
 * ingestion", "Manage custom ordering"; ADR 0023): hexadecimal, "separated into sections by a forward
 * slash `/`. Each section can be expressed in at most 16 hexadecimal characters, and up to four
 * sections are allowed", upper or lower case; compared "by comparing the first section, then
 * comparing the next section only if the previous sections were equal", "as unsigned numeric values".
 *
 * The emulator's own reading of the documentation: the loader writes these numbers with its own code
 * (lambdas/), and a stand-in sharing it would mirror its mistakes instead of catching them (ADR 0027).
 */
export type SequenceSections = readonly bigint[];

const MAX_SECTIONS = 4;
const HEX_SECTION = /^[0-9A-Fa-f]{1,16}$/;

/** The sections of a sequence number, or the row error BigQuery's format rule gives it. */
export function sequenceSections(text: string): SequenceSections | { problem: string } {
  const sections = text.split('/');
  if (sections.length > MAX_SECTIONS || !sections.every((section) => HEX_SECTION.test(section))) {
    return {
      problem: `Invalid _CHANGE_SEQUENCE_NUMBER "${text}": expected up to ${MAX_SECTIONS} sections of 1 to 16 hexadecimal digits separated by "/"`,
    };
  }
  return sections.map((section) => BigInt(`0x${section}`));
}

/**
 * Negative, zero or positive as `a` orders before, equal to or after `b`. The documentation does not
 * say how a number that runs out of sections compares with a longer one equal so far; here the
 * shorter orders first (unverified, ADR 0023).
 */
export function compareSequences(a: SequenceSections, b: SequenceSections): number {
  const shared = Math.min(a.length, b.length);
  for (let index = 0; index < shared; index += 1) {
    const left = a[index] as bigint;
    const right = b[index] as bigint;
    if (left !== right) return left < right ? -1 : 1;
  }
  return a.length - b.length;
}

/** Fixed-width text (16 hex digits per section) whose string order is `compareSequences`' order. */
export const sortableSequence = (sections: SequenceSections): string =>
  sections.map((section) => section.toString(16).toUpperCase().padStart(16, '0')).join('/');

export const sectionsOfSortable = (text: string): SequenceSections =>
  text.split('/').map((section) => BigInt(`0x${section}`));
