import type { CreateNodeData } from '@talus/protocol';
import { TalusError } from '../errors.js';
import type { JsonObject, NodeRecord } from '../types.js';
import { defaultValue, longerThan, MAX_TEXT_LENGTH, normalizeValue } from '../values.js';
import { invalid, type Mutation } from './mutation.js';
import { checkPlacement } from './placement.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** CreateNode: a node of an allowed type, its properties validated, template defaults applied. */
export function createNode(m: Mutation, data: CreateNodeData): void {
  const type = m.requireType(data.blueprint_type_id);
  checkPlacement(m, data.parent_id, type.id);
  let id: string = globalThis.crypto.randomUUID();
  if (data.node_id !== undefined) {
    if (!UUID_RE.test(data.node_id)) throw invalid('node_id must be a UUID');
    id = data.node_id.toLowerCase();
    if (m.graph.get(id)) throw new TalusError('CONFLICT', `node ${id} already exists`, { node_id: id });
  }
  const given = data.properties ?? {};
  const properties: JsonObject = {};
  for (const [ref, value] of Object.entries(given)) {
    const prop = m.template.propertyByRef.get(type.id)?.get(ref);
    if (!prop) throw invalid(`node type "${type.id}" has no property "${ref.slice(0, 100)}"`);
    if (prop.id in properties) throw invalid(`property "${prop.id}" is given twice`);
    if (value === null) continue;
    properties[prop.id] = normalizeValue(prop, value, m.graph, m.template);
  }
  const hasName = m.template.propertyByRef.get(type.id)?.has('name') ?? false;
  const givenName = typeof properties.name === 'string' ? properties.name : undefined;
  const name = data.name ?? givenName ?? type.label;
  if (name.length === 0) throw invalid('name must not be empty');
  if (longerThan(name, MAX_TEXT_LENGTH)) throw invalid(`name is limited to ${MAX_TEXT_LENGTH} characters`);
  for (const prop of type.properties) {
    if (prop.id in properties || prop.id === 'name') continue;
    const value = defaultValue(prop, m.graph, m.template);
    if (value !== undefined) properties[prop.id] = value;
  }
  if (hasName) properties.name = name;
  const siblings = m.graph.childrenOf(data.parent_id);
  const node: NodeRecord = {
    id,
    blueprint_type_id: type.id,
    name,
    properties,
    parent_id: data.parent_id,
    children: [],
    metadata: {},
    created_at: m.now,
    updated_at: m.now,
  };
  m.apply({
    op: 'create',
    parent_id: data.parent_id,
    index: Math.min(data.index ?? siblings.length, siblings.length),
    nodes: [node],
  });
  m.created.push(id);
}
