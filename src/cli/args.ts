/**
 * A small command-line flag parser shared by `ringnet serve` and `ringnet bench`:
 * "--name value", "--name=value", booleans with no value ("--cork") or an
 * explicit one ("--cork=false"). Every mistake is a UsageError naming the flag.
 */
import { RingnetError } from '../errors';

/** A command line the CLI cannot run: unknown flag, bad value, missing value. */
export class UsageError extends RingnetError {
  readonly flag: string | undefined;
  constructor(message: string, flag?: string) {
    super('ERR_USAGE', flag ? `${flag}: ${message}` : message);
    this.flag = flag;
  }
}

export type FlagKind = 'boolean' | 'string' | 'repeat';

export interface FlagSpec {
  kind: FlagKind;
  /** One line for --help. */
  help: string;
  /** Shown in --help after the flag name, e.g. "N" or "idle,interval,count". */
  value?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedFlags {
  /** Flag name (without "--") to its value: boolean, string, or string[] for repeatable flags. */
  values: Map<string, boolean | string | string[]>;
  positionals: string[];
}

const TRUE = ['true', 'on', 'yes', '1'];
const FALSE = ['false', 'off', 'no', '0'];

export function parseFlags(argv: readonly string[], specs: FlagSpecs): ParsedFlags {
  const values = new Map<string, boolean | string | string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag${suggest(name, specs)}`, `--${name}`);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (spec.kind === 'boolean') {
      if (value === undefined) values.set(name, true);
      else if (TRUE.includes(value.toLowerCase())) values.set(name, true);
      else if (FALSE.includes(value.toLowerCase())) values.set(name, false);
      else throw new UsageError(`expects true or false, got '${value}'`, `--${name}`);
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`needs a value${spec.value ? ` (${spec.value})` : ''}`, `--${name}`);
      }
      value = next;
      i++;
    }
    if (spec.kind === 'repeat') {
      const prev = values.get(name);
      values.set(name, [...(Array.isArray(prev) ? prev : []), value]);
    } else {
      if (values.has(name)) throw new UsageError('given twice', `--${name}`);
      values.set(name, value);
    }
  }
  return { values, positionals };
}

function suggest(name: string, specs: FlagSpecs): string {
  const close = Object.keys(specs).filter((k) => k.includes(name) || name.includes(k) || distance(k, name) <= 2);
  return close.length ? ` (did you mean ${close.slice(0, 3).map((k) => `--${k}`).join(', ')}?)` : '';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j] as number;
      d[j] = Math.min(cur + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length] as number;
}

// ------------------------------------------------------------------ value conversions

/** A non-negative integer; accepts k/m/g suffixes (powers of 1024) when `sizes` is set. */
export function toInt(flag: string, text: string, { min = 0, max = Number.MAX_SAFE_INTEGER, sizes = false } = {}): number {
  const m = /^(\d+)([kmg]?)(i?b)?$/i.exec(text.trim());
  const unit = m && m[2] ? m[2].toLowerCase() : '';
  if (!m || (!sizes && (unit || m[3]))) {
    throw new UsageError(`expects ${sizes ? 'a size such as 4096, 64k or 1m' : 'a whole number'}, got '${text}'`, flag);
  }
  const n = Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
  if (n < min || n > max) throw new UsageError(`must be between ${min} and ${max}, got ${n}`, flag);
  return n;
}

/** A positive (or zero, with min 0) decimal number. */
export function toNumber(flag: string, text: string, { min = 0, max = Number.MAX_VALUE } = {}): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`expects a number, got '${text}'`, flag);
  if (n < min || n > max) throw new UsageError(`must be between ${min} and ${max}, got ${n}`, flag);
  return n;
}

/** One of the allowed words. */
export function toChoice<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`expects one of ${allowed.join(', ')}, got '${text}'`, flag);
  }
  return text as T;
}

/**
 * Splits a comma-separated list at top level only: commas inside {...}, [...]
 * or a JSON string stay, so `a,b:{"x":1,"y":2}` is two items.
 */
export function splitTopLevel(flag: string, text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      if (--depth < 0) throw new UsageError(`unbalanced '${ch}' in '${text}'`, flag);
    } else if (ch === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || inString) throw new UsageError(`unbalanced brackets or quotes in '${text}'`, flag);
  items.push(text.slice(start));
  const trimmed = items.map((s) => s.trim());
  if (trimmed.some((s) => s === '')) throw new UsageError(`empty item in list '${text}'`, flag);
  return trimmed;
}

/** A list of integers, "100,1000". */
export function toIntList(flag: string, text: string, opts: { min?: number; max?: number; sizes?: boolean } = {}): number[] {
  return splitTopLevel(flag, text).map((s) => toInt(flag, s, opts));
}

/** Parses a JSON object given on the command line. */
export function toJsonObject(flag: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`is not valid JSON (${(e as Error).message})`, flag);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('expects a JSON object', flag);
  return v as Record<string, unknown>;
}

/** Renders the flag table for --help. */
export function helpText(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => [`--${name}${s.value ? ` ${s.value}` : ''}`, s.help]);
  const w = Math.max(...rows.map((r) => (r[0] as string).length));
  return rows.map(([a, b]) => `  ${(a as string).padEnd(w)}  ${b}`).join('\n');
}
