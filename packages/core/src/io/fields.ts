import { isUuid } from '../template/ids.js';
import type { Json, JsonObject, NodeMetadata, NodeRecord } from '../types.js';
import { longerThan, MAX_TEXT_LENGTH } from '../values.js';
import { invalid, isJsonObject, member } from './shape.js';

/**
 * Strict readers for Talus Tally files: each refuses with INVALID_REQUEST and `details.path` (like
 * `nodes[3].parent_id`) saying what is wrong where.
 */
const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

function describe(v: Json | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v).slice(0, 60)}`;
}

const refuse = (path: string, expected: string, v: Json | undefined) =>
  invalid(`${path || 'the file'} must be ${expected}, not ${describe(v)}`, { path });

export function objectAt(v: Json | undefined, path: string): JsonObject {
  if (!isJsonObject(v)) throw refuse(path, 'an object', v);
  return v;
}

/** Refuse keys a format does not define, so that a typo or a foreign file is not half read. */
export function onlyKeys(obj: JsonObject, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key))
      throw invalid(`${path || 'the file'} has an unknown field "${key.slice(0, 100)}"`, {
        path: at(path, key),
      });
  }
}

export function stringAt(
  obj: JsonObject,
  key: string,
  path: string,
  opts: { nonEmpty?: boolean; max?: number } = {},
) {
  const v = member(obj, key);
  if (typeof v !== 'string') throw refuse(at(path, key), 'a string', v);
  if (opts.nonEmpty && v.length === 0)
    throw invalid(`${at(path, key)} must not be empty`, { path: at(path, key) });
  if (opts.max !== undefined && longerThan(v, opts.max)) {
    throw invalid(`${at(path, key)} is longer than ${opts.max} characters`, { path: at(path, key) });
  }
  return v;
}

export function optionalStringAt(obj: JsonObject, key: string, path: string): string | undefined {
  return member(obj, key) === undefined ? undefined : stringAt(obj, key, path, { nonEmpty: true });
}

export function nullableStringAt(obj: JsonObject, key: string, path: string): string | null {
  return member(obj, key) === null ? null : stringAt(obj, key, path);
}

export function intAt(obj: JsonObject, key: string, path: string, min = 0): number {
  const v = member(obj, key);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw refuse(at(path, key), `an integer of at least ${min}`, v);
  }
  return v;
}

export function optionalIntAt(obj: JsonObject, key: string, path: string, min = 0): number | undefined {
  return member(obj, key) === undefined ? undefined : intAt(obj, key, path, min);
}

export function stringListAt(obj: JsonObject, key: string, path: string): string[] {
  const v = member(obj, key);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw refuse(at(path, key), 'a list of strings', v);
  return v as string[];
}

export function listAt(obj: JsonObject, key: string, path: string): Json[] {
  const v = member(obj, key);
  if (!Array.isArray(v)) throw refuse(at(path, key), 'a list', v);
  return v;
}

/** A node id as Talus Tally writes it: a lowercase UUID. */
export function nodeIdAt(obj: JsonObject, key: string, path: string): string {
  const v = stringAt(obj, key, path);
  if (!isUuid(v) || v !== v.toLowerCase()) throw refuse(at(path, key), 'a lowercase UUID', v);
  return v;
}

/** A list of node ids (lowercase UUIDs), as a new array. */
export function nodeIdListAt(obj: JsonObject, key: string, path: string): string[] {
  const list = stringListAt(obj, key, path);
  for (const [i, id] of list.entries()) {
    if (!isUuid(id) || id !== id.toLowerCase())
      throw refuse(`${at(path, key)}[${i}]`, 'a lowercase UUID', id);
  }
  return [...list];
}

const NODE_KEYS = new Set([
  'id',
  'blueprint_type_id',
  'name',
  'properties',
  'parent_id',
  'children',
  'metadata',
  'created_at',
  'updated_at',
]);

/** A node in id form, every field present and of its type (it shares objects with `v`: read a copy). */
export function nodeRecordAt(v: Json | undefined, path: string): NodeRecord {
  const o = objectAt(v, path);
  onlyKeys(o, NODE_KEYS, path);
  const parentKey = member(o, 'parent_id');
  const children = nodeIdListAt(o, 'children', path);
  return {
    id: nodeIdAt(o, 'id', path),
    blueprint_type_id: stringAt(o, 'blueprint_type_id', path, { nonEmpty: true }),
    name: stringAt(o, 'name', path, { max: MAX_TEXT_LENGTH }),
    properties: objectAt(member(o, 'properties'), at(path, 'properties')),
    parent_id: parentKey === null ? null : nodeIdAt(o, 'parent_id', path),
    children,
    metadata: metadataAt(member(o, 'metadata'), at(path, 'metadata')),
    created_at: stringAt(o, 'created_at', path, { nonEmpty: true }),
    updated_at: stringAt(o, 'updated_at', path, { nonEmpty: true }),
  };
}

function metadataAt(v: Json | undefined, path: string): NodeMetadata {
  const o = objectAt(v, path);
  const orphaned = member(o, 'orphaned');
  if (orphaned !== undefined && typeof orphaned !== 'boolean')
    throw refuse(at(path, 'orphaned'), 'true or false', orphaned);
  if (member(o, 'orphaned_type') !== undefined) stringAt(o, 'orphaned_type', path);
  if (member(o, 'orphaned_properties') !== undefined)
    objectAt(member(o, 'orphaned_properties'), at(path, 'orphaned_properties'));
  return o;
}
