import type { SimType } from './column-types.js';
import type { Rng } from './prng.js';

/**
 * How the simulator holds one value: numbers for integers, unscaled decimals, days (DATE) and
 * microseconds (DATETIME); booleans for BIT(1); strings for text and hex-encoded binary; null.
 * Every number stays a safe integer (decimals keep at most 15 significant digits, so a reader
 * that turns DECIMAL into a double, as hyparquet does, still gets the exact value back).
 */
export type SimValue = number | string | boolean | null;

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
  'quebec',
  'romeo',
  'sierra',
  'tango',
  'uniform',
  'victor',
  'whiskey',
  'xray',
  'yankee',
  'zulu',
  'zürich',
  'señor',
  'café',
  'łódź',
  '東京',
  'naïve',
] as const;

const DAY_MICROS = 86_400_000_000;
const YEAR_SECONDS = 365 * 86_400;

/** Generation context shared by every value of one run. */
export interface ValueContext {
  /** Task start (full-load time), microseconds since the epoch. */
  startMicros: number;
  /**
   * Keys of the full load (1…n in every table): a foreign-key column draws from them, so it names
   * a row its table had at the start. 0 or absent: foreign keys are random like other integers.
   */
  foreignKeyRange?: number;
}

function truncateChars(text: string, length: number): string {
  if (length <= 0) return text;
  const chars = Array.from(text);
  return chars.length <= length ? text : chars.slice(0, length).join('');
}

const maxUnscaledCache = new WeakMap<SimType, number>();

function maxUnscaled(type: SimType): number {
  let max = maxUnscaledCache.get(type);
  if (max === undefined) {
    max = Math.min(10 ** type.precision - 1, 10 ** 15 - 1, 10 ** (type.scale + 6));
    maxUnscaledCache.set(type, max);
  }
  return max;
}

/** A random value of `type`, drawn from `rng` (reseeded by the caller for determinism). */
export function generateValue(type: SimType, rng: Rng, context: ValueContext): SimValue {
  switch (type.kind) {
    case 'int':
      return generateInt(type, rng);
    case 'decimal': {
      const magnitude = rng.int(maxUnscaled(type) + 1);
      return rng.int(10) === 0 && magnitude !== 0 ? -magnitude : magnitude;
    }
    case 'float':
      return (rng.int(8000) - 4000) / 4; // quarters are exact in float32
    case 'double':
      return (rng.int(2_000_000) - 1_000_000) / 100;
    case 'bool':
      return rng.int(2) === 1;
    case 'date':
      return Math.floor(context.startMicros / DAY_MICROS) - rng.int(3650);
    case 'datetime': {
      const seconds = Math.floor(context.startMicros / 1e6) - rng.int(YEAR_SECONDS);
      const fraction = type.fsp > 0 ? rng.int(10 ** type.fsp) * 10 ** (6 - type.fsp) : 0;
      return seconds * 1e6 + fraction;
    }
    case 'binary': {
      const bytes = Math.max(1, Math.min(type.length, 4 + rng.int(13)));
      let hex = '';
      for (let i = 0; i < bytes; i++) hex += rng.int(256).toString(16).padStart(2, '0');
      return hex;
    }
    case 'string':
      return generateString(type, rng);
  }
}

function generateInt(type: SimType, rng: Rng): number {
  if (type.isFlag) return rng.int(2);
  if (type.mysql.toLowerCase().startsWith('year')) return 1990 + rng.int(41);
  switch (type.bits) {
    case 8:
      return rng.int(type.unsigned ? 256 : 128);
    case 16:
      return rng.int(type.unsigned ? 65_536 : 32_768);
    case 32:
      return 1 + rng.int(1_000_000);
    default:
      return 1 + rng.int(1_000_000_000_000);
  }
}

function generateString(type: SimType, rng: Rng): string {
  switch (type.flavor) {
    case 'code': {
      let code = '';
      for (let i = 0; i < type.length; i++) code += 'ABCDEFGH'[rng.int(8)];
      return code;
    }
    case 'enum':
      return rng.pick(type.members);
    case 'set':
      return type.members.filter(() => rng.int(2) === 1).join(',');
    case 'time':
      return `${pad2(rng.int(24))}:${pad2(rng.int(60))}:${pad2(rng.int(60))}`;
    case 'json':
      return `{"ref":${rng.int(100_000)},"tag":"${rng.pick(WORDS)}","score":${rng.int(10_000) / 100},"flags":[${rng.int(2) === 1},${rng.int(2) === 1}]}`;
    case 'text': {
      if (type.length > 255) {
        const words = 3 + rng.int(6);
        const parts: string[] = [];
        for (let i = 0; i < words; i++) parts.push(rng.pick(WORDS));
        return truncateChars(parts.join(' '), type.length);
      }
      return truncateChars(`${rng.pick(WORDS)}-${rng.int(1000)}`, type.length);
    }
  }
}

const pad2 = (value: number): string => (value < 10 ? `0${value}` : String(value));
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * The value of primary-key component `component` for key number `n`: monotonic in `n` for every
 * type, so key numbers sort in primary-key order.
 */
export function keyComponentValue(type: SimType, component: number, context: ValueContext): SimValue {
  switch (type.kind) {
    case 'int':
    case 'float':
    case 'double':
      return component;
    case 'decimal':
      return component * 10 ** type.scale;
    case 'date':
      return Math.floor(context.startMicros / DAY_MICROS) - 40_000 + component;
    case 'datetime':
      return context.startMicros - 1_000_000_000 * 1e6 + component * 1e6;
    case 'bool':
      return component % 2 === 1;
    case 'binary':
      return component.toString(16).padStart(16, '0');
    case 'string':
      return `k${pad(component, Math.min(12, Math.max(1, type.length - 1 || 12)))}`;
  }
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `yyyy-MM-dd HH:mm:ss.SSSSSS` (UTC): the `_dms_timestamp` text for a time in microseconds. */
export function dmsTimestamp(micros: number): string {
  const second = Math.floor(micros / 1_000_000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    cachedSecond = second;
    cachedPrefix = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.`;
  }
  return cachedPrefix + pad(micros - second * 1_000_000, 6);
}

/** ISO-8601 with microseconds, `2026-01-01T00:00:00.000000Z`: the canonical TIMESTAMP form. */
export function isoMicros(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  return `${iso.slice(0, 19)}.${pad(((micros % 1_000_000) + 1_000_000) % 1_000_000, 6)}Z`;
}

export function isoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** Unscaled integer → decimal text with exactly `scale` digits after the point. */
export function decimalText(unscaled: number | bigint, scale: number): string {
  const negative = unscaled < 0;
  const digits = (negative ? -BigInt(unscaled) : BigInt(unscaled)).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
