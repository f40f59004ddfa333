import type { TreeRow } from './tree-rows.js';

export type TreeKeyAction =
  | { kind: 'select'; id: string }
  | { kind: 'expand'; id: string; open: boolean }
  | { kind: 'rename'; id: string }
  | { kind: 'delete'; id: string }
  | { kind: 'none' };

const PAGE = 10;

/**
 * What a key does in the tree (WAI-ARIA tree view): ↑/↓ move, → expands or goes to the first child,
 * ← collapses or goes to the parent, Home/End/PageUp/PageDown jump, Enter or F2 renames, Delete deletes.
 */
export function treeKey(key: string, rows: readonly TreeRow[], selectedId: string | null): TreeKeyAction {
  if (rows.length === 0) return { kind: 'none' };
  const at = selectedId === null ? -1 : rows.findIndex((r) => r.id === selectedId);
  const row = at >= 0 ? rows[at] : undefined;
  const go = (i: number): TreeKeyAction => ({
    kind: 'select',
    id: rows[Math.max(0, Math.min(rows.length - 1, i))]!.id,
  });
  switch (key) {
    case 'ArrowDown':
      return go(at + 1);
    case 'ArrowUp':
      return go(at < 0 ? 0 : at - 1);
    case 'Home':
      return go(0);
    case 'End':
      return go(rows.length - 1);
    case 'PageDown':
      return go(at + PAGE);
    case 'PageUp':
      return go(at - PAGE);
    case 'ArrowRight':
      if (!row) return go(0);
      if (row.hasChildren && !row.expanded) return { kind: 'expand', id: row.id, open: true };
      if (row.expanded) return go(at + 1);
      return { kind: 'none' };
    case 'ArrowLeft':
      if (!row) return go(0);
      if (row.expanded) return { kind: 'expand', id: row.id, open: false };
      return row.parentId ? { kind: 'select', id: row.parentId } : { kind: 'none' };
    case 'Enter':
    case 'F2':
      return row ? { kind: 'rename', id: row.id } : { kind: 'none' };
    case 'Delete':
      return row ? { kind: 'delete', id: row.id } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}
