/**
 * A JSON syntax error placed by line and column. V8 names a character offset for some errors ("at
 * position 543"), none for others (`[1,]`: "Unexpected token ']'"), and only Node 22 adds lines;
 * the offset is found here so the message is the same on every Node.
 */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly problem: string,
  ) {
    super(`line ${line}, column ${column}: ${problem}`);
  }
}

/** `JSON.parse`, failing with a `JsonSyntaxError` that says where. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw placeSyntaxError(text, (error as Error).message);
  }
}

/** `<file>: not valid JSON at line L, column C: <problem>; <fix>`: one line for any JSON file. */
export function jsonFileProblem(file: string, error: unknown, fix: string): string {
  if (!(error instanceof JsonSyntaxError))
    return `${file}: not valid JSON: ${(error as Error).message}; ${fix}`;
  return `${file}: not valid JSON at line ${error.line}, column ${error.column}: ${error.problem}; ${fix}`;
}

function placeSyntaxError(text: string, message: string): JsonSyntaxError {
  const offset = statedOffset(message) ?? firstBadOffset(text);
  const problem = message
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/^Unexpected end of JSON input$/, 'the text ends before the JSON does (a missing } or ]?)')
    .trim();
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return new JsonSyntaxError(line, column, problem);
}

const statedOffset = (message: string): number | undefined => {
  const match = /at position (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
};

/**
 * Where the first error is when V8 does not say. A prefix of the text either parses, or fails only
 * because it ends early (no more input, or an error placed at its very end), or holds the error:
 * the shortest prefix that holds it ends with the offending character.
 */
function firstBadOffset(text: string): number {
  const holdsError = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const message = (error as Error).message;
      if (message.startsWith('Unexpected end of JSON input')) return false;
      const offset = statedOffset(message);
      return offset === undefined || offset < length;
    }
  };
  let low = 1;
  let high = text.length;
  if (!holdsError(high)) return text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (holdsError(middle)) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}
