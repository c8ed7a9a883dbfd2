/** A stage config that cannot be used; the message names the file and the field. */
export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

export type Json = Record<string, unknown>;

/** Small typed accessors whose errors all read `<file>: <field> <problem>`. */
export class FieldReader {
  constructor(private readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new StageConfigError(`${this.file}: ${field || 'the document'} ${problem}`);
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(field, 'must be an object');
    return value as Json;
  }

  string(value: unknown, field: string, pattern: RegExp): string {
    if (typeof value !== 'string') return this.fail(field, 'is required and must be a string');
    if (!pattern.test(value)) this.fail(field, `"${value}" does not match ${pattern}`);
    return value;
  }

  strings(value: unknown, field: string, pattern: RegExp): string[] {
    if (!Array.isArray(value)) return this.fail(field, 'must be an array of strings');
    return value.map((item, index) => this.string(item, `${field}[${index}]`, pattern));
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') return this.fail(field, 'is required and must be true or false');
    return value;
  }

  integer(value: unknown, field: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(field, `must be an integer from ${min} to ${max}`);
    }
    return value;
  }
}
