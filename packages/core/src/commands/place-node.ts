import type { LinkNodeData, MoveNodeData, UnlinkNodeData } from '@talus/protocol';
import { invalid, type Mutation, refuseOrphan } from './mutation.js';
import { checkPlacement } from './placement.js';

/** LinkNode: the child moves under the parent (detached from its old parent); `index` as for MoveNode. */
export function linkNode(m: Mutation, data: LinkNodeData): void {
  place(m, data.child_id, data.parent_id, data.index, 'link');
}

/** UnlinkNode: the child leaves its parent and becomes the last root. */
export function unlinkNode(m: Mutation, data: UnlinkNodeData): void {
  const parent = m.graph.require(data.parent_id);
  const child = m.graph.require(data.child_id);
  if (child.parent_id !== parent.id) throw invalid(`node ${child.id} is not a child of ${parent.id}`);
  refuseOrphan(parent, 'changing its children');
  place(m, child.id, null, undefined, 'unlink');
}

/** MoveNode: `index` is the position among the destination's children after the node is taken out. */
export function moveNode(m: Mutation, data: MoveNodeData): void {
  place(m, data.node_id, data.parent_id, data.index, 'move');
}

function place(
  m: Mutation,
  nodeId: string,
  parentId: string | null,
  index: number | undefined,
  via: 'link' | 'unlink' | 'move',
): void {
  const node = m.graph.require(nodeId);
  if (parentId !== null) m.graph.require(parentId);
  checkPlacement(m, parentId, node.blueprint_type_id, node);
  if (node.parent_id !== null) refuseOrphan(m.graph.require(node.parent_id), 'changing its children');
  const fromIndex = m.graph.indexOf(node.id);
  const remaining = m.graph.childrenOf(parentId).length - (node.parent_id === parentId ? 1 : 0);
  m.apply({
    op: 'move',
    node_id: node.id,
    from_parent: node.parent_id,
    from_index: fromIndex,
    to_parent: parentId,
    to_index: Math.min(index ?? remaining, remaining),
    via,
  });
}
