import type { DeleteNodeData } from '@talus/protocol';
import type { SetChange } from '../graph/changes.js';
import type { Mutation } from './mutation.js';

/**
 * DeleteNode: the node and its whole subtree. References into the subtree from outside it are cleared in
 * the same revision (found through the reference index), so undo restores them.
 */
export function deleteNode(m: Mutation, data: DeleteNodeData): void {
  const node = m.graph.require(data.node_id);
  const ids = m.graph.subtreeIds(node.id);
  const inside = new Set(ids);
  for (const target of ids) {
    for (const [source, prop] of m.graph.referencesTo(target)) {
      if (inside.has(source)) continue;
      const holder = m.graph.require(source);
      const old = holder.properties[prop];
      if (old === undefined) continue;
      const change: SetChange = {
        op: 'set',
        node_id: source,
        type_id: holder.blueprint_type_id,
        property_id: prop,
        old,
        via: 'update',
      };
      if (Array.isArray(old)) {
        const kept = old.filter((v) => typeof v !== 'string' || !inside.has(v));
        if (kept.length > 0) change.new = kept;
      }
      m.apply(change);
    }
  }
  m.apply({
    op: 'delete',
    parent_id: node.parent_id,
    index: m.graph.indexOf(node.id),
    nodes: ids.map((id) => m.graph.snapshot(id)),
  });
}
