/**
 * The checks every option normaliser shares (server, sockets, each
 * protocol's framing): each throws an InvalidOptionError naming the option.
 */
import { InvalidOptionError } from '../errors';

export const INT32_MAX = 2 ** 31 - 1;

export function int(option: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new InvalidOptionError(option, `must be an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) throw new InvalidOptionError(option, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function bool(option: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InvalidOptionError(option, `must be a boolean, got ${describe(v)}`);
  return v;
}

export function oneOf<T extends string>(option: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InvalidOptionError(option, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

export function plainObject(option: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidOptionError(option, `must be an object, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

export function rejectUnknown(option: string, o: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new InvalidOptionError(`${option}.${k}`, 'unknown option');
  }
}
