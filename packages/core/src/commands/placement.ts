import type { NodeRecord } from '../types.js';
import { invalid, type Mutation, refuseOrphan } from './mutation.js';

/**
 * Check that `child` (a node, or a new node of `childTypeId`) may be placed under `parentId` (null = among
 * the roots): the parent exists and is not orphaned, the type is in its `allowed_children`, and no cycle.
 */
export function checkPlacement(
  m: Mutation,
  parentId: string | null,
  childTypeId: string,
  child?: NodeRecord,
): void {
  if (parentId === null) return; // a node of any type may be a root
  const parent = m.graph.require(parentId);
  refuseOrphan(parent, 'changing its children');
  if (child) {
    refuseOrphan(child, 'placing it under a parent');
    if (m.graph.isSelfOrAncestor(child.id, parentId)) {
      throw invalid(`placing ${child.id} under ${parentId} would make a cycle`);
    }
  }
  const parentType = m.typeOf(parent)!;
  if (!parentType.allowed_children.includes(childTypeId)) {
    throw invalid(`a "${childTypeId}" is not allowed under a "${parentType.id}"`, {
      parent_type: parentType.id,
      allowed_children: parentType.allowed_children,
    });
  }
}
