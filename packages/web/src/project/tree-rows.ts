import type { NodeRecord } from '@talus/client';

/** What the tree reads of a project graph (a ProjectMirror, or a plain map in tests). */
export interface GraphReader {
  roots(): readonly string[];
  getNode(id: string): NodeRecord | undefined;
}

/** One visible line of the tree. */
export interface TreeRow {
  id: string;
  depth: number;
  parentId: string | null;
  /** Position among its siblings. */
  index: number;
  hasChildren: boolean;
  expanded: boolean;
}

/**
 * The rows a tree shows: every root, and the children of every expanded node, depth first in order.
 * Linear in the number of visible rows (collapsed subtrees are never walked).
 */
export function visibleRows(graph: GraphReader, expanded: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const stack: Array<{ id: string; depth: number; parentId: string | null; index: number }> = [];
  const roots = graph.roots();
  for (let i = roots.length - 1; i >= 0; i--)
    stack.push({ id: roots[i]!, depth: 0, parentId: null, index: i });
  while (stack.length > 0) {
    const item = stack.pop()!;
    const node = graph.getNode(item.id);
    if (!node) continue;
    const hasChildren = node.children.length > 0;
    const open = hasChildren && expanded.has(item.id);
    rows.push({ ...item, hasChildren, expanded: open });
    if (!open) continue;
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push({ id: node.children[i]!, depth: item.depth + 1, parentId: item.id, index: i });
    }
  }
  return rows;
}

/** The ids from the root down to the node's parent. */
export function ancestorsOf(graph: GraphReader, id: string): string[] {
  const out: string[] = [];
  let at = graph.getNode(id)?.parent_id ?? null;
  while (at !== null && out.length < 10_000) {
    out.push(at);
    at = graph.getNode(at)?.parent_id ?? null;
  }
  return out.reverse();
}

/** Whether `candidate` is `rootId` or lies under it. */
export function isWithin(graph: GraphReader, rootId: string, candidate: string | null): boolean {
  let at = candidate;
  for (let guard = 0; at !== null && guard < 100_000; guard++) {
    if (at === rootId) return true;
    at = graph.getNode(at)?.parent_id ?? null;
  }
  return false;
}

/** How many nodes lie under a node (not counting it). */
export function descendantCount(graph: GraphReader, id: string): number {
  let count = 0;
  const stack = [...(graph.getNode(id)?.children ?? [])];
  while (stack.length > 0) {
    const n = graph.getNode(stack.pop()!);
    if (!n) continue;
    count++;
    stack.push(...n.children);
  }
  return count;
}

/** The ids of the node's siblings, itself included, in order. */
export function siblingsOf(graph: GraphReader, parentId: string | null): readonly string[] {
  return parentId === null ? graph.roots() : (graph.getNode(parentId)?.children ?? []);
}

/** The id of the row of a node being added (not in the graph until it is named). */
export const DRAFT_ROW = '\u0000draft';

/** The rows with the row of a node being added placed last among its parent's children. */
export function withDraft(rows: TreeRow[], parentId: string | null): TreeRow[] {
  if (parentId === null) return rows;
  const at = rows.findIndex((r) => r.id === parentId);
  if (at < 0) return rows;
  const depth = rows[at]!.depth;
  let end = at + 1;
  while (end < rows.length && rows[end]!.depth > depth) end++;
  const draft: TreeRow = {
    id: DRAFT_ROW,
    depth: depth + 1,
    parentId,
    index: -1,
    hasChildren: false,
    expanded: false,
  };
  return [...rows.slice(0, end), draft, ...rows.slice(end)];
}
