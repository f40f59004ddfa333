import type { DeletePropertyData, UpdatePropertyData } from '@talus/protocol';
import type { SetChange } from '../graph/changes.js';
import { normalizeValue } from '../values.js';
import { invalid, type Mutation, refuseOrphan } from './mutation.js';

/** UpdateProperty: one value set (`property_id: "name"` renames); `null` clears it unless required. */
export function updateProperty(m: Mutation, data: UpdatePropertyData): void {
  setValue(m, data.node_id, data.property_id, data.value, 'update');
}

/** DeleteProperty: one value cleared, unless required. */
export function deleteProperty(m: Mutation, data: DeletePropertyData): void {
  setValue(m, data.node_id, data.property_id, null, 'delete');
}

function setValue(m: Mutation, nodeId: string, ref: string, value: unknown, via: 'update' | 'delete'): void {
  const node = m.graph.require(nodeId);
  const prop = m.propertyOf(node, ref);
  if (prop.id !== 'name') refuseOrphan(node, 'changing its properties');
  const change: SetChange = {
    op: 'set',
    node_id: node.id,
    type_id: node.blueprint_type_id,
    property_id: prop.id,
    via,
  };
  const old = m.graph.valueOf(node, prop.id);
  if (old !== undefined) change.old = old;
  if (value === null || value === undefined) {
    if (prop.required || prop.id === 'name')
      throw invalid(`property "${prop.id}" is required and cannot be cleared`);
  } else {
    const normalized = normalizeValue(prop, value, m.graph, m.template);
    if (prop.id === 'name' && normalized === '') throw invalid('name must not be empty');
    change.new = normalized;
  }
  m.apply(change);
}
