import { nodeIdFromFile } from '../template/ids.js';
import type { NodeTypeDef, PropertyDef, Template } from '../template/model.js';
import type { Json, JsonObject, NodeMetadata, NodeRecord } from '../types.js';
import { isCalendarDate, isCurrency, longerThan, MAX_TEXT_LENGTH } from '../values.js';
import { checkForest } from './forest.js';
import { cloneJson, invalid, isJsonObject, member, readJson, setKey } from './shape.js';

/** What an imported file becomes: nodes ready for `Project.restore`, and what the file carried beyond them. */
export interface ImportedProject {
  /** The first root's name. */
  name: string;
  /** Id form, parents before children, roots in order, children in order. */
  nodes: NodeRecord[];
  /** Root ids in order. */
  roots: string[];
  /** Everything of the file beyond the imported node fields (layout in docs/spec/import-export.md, IMP11). */
  extras: JsonObject;
}

export interface ImportOriginalOptions {
  /** Stamps nodes whose file gives no `created_at` / `updated_at`. */
  now: string;
}

/** Node fields of an original file that become node fields; every other key goes to the node's extras. */
const NODE_FIELDS = ['id', 'name', 'type', 'properties', 'children', 'metadata', 'created_at', 'updated_at'];

/** An original desktop-app project file: an object with a `graph.nodes` list. */
export function isOriginalProjectFile(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const graph: unknown = (doc as Record<string, unknown>).graph;
  if (typeof graph !== 'object' || graph === null || Array.isArray(graph)) return false;
  return Array.isArray((graph as Record<string, unknown>).nodes);
}

/** The template an original file names: its top-level `template_id`, else (older files) `graph.template_id`. */
export function originalTemplateId(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const top = (doc as Record<string, unknown>).template_id;
  if (typeof top === 'string' && top.length > 0) return top;
  const graph = (doc as Record<string, unknown>).graph;
  if (typeof graph !== 'object' || graph === null || Array.isArray(graph)) return undefined;
  const inGraph = (graph as Record<string, unknown>).template_id;
  return typeof inGraph === 'string' && inGraph.length > 0 ? inGraph : undefined;
}

/** One node of the file after the shape check, before conversion. */
interface FileNode {
  /** The id as written. */
  fileId: string;
  /** The node id (nodeIdFromFile). */
  id: string;
  children: string[];
  /** The child ids as written. */
  fileChildren: string[];
  src: JsonObject;
}

/**
 * Import an original project file against its template (PRODUCT.md section 5, `POST /projects/import`).
 * Pure: the caller resolves the template (`originalTemplateId`) and creates the project from the result.
 * Throws INVALID_REQUEST, naming the node, when the file is malformed or not a forest; nothing partial.
 */
export function importOriginalFile(
  input: unknown,
  template: Template,
  opts: ImportOriginalOptions,
): ImportedProject {
  const doc = readJson(input);
  if (!isJsonObject(doc)) throw invalid('an original project file is a JSON object');
  const graph = member(doc, 'graph');
  const list = isJsonObject(graph) ? member(graph, 'nodes') : undefined;
  if (!isJsonObject(graph) || !Array.isArray(list)) {
    throw invalid('an original project file has a graph.nodes list', { path: 'graph.nodes' });
  }
  if (list.length === 0) throw invalid('the project file has no nodes', { path: 'graph.nodes' });

  const fileNodes = list.map(readFileNode);
  const labels = new Map<string, string>();
  const ids = new Set(fileNodes.map((n) => n.id));
  for (const n of fileNodes) {
    if (!labels.has(n.id)) labels.set(n.id, n.fileId);
    for (const [i, c] of n.children.entries()) if (!labels.has(c)) labels.set(c, n.fileChildren[i]!);
  }
  const forest = checkForest(
    fileNodes.map((n) => ({ id: n.id, children: n.children, label: n.fileId })),
    (id) => labels.get(id) ?? id,
  );

  const byId = new Map<string, NodeRecord>();
  const nodeExtras: JsonObject = {};
  for (const n of fileNodes) {
    const { node, extra } = convertNode(n, forest.parentOf.get(n.id) ?? null, template, ids, opts.now);
    byId.set(node.id, node);
    if (Object.keys(extra).length > 0) setKey(nodeExtras, node.id, extra);
  }
  const nodes = forest.order.map((id) => byId.get(id)!);
  return {
    name: byId.get(forest.roots[0]!)!.name,
    nodes,
    roots: forest.roots,
    extras: fileExtras(doc, graph, nodeExtras),
  };
}

function readFileNode(v: Json, i: number): FileNode {
  const path = `graph.nodes[${i}]`;
  if (!isJsonObject(v)) throw invalid(`${path} is not an object`, { path });
  const fileId = member(v, 'id');
  if (typeof fileId !== 'string' || fileId.length === 0) {
    throw invalid(`${path} has no string id`, { path: `${path}.id` });
  }
  const details = { node_id: fileId, path };
  const type = member(v, 'type');
  if (typeof type !== 'string' || type.length === 0)
    throw invalid(`node "${fileId}" has no string type`, details);
  const props = member(v, 'properties');
  if (props !== undefined && props !== null && !isJsonObject(props)) {
    throw invalid(`node "${fileId}": properties is not an object`, details);
  }
  const children = member(v, 'children') ?? [];
  if (!Array.isArray(children) || !children.every((c) => typeof c === 'string')) {
    throw invalid(`node "${fileId}": children is not a list of ids`, details);
  }
  const fileChildren = children as string[];
  return {
    fileId,
    id: nodeIdFromFile(fileId),
    children: fileChildren.map(nodeIdFromFile),
    fileChildren,
    src: v,
  };
}

/** A type or property by reference: exact, else a UUID written in another case. */
function lookup<T>(map: ReadonlyMap<string, T> | undefined, ref: string): T | undefined {
  return map?.get(ref) ?? map?.get(ref.toLowerCase());
}

function convertNode(
  n: FileNode,
  parentId: string | null,
  template: Template,
  ids: ReadonlySet<string>,
  now: string,
): { node: NodeRecord; extra: JsonObject } {
  const src = n.src;
  const typeRef = member(src, 'type') as string;
  const type = lookup(template.typeByRef, typeRef);
  const fileProps = (member(src, 'properties') || {}) as JsonObject;
  const extra: JsonObject = {};
  if (n.fileId !== n.id) extra.id = n.fileId;
  if (member(src, 'properties') === null) extra.properties = null;
  for (const key of Object.keys(src)) if (!NODE_FIELDS.includes(key)) setKey(extra, key, src[key]!);

  const rawMeta = member(src, 'metadata');
  const metadata: NodeMetadata = isJsonObject(rawMeta) ? rawMeta : {};
  if (rawMeta !== undefined && !isJsonObject(rawMeta)) extra.metadata = rawMeta;

  const name = nameOf(src, fileProps, type, template);
  if (longerThan(name, MAX_TEXT_LENGTH)) {
    throw invalid(`node "${n.fileId}": its name is longer than ${MAX_TEXT_LENGTH} characters`, {
      path: 'graph.nodes',
    });
  }
  if (typeof member(src, 'name') !== 'string' && member(src, 'name') !== undefined) extra.name = src.name!;

  let properties: JsonObject;
  if (type === undefined) {
    properties = fileProps;
    metadata.orphaned = true;
    metadata.orphaned_type = typeRef;
  } else {
    // Flags a previous orphan detection wrote are stale once the template has the type again.
    delete metadata.orphaned;
    delete metadata.orphaned_type;
    properties = convertProperties(fileProps, type, template, ids, name, metadata, extra);
  }

  const stamp = (key: 'created_at' | 'updated_at'): string => {
    const v = member(src, key);
    if (typeof v === 'string') return v;
    if (v !== undefined) setKey(extra, key, v);
    return now;
  };
  const node: NodeRecord = {
    id: n.id,
    blueprint_type_id: type?.id ?? typeRef,
    name,
    properties,
    parent_id: parentId,
    children: n.children,
    metadata,
    created_at: stamp('created_at'),
    updated_at: stamp('updated_at'),
  };
  return { node, extra };
}

/** The node's `name`, else its `name` property, else (older files) the value under the name property's uuid. */
function nameOf(
  src: JsonObject,
  props: JsonObject,
  type: NodeTypeDef | undefined,
  template: Template,
): string {
  const own = member(src, 'name');
  if (typeof own === 'string') return own;
  const byKey = member(props, 'name');
  if (typeof byKey === 'string') return byKey;
  const nameProp = type ? template.propertyByRef.get(type.id)?.get('name') : undefined;
  const byUuid = nameProp ? member(props, nameProp.uuid) : undefined;
  if (typeof byUuid === 'string') return byUuid;
  return type?.label ?? '';
}

function convertProperties(
  fileProps: JsonObject,
  type: NodeTypeDef,
  template: Template,
  ids: ReadonlySet<string>,
  name: string,
  metadata: NodeMetadata,
  extra: JsonObject,
): JsonObject {
  const defs = template.propertyByRef.get(type.id);
  const hasName = defs?.has('name') ?? false;
  const properties: JsonObject = {};
  const aside: JsonObject = isJsonObject(metadata.orphaned_properties) ? metadata.orphaned_properties : {};
  // Keys that repeat a value kept elsewhere (the `name` key and the name property mirror the node name; a
  // property given under both its id and its uuid) are dropped when equal, else kept in the node's extras.
  const repeats: Array<[key: string, value: Json, kept: () => Json | undefined]> = [];
  const unfit: string[] = [];
  for (const key of Object.keys(fileProps)) {
    const value = fileProps[key]!;
    const def = lookup(defs, key);
    if (key === 'name' || def?.id === 'name') {
      repeats.push([key, value, () => name]);
    } else if (def === undefined) {
      setKey(aside, key, value);
    } else if (Object.hasOwn(properties, def.id)) {
      const converted = convertValue(def, value, ids);
      repeats.push([key, 'value' in converted ? converted.value : value, () => member(properties, def.id)]);
    } else {
      const converted = convertValue(def, value, ids);
      if ('none' in converted) continue;
      if ('invalid' in converted) unfit.push(def.id);
      setKey(properties, def.id, 'value' in converted ? converted.value : converted.invalid);
    }
  }
  if (hasName) properties.name = name;
  if (unfit.length > 0) metadata.invalid_properties = unfit;
  if (Object.keys(aside).length > 0) metadata.orphaned_properties = aside;
  const kept: JsonObject = {};
  for (const [key, value, current] of repeats) {
    if (JSON.stringify(value) !== JSON.stringify(current())) setKey(kept, key, fileProps[key]!);
  }
  if (Object.keys(kept).length > 0) extra.properties = kept;
  return properties;
}

const NUMERIC_RE = /^-?\$?-?[\d,]*\.?\d+$/;
const DATE_FORMATS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^(\d{4})-(\d{1,2})-(\d{1,2})$/, (m) => `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`],
  [/^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, (m) => `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`],
  [
    /^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$/,
    (m) => `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`,
  ],
];

/** What an imported value becomes: a value, no value, or the value as written when it does not fit. */
type Converted = { value: Json } | { none: true } | { invalid: Json };

/**
 * Normalize a value from an original file where its meaning is clear (IMP8): numeric strings (with `$`
 * or `,`) for numbers and currencies, empty strings, the original's other date formats, select option
 * names, references given as lists, JSON-list strings or comma-separated strings. What still does not fit
 * is kept as written and reported, never dropped.
 */
function convertValue(def: PropertyDef, value: Json, ids: ReadonlySet<string>): Converted {
  if (value === null || value === '') return { none: true };
  switch (def.type) {
    case 'number':
    case 'currency': {
      let n: Json = value;
      if (typeof n === 'string' && NUMERIC_RE.test(n.trim())) n = Number(n.trim().replace(/[$,]/g, ''));
      const ok = typeof n === 'number' && Number.isFinite(n) && (def.type === 'number' || isCurrency(n));
      return ok ? { value: n } : { invalid: value };
    }
    case 'date': {
      if (typeof value !== 'string') return { invalid: value };
      for (const [re, format] of DATE_FORMATS) {
        const m = re.exec(value.trim());
        if (m && isCalendarDate(format(m))) return { value: format(m) };
      }
      return { invalid: value };
    }
    case 'checkbox':
      return typeof value === 'boolean' ? { value } : { invalid: value };
    case 'text':
    case 'editor':
      return typeof value === 'string' ? { value } : { invalid: value };
    case 'select': {
      const option =
        typeof value === 'string'
          ? def.options?.find((o) => o.uuid === value || o.id === value || o.name === value)
          : undefined;
      return option ? { value: option.uuid } : { invalid: value };
    }
    case 'node_reference':
      return convertReference(value, ids);
    default:
      return { value };
  }
}

function convertReference(value: Json, ids: ReadonlySet<string>): Converted {
  let list: Json[] | null = Array.isArray(value) ? value : null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) list = parsed as Json[];
      } catch {
        // not a JSON list: treated as a comma-separated list below
      }
    }
    list ??= text
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
  }
  if (!list || list.length === 0) return list ? { none: true } : { invalid: value };
  const refs: string[] = [];
  for (const v of list) {
    if (typeof v !== 'string' || v.length === 0) return { invalid: value };
    const id = nodeIdFromFile(v);
    if (!ids.has(id)) return { invalid: value };
    if (!refs.includes(id)) refs.push(id);
  }
  return refs.length === 1 && !Array.isArray(value) ? { value: refs[0]! } : { value: refs };
}

/**
 * The file minus its imported node fields: top-level keys as they are (node ids converted in `expanded_map`
 * keys and `blocking_relationships`), `graph` without `nodes`, and per-node leftovers in `graph.nodes`
 * keyed by node id.
 */
function fileExtras(doc: JsonObject, graph: JsonObject, nodeExtras: JsonObject): JsonObject {
  const extras: JsonObject = {};
  for (const key of Object.keys(doc)) {
    if (key === 'graph') continue;
    const value = doc[key]!;
    if (key === 'expanded_map' && isJsonObject(value)) {
      const map: JsonObject = {};
      for (const id of Object.keys(value)) setKey(map, nodeIdFromFile(id), value[id]!);
      extras.expanded_map = map;
    } else if (key === 'blocking_relationships' && Array.isArray(value)) {
      extras.blocking_relationships = value.map(convertRelationship);
    } else {
      setKey(extras, key, value);
    }
  }
  const graphExtras: JsonObject = {};
  for (const key of Object.keys(graph)) if (key !== 'nodes') setKey(graphExtras, key, graph[key]!);
  if (Object.keys(nodeExtras).length > 0) graphExtras.nodes = nodeExtras;
  if (Object.keys(graphExtras).length > 0) extras.graph = graphExtras;
  return cloneJson(extras);
}

function convertRelationship(r: Json): Json {
  if (!isJsonObject(r)) return r;
  const out: JsonObject = { ...r };
  for (const key of ['blockedNodeId', 'blockingNodeId']) {
    const id = member(r, key);
    if (typeof id === 'string' && id.length > 0) out[key] = nodeIdFromFile(id);
  }
  return out;
}
