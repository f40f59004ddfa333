import { TalusError } from './errors.js';
import type { ProjectGraph } from './graph/graph.js';
import type { PropertyDef, Template } from './template/model.js';
import type { Json } from './types.js';

export const MAX_TEXT_LENGTH = 100_000;

/** Whether `s` has more than `max` characters (code points: an emoji is one character, not two). */
export function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false;
  if (s.length > 2 * max) return true;
  let n = 0;
  for (const _ of s) if (++n > max) return true;
  return false;
}
const MAX_REFERENCES = 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CURRENCY_RE = /^-?\d+\.\d{1,2}$/;

/** A real calendar date `YYYY-MM-DD` (no time, no zone). */
export function isCalendarDate(v: string): boolean {
  const m = DATE_RE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** A JSON number with at most two decimals. */
export function isCurrency(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (Number.isInteger(v) || CURRENCY_RE.test(String(v)));
}

/** Whether `v` is plain JSON (what arrives from a parsed body always is; this guards programmatic callers). */
function isJson(v: unknown, depth = 0): v is Json {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (typeof v === 'object') return Object.values(v).every((x) => isJson(x, depth + 1));
  return false;
}

const refuse = (prop: PropertyDef, why: string) =>
  new TalusError('INVALID_COMMAND', `property "${prop.id}" (${prop.type}): ${why}`, { property_id: prop.id });

/**
 * Check a non-null value against its property's type and return it as stored (a select option becomes its
 * uuid). Throws INVALID_COMMAND (or NODE_NOT_FOUND for a reference to no node).
 */
export function normalizeValue(
  prop: PropertyDef,
  value: unknown,
  graph: ProjectGraph,
  template: Template,
): Json {
  switch (prop.type) {
    case 'text':
    case 'editor':
      if (typeof value !== 'string') throw refuse(prop, 'expects a string');
      if (longerThan(value, MAX_TEXT_LENGTH))
        throw refuse(prop, `is limited to ${MAX_TEXT_LENGTH} characters`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw refuse(prop, 'expects a finite number');
      return value;
    case 'currency':
      if (!isCurrency(value)) throw refuse(prop, 'expects a number with at most 2 decimals');
      return value;
    case 'checkbox':
      if (typeof value !== 'boolean') throw refuse(prop, 'expects true or false');
      return value;
    case 'date':
      if (typeof value !== 'string' || !isCalendarDate(value))
        throw refuse(prop, 'expects a real date YYYY-MM-DD');
      return value;
    case 'select': {
      if (typeof value !== 'string') throw refuse(prop, 'expects an option uuid, id or name');
      const option = (prop.options ?? []).find((o) => o.uuid === value || o.id === value || o.name === value);
      if (!option) throw refuse(prop, `has no option "${value.slice(0, 100)}"`);
      return option.uuid;
    }
    case 'node_reference':
      return normalizeReference(prop, value, graph, template);
    default:
      if (!isJson(value)) throw refuse(prop, 'expects a JSON value');
      if (JSON.stringify(value).length > MAX_TEXT_LENGTH) throw refuse(prop, 'value is too large');
      return value;
  }
}

function normalizeReference(
  prop: PropertyDef,
  value: unknown,
  graph: ProjectGraph,
  template: Template,
): Json {
  const targetType = prop.target_type
    ? (template.typeByRef.get(prop.target_type)?.id ?? prop.target_type)
    : null;
  const check = (id: unknown): string => {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw refuse(prop, 'expects a node id');
    const node = graph.get(id);
    if (!node)
      throw new TalusError('NODE_NOT_FOUND', `referenced node ${id} does not exist`, { node_id: id });
    if (targetType !== null && node.blueprint_type_id !== targetType) {
      throw refuse(prop, `must reference a node of type "${targetType}", not "${node.blueprint_type_id}"`);
    }
    return id;
  };
  if (Array.isArray(value)) {
    if (value.length > MAX_REFERENCES) throw refuse(prop, `holds at most ${MAX_REFERENCES} references`);
    const ids = value.map(check);
    if (new Set(ids).size !== ids.length) throw refuse(prop, 'lists a node twice');
    return ids;
  }
  return check(value);
}

/** The initial value of a property on a new node: its valid default, else a select's first option. */
export function defaultValue(prop: PropertyDef, graph: ProjectGraph, template: Template): Json | undefined {
  if (prop.default !== undefined && prop.default !== null) {
    try {
      return normalizeValue(prop, prop.default, graph, template);
    } catch {
      // a default the template cannot satisfy (e.g. a reference) is skipped, like a missing one
    }
  }
  if (prop.type === 'select') return prop.options?.[0]?.uuid;
  return undefined;
}
