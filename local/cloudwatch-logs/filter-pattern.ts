/**
 * The part of CloudWatch Logs filter-pattern syntax this project's metric filters use, so a
 * pattern deployed to AWS can be tested here against log lines (Amazon CloudWatch Logs User Guide,
 * "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
 * Tail", section "Matching terms in unstructured log events"):
 * - terms are separated by spaces and ALL must appear in the event;
 * - a term with non-alphanumeric characters is written in double quotes and matched as a phrase;
 * - matching is case-sensitive.
 * OR terms (`?`), exclusions (`-`), JSON (`{…}`), space-delimited (`[…]`) and regex (`%…%`)
 * patterns are not implemented: such a pattern is rejected, never silently mis-matched.
 */
export class UnsupportedFilterPatternError extends Error {
  override name = 'UnsupportedFilterPatternError';
}

function terms(pattern: string): string[] {
  const found: string[] = [];
  let rest = pattern.trim();
  while (rest.length > 0) {
    if (rest.startsWith('"')) {
      const end = rest.indexOf('"', 1);
      if (end < 0) throw new UnsupportedFilterPatternError(`unterminated quote in ${pattern}`);
      found.push(rest.slice(1, end));
      rest = rest.slice(end + 1).trimStart();
      continue;
    }
    const term = /^\S+/.exec(rest)?.[0] ?? '';
    if (!/^[A-Za-z0-9]+$/.test(term)) {
      throw new UnsupportedFilterPatternError(
        `"${term}" in ${pattern}: only plain and quoted terms are supported`,
      );
    }
    found.push(term);
    rest = rest.slice(term.length).trimStart();
  }
  return found;
}

/** Whether CloudWatch Logs would count `event` for a metric filter with `pattern`. */
export function matchesFilterPattern(pattern: string, event: string): boolean {
  return terms(pattern).every((term) => event.includes(term));
}
