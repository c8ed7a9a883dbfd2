/** One thing wrong with a mapping file, printed as `file: json/path: message`. */
export interface Problem {
  file: string;
  /** JSON Pointer into the file, `/` for the whole document. */
  path: string;
  message: string;
}

export const formatProblem = (problem: Problem): string =>
  `${problem.file}: ${problem.path}: ${problem.message}`;

/** JSON Pointer from path segments, escaping `~` and `/` as RFC 6901 says. */
export const pointer = (...segments: (string | number)[]): string =>
  segments.length === 0
    ? '/'
    : segments.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
