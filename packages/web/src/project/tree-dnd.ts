import type { SchemaIndex } from './schema-index.js';
import { type GraphReader, isWithin, siblingsOf } from './tree-rows.js';

/** Where, relative to the row under the pointer, a dragged node would go. */
export type DropPosition = 'before' | 'inside' | 'after';

export type DropPlan =
  | { ok: true; nodeId: string; parentId: string | null; index: number; noop: boolean }
  | { ok: false; reason: string };

/**
 * The position a pointer at `offsetY` of a row of `height` means: the top quarter is before the row, the
 * bottom quarter after it, the middle inside it (for a node that takes children; else the halves).
 */
export function positionAt(offsetY: number, height: number, takesChildren: boolean): DropPosition {
  const f = height > 0 ? offsetY / height : 0.5;
  if (!takesChildren) return f < 0.5 ? 'before' : 'after';
  if (f < 0.25) return 'before';
  if (f > 0.75) return 'after';
  return 'inside';
}

/**
 * What dropping `nodeId` at `position` of `targetId` would do: a MoveNode (parent and index after the
 * node is taken out, PRODUCT.md section 3), or why it is refused — the same rules the server enforces
 * (allowed_children, no cycles, orphaned nodes only among the roots), so that a refusal is shown before
 * anything is sent.
 */
export function dropPlan(
  graph: GraphReader,
  schema: SchemaIndex,
  nodeId: string,
  targetId: string,
  position: DropPosition,
): DropPlan {
  const node = graph.getNode(nodeId);
  const target = graph.getNode(targetId);
  if (!node || !target) return { ok: false, reason: 'That node no longer exists' };
  const parentId = position === 'inside' ? target.id : target.parent_id;
  const parent = parentId === null ? undefined : graph.getNode(parentId);
  const label = (typeId: string) => schema.typeLabel(typeId);

  if (parentId !== null && isWithin(graph, nodeId, parentId)) {
    return { ok: false, reason: `“${node.name}” cannot go inside itself` };
  }
  if (node.metadata.orphaned && parentId !== null) {
    return {
      ok: false,
      reason: `“${node.name}” has a type the template lacks: it can only move among the roots`,
    };
  }
  if (parent) {
    if (parent.metadata.orphaned) {
      return { ok: false, reason: `“${parent.name}” has a type the template lacks and takes no children` };
    }
    if (!schema.canContain(parent.blueprint_type_id, node.blueprint_type_id)) {
      const allowed = schema.allowedChildren(parent.blueprint_type_id).map((t) => t.label);
      return {
        ok: false,
        reason:
          `A ${label(parent.blueprint_type_id)} cannot contain a ${label(node.blueprint_type_id)}` +
          (allowed.length > 0 ? ` (it takes: ${allowed.join(', ')})` : ' (it takes no children)'),
      };
    }
  }

  const siblings = siblingsOf(graph, parentId);
  let index: number;
  if (position === 'inside') index = siblings.length;
  else index = siblings.indexOf(targetId) + (position === 'after' ? 1 : 0);
  const from = node.parent_id === parentId ? siblings.indexOf(nodeId) : -1;
  if (from !== -1 && from < index) index -= 1; // the index after the node is taken out
  const noop = from !== -1 && from === index;
  return { ok: true, nodeId, parentId, index, noop };
}
