import { isMap, isScalar, parseDocument } from 'yaml';
import type { Json, JsonObject } from '../types.js';
import { stableId } from './ids.js';
import { featureMacro } from './macros.js';
import type {
  NodeTypeDef,
  PropertyDef,
  SelectOption,
  Template,
  TemplateLoad,
  TemplateProblem,
} from './model.js';

/** How deep a template document may nest (mappings and lists) before it is refused. */
const MAX_DEPTH = 100;
/** How many YAML aliases a document may resolve (guards against "billion laughs" documents). */
const MAX_ALIASES = 1000;

const TOP_KNOWN = new Set(['id', 'name', 'description', 'version', 'node_types']);
const TYPE_KNOWN = new Set(['id', 'uuid', 'label', 'allowed_children', 'features', 'icon', 'properties']);
const PROPERTY_KNOWN = new Set([
  'id',
  'uuid',
  'label',
  'type',
  'required',
  'value',
  'target_type',
  'description',
  'system_locked',
  'ui_group',
  'semantic_role',
  'markup_profile',
  'from_feature',
]);
const OPTION_KNOWN = new Set(['name', 'indicator_id', 'id', 'uuid']);
const OPTIONAL_STRINGS = [
  'description',
  'ui_group',
  'semantic_role',
  'markup_profile',
  'from_feature',
] as const;

// ---------------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------------

class ShapeError extends Error {}

export const isJsonObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets a key on a plain object, `__proto__` included, without touching the prototype. */
function setKey(out: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

/**
 * Converts any value to JSON: non-finite numbers and non-JSON leaves become null, undefined object
 * members are dropped, Dates become ISO strings. Throws ShapeError on cycles or too deep nesting.
 */
export function toJson(value: unknown, depth = 0, stack: Set<object> = new Set()): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) throw new ShapeError(`the document nests deeper than ${MAX_DEPTH} levels`);
  if (stack.has(value)) throw new ShapeError('the document contains a reference cycle');
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  stack.add(value);
  try {
    if (Array.isArray(value)) {
      const arr: Json[] = [];
      for (const item of value) arr.push(toJson(item, depth + 1, stack));
      return arr;
    }
    const out: JsonObject = {};
    if (value instanceof Map) {
      for (const [k, v] of value) if (v !== undefined) setKey(out, String(k), toJson(v, depth + 1, stack));
      return out;
    }
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (v !== undefined) setKey(out, k, toJson(v, depth + 1, stack));
    }
    return out;
  } finally {
    stack.delete(value);
  }
}

/** A deep copy of a JSON value. */
export function cloneJson<T extends Json>(value: T): T {
  return toJson(value) as T;
}

function pick(obj: JsonObject, skip: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (!skip.has(k) && v !== undefined) setKey(out, k, cloneJson(v));
  }
  return out;
}

/** Python-like truthiness, as the original read feature mappings. */
function truthy(v: Json | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** A display text: a non-blank string, or a finite number printed. */
function text(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

const absent = (v: Json | undefined): v is undefined | null => v === undefined || v === null;

function describe(v: Json | undefined): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The `label` (or, as the original allowed, `name`) of a node type or property; a problem when neither. */
function readLabel(
  raw: JsonObject,
  path: string,
  consumed: Set<string>,
  what: string,
  p: Problems,
): string | undefined {
  const label = text(raw.label);
  if (label !== undefined) return label;
  const name = text(raw.name);
  if (name !== undefined) {
    consumed.add('name');
    return name;
  }
  if (!absent(raw.label) && typeof raw.label !== 'string') {
    p.add(`${path}.label`, `"label" must be a string, not ${describe(raw.label)}`);
  } else {
    p.add(path, `${what} has no "label" (or "name")`);
  }
  return undefined;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

// ---------------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------------

class Problems {
  readonly list: TemplateProblem[] = [];
  constructor(readonly file: string) {}
  add(path: string, message: string): void {
    this.list.push({ file: this.file, path, message });
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading the source
// ---------------------------------------------------------------------------------------------------

interface Source {
  doc: Json | undefined;
  /** The `version` scalar as written, when YAML would turn it into a number (`1.0` → "1.0"). */
  versionText?: string;
}

function readSource(source: unknown, p: Problems): Source {
  if (typeof source !== 'string') {
    try {
      return { doc: toJson(source) };
    } catch (e) {
      p.add('', e instanceof ShapeError ? e.message : 'the template is not JSON-like data');
      return { doc: undefined };
    }
  }
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    for (const err of document.errors) p.add('', `YAML syntax error: ${err.message}`);
    return { doc: undefined };
  }
  let js: unknown;
  try {
    js = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    p.add('', `YAML error: ${e instanceof Error ? e.message : String(e)}`);
    return { doc: undefined };
  }
  let doc: Json;
  try {
    doc = toJson(js);
  } catch (e) {
    p.add('', e instanceof ShapeError ? e.message : 'the YAML document cannot be read as JSON data');
    return { doc: undefined };
  }
  const out: Source = { doc };
  const contents = document.contents;
  if (isMap(contents)) {
    const node = contents.get('version', true);
    if (isScalar(node) && typeof node.value === 'number' && node.range) {
      const written = text.slice(node.range[0], node.range[1]).trim();
      if (/^[0-9][0-9A-Za-z.+_-]*$/.test(written)) out.versionText = written;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Properties and options
// ---------------------------------------------------------------------------------------------------

interface Parsed {
  def: PropertyDef;
  raw: JsonObject;
  /** Path of the property in the file; undefined for a property a macro added. */
  path: string | undefined;
}

interface Context {
  p: Problems;
  /** Node type id or uuid → type id. */
  typeRef: ReadonlyMap<string, string>;
}

function parseOptions(raw: Json[], path: string, namespace: string, p: Problems): SelectOption[] | undefined {
  const out: SelectOption[] = [];
  const names = new Set<string>();
  const uuids = new Set<string>();
  let ok = true;
  raw.forEach((item, k) => {
    const opath = `${path}[${k}]`;
    let option: SelectOption | undefined;
    if (typeof item === 'string' || typeof item === 'number') {
      const name = text(item);
      if (name === undefined) {
        p.add(opath, 'an option needs a non-empty name');
      } else {
        option = { uuid: stableId(namespace, name), name, indicator_id: null, extras: {} };
      }
    } else if (isJsonObject(item)) {
      let bad = false;
      const name = text(item.name);
      if (name === undefined) {
        p.add(opath, absent(item.name) ? 'option has no "name"' : '"name" must be a non-empty string');
        bad = true;
      }
      let indicator: string | null = null;
      if (typeof item.indicator_id === 'string') indicator = item.indicator_id;
      else if (!absent(item.indicator_id)) {
        p.add(`${opath}.indicator_id`, `"indicator_id" must be a string, not ${describe(item.indicator_id)}`);
        bad = true;
      }
      let id: string | undefined;
      if (!absent(item.id)) {
        id = text(item.id);
        if (id === undefined) {
          p.add(`${opath}.id`, `"id" must be a non-empty string, not ${describe(item.id)}`);
          bad = true;
        }
      }
      let uuid: string | undefined;
      if (!absent(item.uuid)) {
        uuid = text(item.uuid);
        if (uuid === undefined) {
          p.add(`${opath}.uuid`, `"uuid" must be a non-empty string, not ${describe(item.uuid)}`);
          bad = true;
        }
      }
      if (!bad && name !== undefined) {
        option = {
          uuid: uuid ?? id ?? stableId(namespace, name),
          name,
          indicator_id: indicator,
          extras: pick(item, OPTION_KNOWN),
        };
        if (id !== undefined) option.id = id;
      }
    } else {
      p.add(opath, `an option must be a name or a mapping with "name", not ${describe(item)}`);
    }
    if (option === undefined) {
      ok = false;
      return;
    }
    if (names.has(option.name)) {
      p.add(opath, `duplicate option name ${quote(option.name)}`);
      ok = false;
    } else if (uuids.has(option.uuid)) {
      p.add(opath, `duplicate option id ${quote(option.uuid)}`);
      ok = false;
    }
    names.add(option.name);
    uuids.add(option.uuid);
    out.push(option);
  });
  return ok ? out : undefined;
}

function parseProperty(raw: Json, path: string, typeId: string, ctx: Context): Parsed | undefined {
  const { p } = ctx;
  if (!isJsonObject(raw)) {
    p.add(path, `a property must be a mapping, not ${describe(raw)}`);
    return undefined;
  }
  const start = p.list.length;
  const consumed = new Set(PROPERTY_KNOWN);

  const id = text(raw.id);
  if (id === undefined) {
    if (absent(raw.id)) p.add(path, 'property has no "id"');
    else p.add(`${path}.id`, `"id" must be a non-empty string, not ${describe(raw.id)}`);
  }
  const what = id === undefined ? 'property' : `property ${quote(id)}`;

  const label = readLabel(raw, path, consumed, what, p);

  let type: string | undefined;
  if (typeof raw.type === 'string' && raw.type.trim() !== '') type = raw.type;
  else if (absent(raw.type)) p.add(path, `${what} has no "type"`);
  else p.add(`${path}.type`, `"type" must be a non-empty string, not ${describe(raw.type)}`);

  let uuid: string | undefined;
  if (!absent(raw.uuid)) {
    uuid = text(raw.uuid);
    if (uuid === undefined)
      p.add(`${path}.uuid`, `"uuid" must be a non-empty string, not ${describe(raw.uuid)}`);
  }

  let required = false;
  if (typeof raw.required === 'boolean') required = raw.required;
  else if (!absent(raw.required))
    p.add(`${path}.required`, `"required" must be true or false, not ${describe(raw.required)}`);

  let systemLocked: boolean | undefined;
  if (typeof raw.system_locked === 'boolean') systemLocked = raw.system_locked;
  else if (!absent(raw.system_locked)) {
    p.add(
      `${path}.system_locked`,
      `"system_locked" must be true or false, not ${describe(raw.system_locked)}`,
    );
  }

  const strings: Partial<Record<(typeof OPTIONAL_STRINGS)[number], string>> = {};
  for (const key of OPTIONAL_STRINGS) {
    const v = raw[key];
    if (typeof v === 'string') strings[key] = v;
    else if (!absent(v)) p.add(`${path}.${key}`, `"${key}" must be a string, not ${describe(v)}`);
  }

  let targetType: string | undefined;
  if (typeof raw.target_type === 'string') {
    targetType = ctx.typeRef.get(raw.target_type);
    if (targetType === undefined) p.add(`${path}.target_type`, `unknown node type ${quote(raw.target_type)}`);
  } else if (!absent(raw.target_type)) {
    p.add(`${path}.target_type`, `"target_type" must be a node type id, not ${describe(raw.target_type)}`);
  }

  let options: SelectOption[] | undefined;
  if (type === 'select') {
    consumed.add('options');
    const opts = raw.options;
    if (!Array.isArray(opts) || opts.length === 0) {
      p.add(
        `${path}.options`,
        Array.isArray(opts) || absent(opts)
          ? `select ${what} needs a non-empty "options" list`
          : `"options" must be a list, not ${describe(opts)}`,
      );
    } else if (id !== undefined) {
      options = parseOptions(opts, `${path}.options`, `${typeId}.${id}`, p);
    }
  }

  if (p.list.length > start || id === undefined || label === undefined || type === undefined)
    return undefined;

  const def: PropertyDef = {
    id,
    uuid: uuid ?? stableId(`property.${typeId}`, id),
    label,
    type,
    required,
    extras: pick(raw, consumed),
  };
  if (!absent(raw.value)) {
    let value: Json = cloneJson(raw.value);
    if (options !== undefined && typeof value === 'string') {
      const v = value;
      if (!options.some((o) => o.uuid === v)) {
        const named = options.find((o) => o.name === v);
        if (named !== undefined) value = named.uuid;
      }
    }
    def.default = value;
  }
  if (options !== undefined) def.options = options;
  if (targetType !== undefined) def.target_type = targetType;
  if (strings.description !== undefined) def.description = strings.description;
  if (systemLocked !== undefined) def.system_locked = systemLocked;
  if (strings.ui_group !== undefined) def.ui_group = strings.ui_group;
  if (strings.semantic_role !== undefined) def.semantic_role = strings.semantic_role;
  if (strings.markup_profile !== undefined) def.markup_profile = strings.markup_profile;
  if (strings.from_feature !== undefined) def.from_feature = strings.from_feature;
  return { def, raw, path };
}

// ---------------------------------------------------------------------------------------------------
// Feature macros
// ---------------------------------------------------------------------------------------------------

/**
 * Completes a property a macro also defines (the file's copy wins): fields the file leaves out are taken
 * from the macro. A select default naming no option of the file's copy is not taken.
 */
function fill(existing: Parsed, macro: JsonObject, typeId: string, ctx: Context): Parsed {
  // A property of another type is the file's own, not the macro's: leave it as written.
  if (existing.def.type !== macro.type) return existing;
  const merged: JsonObject = { ...macro, ...existing.raw };
  const scratch: Context = { p: new Problems(''), typeRef: ctx.typeRef };
  const parsed = parseProperty(merged, existing.path ?? '', typeId, scratch);
  if (parsed === undefined) return existing;
  const def = parsed.def;
  if (absent(existing.raw.value) && def.options !== undefined && def.default !== undefined) {
    const d = def.default;
    if (!def.options.some((o) => o.uuid === d)) delete def.default;
  }
  return { def, raw: existing.raw, path: existing.path };
}

function applyMacros(
  props: Parsed[],
  features: readonly string[],
  typeId: string,
  personTypeId: string | undefined,
  ctx: Context,
): void {
  for (const feature of features) {
    const macro = featureMacro(feature, personTypeId);
    if (macro === undefined) continue;
    for (const mraw of macro) {
      const pid = mraw.id as string;
      const at = props.findIndex((x) => x.def.id === pid);
      const existing = props[at];
      if (existing !== undefined && existing.def.system_locked === true) {
        props[at] = fill(existing, mraw, typeId, ctx);
        continue;
      }
      let raw: JsonObject = { ...mraw, from_feature: feature };
      if (existing !== undefined) {
        // The file's own property of that id wins; the macro's copy is added under another id.
        const uid = `_feat_${feature}_${pid}`;
        const at2 = props.findIndex((x) => x.def.id === uid);
        const existing2 = props[at2];
        if (existing2 !== undefined) {
          props[at2] = fill(existing2, { ...mraw, id: uid, key: pid }, typeId, ctx);
          continue;
        }
        raw = { ...mraw, id: uid, key: pid, from_feature: feature };
      }
      const scratch: Context = { p: new Problems(''), typeRef: ctx.typeRef };
      const parsed = parseProperty(raw, '', typeId, scratch);
      if (parsed !== undefined) props.push({ def: parsed.def, raw, path: undefined });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Node types
// ---------------------------------------------------------------------------------------------------

interface TypeHead {
  index: number;
  path: string;
  raw: JsonObject;
  id: string | undefined;
  uuid: string | undefined;
  features: string[];
  /** Keys of `raw` the loader reads (the others are extras). */
  consumed: Set<string>;
}

function parseFeatures(raw: Json | undefined, path: string, p: Problems): string[] {
  const out: string[] = [];
  if (absent(raw)) return out;
  if (Array.isArray(raw)) {
    raw.forEach((f, j) => {
      if (typeof f === 'string' && f.trim() !== '') out.push(f);
      else p.add(`${path}[${j}]`, `a feature must be a non-empty string, not ${describe(f)}`);
    });
  } else if (isJsonObject(raw)) {
    for (const k of Object.keys(raw)) if (truthy(raw[k])) out.push(k);
  } else {
    p.add(path, `"features" must be a list or a mapping, not ${describe(raw)}`);
  }
  return out;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function readHead(raw: Json, index: number, p: Problems): TypeHead | undefined {
  const path = `node_types[${index}]`;
  if (!isJsonObject(raw)) {
    p.add(path, `a node type must be a mapping, not ${describe(raw)}`);
    return undefined;
  }
  const consumed = new Set(TYPE_KNOWN);
  const id = text(raw.id);
  if (id === undefined) {
    if (absent(raw.id)) p.add(path, 'node type has no "id"');
    else p.add(`${path}.id`, `"id" must be a non-empty string, not ${describe(raw.id)}`);
  }
  let uuid: string | undefined;
  if (!absent(raw.uuid)) {
    uuid = text(raw.uuid);
    if (uuid === undefined)
      p.add(`${path}.uuid`, `"uuid" must be a non-empty string, not ${describe(raw.uuid)}`);
  } else if (id !== undefined) {
    uuid = stableId('node_type', id);
  }
  const features = parseFeatures(raw.features, `${path}.features`, p);
  if (id === 'person') features.push('is_person');
  return { index, path, raw, id, uuid, features: dedupe(features), consumed };
}

function parseType(head: TypeHead, personTypeId: string | undefined, ctx: Context): NodeTypeDef | undefined {
  const { p } = ctx;
  const { raw, path, consumed } = head;
  const start = p.list.length;
  const typeId = head.id ?? '';
  const what = head.id === undefined ? 'node type' : `node type ${quote(head.id)}`;

  const label = readLabel(raw, path, consumed, what, p);

  const children: string[] = [];
  if (Array.isArray(raw.allowed_children)) {
    raw.allowed_children.forEach((c, j) => {
      if (typeof c !== 'string') {
        p.add(`${path}.allowed_children[${j}]`, `a child type must be a node type id, not ${describe(c)}`);
        return;
      }
      const ref = ctx.typeRef.get(c);
      if (ref === undefined) p.add(`${path}.allowed_children[${j}]`, `unknown node type ${quote(c)}`);
      else children.push(ref);
    });
  } else if (!absent(raw.allowed_children)) {
    p.add(
      `${path}.allowed_children`,
      `"allowed_children" must be a list of node type ids, not ${describe(raw.allowed_children)}`,
    );
  }

  let icon: string | null = null;
  if (typeof raw.icon === 'string') icon = raw.icon;
  else if (!absent(raw.icon)) p.add(`${path}.icon`, `"icon" must be a string, not ${describe(raw.icon)}`);

  const props: Parsed[] = [];
  if (Array.isArray(raw.properties)) {
    raw.properties.forEach((pr, j) => {
      const parsed = parseProperty(pr, `${path}.properties[${j}]`, typeId, ctx);
      if (parsed !== undefined) props.push(parsed);
    });
  } else if (!absent(raw.properties)) {
    p.add(`${path}.properties`, `"properties" must be a list, not ${describe(raw.properties)}`);
  }

  // Duplicates among the file's own properties (before macros, which never add a clash).
  const refs = new Map<string, string>();
  for (const { def, path: ppath } of props) {
    const at = ppath ?? `${path}.properties`;
    const byId = refs.get(def.id);
    if (byId !== undefined) {
      p.add(`${at}.id`, `duplicate property id ${quote(def.id)} in ${what}`);
      continue;
    }
    const byUuid = refs.get(def.uuid);
    if (byUuid !== undefined) {
      p.add(
        `${at}.uuid`,
        `duplicate property uuid ${quote(def.uuid)} in ${what} (also property ${quote(byUuid)})`,
      );
      continue;
    }
    refs.set(def.id, def.id);
    refs.set(def.uuid, def.id);
  }

  if (p.list.length > start || head.id === undefined || head.uuid === undefined || label === undefined) {
    return undefined;
  }

  applyMacros(props, head.features, typeId, personTypeId, ctx);
  for (const { def, path: ppath } of props) {
    if (ppath !== undefined) continue;
    const clash = refs.get(def.id) ?? refs.get(def.uuid);
    if (clash !== undefined) {
      p.add(
        `${path}.features`,
        `property ${quote(def.id)} of feature "${def.from_feature}" clashes with ${quote(clash)}`,
      );
      return undefined;
    }
    refs.set(def.id, def.id);
    refs.set(def.uuid, def.id);
  }

  return {
    id: head.id,
    uuid: head.uuid,
    label,
    allowed_children: dedupe(children),
    features: head.features,
    icon,
    properties: props.map((x) => x.def),
    extras: pick(raw, consumed),
  };
}

// ---------------------------------------------------------------------------------------------------
// Template
// ---------------------------------------------------------------------------------------------------

function readVersion(doc: JsonObject, versionText: string | undefined, p: Problems | undefined): string {
  const v = doc.version;
  if (absent(v)) return '1.0';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return versionText ?? String(v);
  p?.add('version', `"version" must be a string, not ${describe(v)}`);
  return '';
}

function readDescription(doc: JsonObject, p: Problems | undefined): string {
  const v = doc.description;
  if (absent(v)) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  p?.add('description', `"description" must be a string, not ${describe(v)}`);
  return '';
}

function failure(
  id: string,
  doc: Json | undefined,
  versionText: string | undefined,
  p: Problems,
): TemplateLoad {
  const obj = isJsonObject(doc) ? doc : {};
  return {
    ok: false,
    id,
    name: text(obj.name) ?? id,
    description: readDescription(obj, undefined),
    version: readVersion(obj, versionText, undefined),
    problems: p.list,
  };
}

function build(
  id: string,
  doc: Json | undefined,
  versionText: string | undefined,
  p: Problems,
): Template | undefined {
  if (!isJsonObject(doc)) {
    p.add('', `a template must be a mapping with "name" and "node_types", not ${describe(doc ?? null)}`);
    return undefined;
  }
  const name = text(doc.name);
  if (name === undefined) {
    p.add(
      'name',
      absent(doc.name)
        ? 'the template has no "name"'
        : `"name" must be a non-empty string, not ${describe(doc.name)}`,
    );
  }
  const description = readDescription(doc, p);
  const version = readVersion(doc, versionText, p);

  const rawTypes = doc.node_types;
  if (!Array.isArray(rawTypes) || rawTypes.length === 0) {
    p.add(
      'node_types',
      Array.isArray(rawTypes) || absent(rawTypes)
        ? 'the template needs a non-empty "node_types" list'
        : `"node_types" must be a list, not ${describe(rawTypes)}`,
    );
    return undefined;
  }

  // Pass 1: ids and uuids of every node type, so references can be resolved in any order.
  const heads: TypeHead[] = [];
  const typeRef = new Map<string, string>();
  rawTypes.forEach((raw, i) => {
    const head = readHead(raw, i, p);
    if (head === undefined) return;
    heads.push(head);
    if (head.id === undefined) return;
    const owner = typeRef.get(head.id);
    if (owner !== undefined) {
      p.add(
        `${head.path}.id`,
        owner === head.id
          ? `duplicate node type id ${quote(head.id)}`
          : `node type id ${quote(head.id)} is already the uuid of node type ${quote(owner)}`,
      );
      return;
    }
    if (head.uuid !== undefined) {
      const uuidOwner = typeRef.get(head.uuid);
      if (uuidOwner !== undefined) {
        p.add(
          `${head.path}.uuid`,
          `duplicate node type uuid ${quote(head.uuid)} (also node type ${quote(uuidOwner)})`,
        );
      } else {
        typeRef.set(head.uuid, head.id);
      }
    }
    typeRef.set(head.id, head.id);
  });

  const personTypeId =
    heads.find((h) => h.id === 'person')?.id ??
    heads.find((h) => h.id !== undefined && h.features.includes('is_person'))?.id;

  // Pass 2: every node type in full.
  const ctx: Context = { p, typeRef };
  const types: NodeTypeDef[] = [];
  for (const head of heads) {
    const t = parseType(head, personTypeId, ctx);
    if (t !== undefined) types.push(t);
  }

  if (p.list.length > 0 || name === undefined) return undefined;

  const root = types.find((t) => t.features.includes('is_root')) ?? types[0];
  if (root === undefined) return undefined;

  const typeByRef = new Map<string, NodeTypeDef>();
  const propertyByRef = new Map<string, ReadonlyMap<string, PropertyDef>>();
  for (const t of types) {
    typeByRef.set(t.id, t);
    typeByRef.set(t.uuid, t);
    const props = new Map<string, PropertyDef>();
    for (const pr of t.properties) {
      props.set(pr.id, pr);
      props.set(pr.uuid, pr);
    }
    propertyByRef.set(t.id, props);
  }

  return {
    id,
    name,
    description,
    version,
    node_types: types,
    root_type_id: root.id,
    extras: pick(doc, TOP_KNOWN),
    typeByRef,
    propertyByRef,
  };
}

/**
 * Loads a template from YAML text or an already parsed document (a project's stored copy). `id` is the
 * template id (file name without extension, or the id given at upload; a top-level `id` in the document
 * is ignored) and `file` names the source in problems. Reports every problem found; never throws.
 */
export function loadTemplate(id: string, source: unknown, file: string): TemplateLoad {
  const p = new Problems(file);
  let doc: Json | undefined;
  let versionText: string | undefined;
  try {
    const read = readSource(source, p);
    doc = read.doc;
    versionText = read.versionText;
    if (p.list.length > 0) return failure(id, doc, versionText, p);
    const template = build(id, doc, versionText, p);
    if (template === undefined || p.list.length > 0) return failure(id, doc, versionText, p);
    return { ok: true, template, source: typeof source === 'string' ? source : JSON.stringify(doc) };
  } catch (e) {
    // Defensive: the loader must never throw, whatever the input.
    p.add('', `the template could not be read: ${e instanceof Error ? e.message : String(e)}`);
    try {
      return failure(id, doc, versionText, p);
    } catch {
      return { ok: false, id, name: id, description: '', version: '', problems: p.list };
    }
  }
}
