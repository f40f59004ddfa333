import { TalusError } from '../errors.js';
import type { Json, JsonObject } from '../types.js';

/** How deep an imported document may nest before it is refused. */
const MAX_DEPTH = 200;

/** An INVALID_REQUEST refusal of an imported file. */
export const invalid = (message: string, details?: JsonObject): TalusError =>
  new TalusError('INVALID_REQUEST', message, details);

export const isJsonObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets a key on a plain object, `__proto__` included, without touching the prototype. */
export function setKey(out: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

/** An own member of a JSON object (never an inherited one such as `toString`). */
export function member(obj: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * A deep copy of `value` as plain JSON, refusing (INVALID_REQUEST) what JSON cannot hold: undefined
 * members inside arrays, functions, non-finite numbers, cycles, nesting deeper than 200. A parsed body
 * always passes; this guards programmatic callers and means the importers never alias their input.
 */
export function readJson(value: unknown, path = '', depth = 0, stack: Set<object> = new Set()): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw invalid(`${path || 'the document'} holds a number JSON cannot carry`, { path });
  }
  if (typeof value !== 'object') {
    throw invalid(`${path || 'the document'} is not JSON`, { path });
  }
  if (depth > MAX_DEPTH) throw invalid(`the document nests deeper than ${MAX_DEPTH} levels`, { path });
  if (stack.has(value)) throw invalid('the document contains a reference cycle', { path });
  stack.add(value);
  try {
    if (Array.isArray(value)) return value.map((v, i) => readJson(v, `${path}[${i}]`, depth + 1, stack));
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) setKey(out, k, readJson(v, path ? `${path}.${k}` : k, depth + 1, stack));
    }
    return out;
  } finally {
    stack.delete(value);
  }
}

/** A deep copy of a JSON value (`__proto__` keys kept as data). */
export function cloneJson<T extends Json>(value: T): T {
  return readJson(value) as T;
}
