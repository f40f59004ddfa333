import type { PresenceClient } from '@talus/client';
import {
  type DragEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { AddChildMenu } from './add-child-menu.js';
import type { Expanded } from './expanded-store.js';
import type { SchemaIndex } from './schema-index.js';
import { type DropPlan, type DropPosition, dropPlan, positionAt } from './tree-dnd.js';
import { treeKey } from './tree-keyboard.js';
import { DraftRowView, ROW_HEIGHT, type RowHandlers, TreeRowView, treeItemId } from './tree-row.js';
import { DRAFT_ROW, type GraphReader, type TreeRow } from './tree-rows.js';

export interface TreeViewProps {
  graph: GraphReader;
  /** Changes whenever the graph does (rows are re-read). */
  version: number;
  schema: SchemaIndex;
  rows: readonly TreeRow[];
  expanded: Expanded;
  selectedId: string | null;
  onSelect(id: string): void;
  renamingId: string | null;
  onRenamingChange(id: string | null): void;
  onRename(id: string, name: string): void;
  onMove(plan: Extract<DropPlan, { ok: true }>): void;
  onDelete(id: string): void;
  onAddChild(parentId: string, typeId: string): void;
  /** A refused drop, with the reason. */
  onRefused(reason: string): void;
  readOnly: string | null;
  changed: ReadonlySet<string>;
  othersByNode: ReadonlyMap<string, PresenceClient[]>;
  /** A node being added (its row is `DRAFT_ROW`): its type, and what to do with the name given. */
  draft: { typeLabel: string; icon: unknown } | null;
  onDraftDone(name: string | null): void;
}

interface DropState {
  rowId: string;
  position: DropPosition;
  plan: DropPlan;
}

/** Rows drawn beyond the visible ones, so that fast scrolling does not show blanks. */
const OVERSCAN = 8;
const DRAG_TYPE = 'application/x-talus-node';

/**
 * The project tree: only the rows in view are in the DOM (10,000 nodes scroll as smoothly as 10); the
 * keyboard works as in a file tree; nodes are dragged to move or reorder them, and a drop the template
 * forbids is marked on the row and refused with its reason.
 */
export function TreeView(props: TreeViewProps) {
  const { graph, schema, rows, expanded, selectedId, renamingId, readOnly, changed, othersByNode } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [drop, setDrop] = useState<DropState | null>(null);
  const dragged = useRef<string | null>(null);
  const dropDone = useRef(false);
  const latest = useRef(props);
  latest.current = props;
  /**
   * Where the pointer is over the tree during a drag, written synchronously by every dragover. The
   * `drop` state only draws the marker: it lags a render behind, and the browser fires `dragleave` just
   * before `dragend` on a refused drop, so the outcome must not be read from it.
   */
  const hover = useRef<DropState | null>(null);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  const selectedIndex = useMemo(() => rows.findIndex((r) => r.id === selectedId), [rows, selectedId]);
  const draftIndex = useMemo(() => rows.findIndex((r) => r.id === DRAFT_ROW), [rows]);

  // keep the selected row (or the one being added) in view: keyboard moves, a node revealed elsewhere
  const inView = draftIndex >= 0 ? draftIndex : selectedIndex;
  useEffect(() => {
    const el = scroller.current;
    if (!el || inView < 0) return;
    const top = inView * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [inView]);

  const handlers = useMemo<RowHandlers>(
    () => ({
      select: (id) => {
        latest.current.onSelect(id);
        // the tree, not the row, holds the focus (aria-activedescendant): its keys work after a click
        scroller.current?.focus({ preventScroll: true });
      },
      toggle: (id) => latest.current.expanded.toggle(id),
      startRename: (id) => {
        latest.current.onSelect(id);
        latest.current.onRenamingChange(id);
      },
      commitRename: (id, name) => {
        latest.current.onRenamingChange(null);
        scroller.current?.focus();
        const node = latest.current.graph.getNode(id);
        if (name === null || !node) return;
        const clean = name.trim();
        if (clean === node.name) return;
        if (!clean) return latest.current.onRefused('A name cannot be empty');
        latest.current.onRename(id, clean);
      },
      dragStart: (id, e: DragEvent) => {
        dragged.current = id;
        dropDone.current = false;
        hover.current = null;
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData(DRAG_TYPE, id);
        e.dataTransfer.setData('text/plain', latest.current.graph.getNode(id)?.name ?? id);
      },
      dragOver: (row, e: DragEvent) => {
        const id = dragged.current;
        if (!id) return;
        e.preventDefault();
        const { graph: g, schema: s } = latest.current;
        const target = g.getNode(row.id);
        const takesChildren = target ? s.allowedChildren(target.blueprint_type_id).length > 0 : false;
        const rect = e.currentTarget.getBoundingClientRect();
        const position = positionAt(e.clientY - rect.top, rect.height, takesChildren || !target);
        const plan =
          row.id === id ? ({ ok: false, reason: '' } as const) : dropPlan(g, s, id, row.id, position);
        e.dataTransfer.dropEffect = plan.ok ? 'move' : 'none';
        const cur = hover.current;
        if (cur?.rowId !== row.id || cur.position !== position) {
          hover.current = { rowId: row.id, position, plan };
          setDrop(hover.current);
        }
      },
      drop: (row, e: DragEvent) => {
        e.preventDefault();
        dropDone.current = true;
        const state = hover.current;
        hover.current = null;
        setDrop(null);
        const id = dragged.current;
        dragged.current = null;
        if (!id || !state || state.rowId !== row.id) return;
        if (!state.plan.ok) {
          if (state.plan.reason) latest.current.onRefused(state.plan.reason);
          return;
        }
        if (!state.plan.noop) latest.current.onMove(state.plan);
      },
      dragEnd: () => {
        const state = hover.current;
        // a drop the browser itself refused (dropEffect none) never fires `drop`: say why here
        if (!dropDone.current && state && !state.plan.ok && state.plan.reason)
          latest.current.onRefused(state.plan.reason);
        dragged.current = null;
        hover.current = null;
        setDrop(null);
      },
    }),
    [],
  );

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      // keys aimed at the tree or at one of its rows (a clicked row may hold the focus), not at a rename
      // box or a menu inside a row
      const onRow = e.target instanceof HTMLElement && e.target.getAttribute('role') === 'treeitem';
      if ((e.target !== e.currentTarget && !onRow) || e.altKey || e.ctrlKey || e.metaKey) return;
      const action = treeKey(e.key, rows, selectedId);
      if (action.kind === 'none') return;
      e.preventDefault();
      if (action.kind === 'select') props.onSelect(action.id);
      else if (action.kind === 'expand') expanded.set(action.id, action.open);
      else if (readOnly) return;
      else if (action.kind === 'rename') props.onRenamingChange(action.id);
      else if (action.kind === 'delete') props.onDelete(action.id);
    },
    [rows, selectedId, expanded, readOnly, props],
  );

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const visible = rows.slice(first, last);
  const activeRendered = selectedIndex >= first && selectedIndex < last && selectedId !== null;

  return (
    <div
      ref={scroller}
      className="tree"
      role="tree"
      aria-label="Project tree"
      tabIndex={0}
      aria-activedescendant={activeRendered ? treeItemId(selectedId) : undefined}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
      onDragLeave={(e) => {
        const to = e.relatedTarget as Node | null;
        if (e.currentTarget.contains(to)) return;
        setDrop(null);
        // the pointer went to another element: releasing there is no drop on the tree. (A refused drop
        // also fires dragleave, with no related target, right before dragend: keep its reason for that.)
        if (to !== null) hover.current = null;
      }}
      data-testid="tree"
      data-row-count={rows.length}
    >
      <div className="tree__canvas" style={{ height: rows.length * ROW_HEIGHT }}>
        {visible.map((row, i) => {
          if (row.id === DRAFT_ROW && props.draft) {
            return (
              <DraftRowView
                key={DRAFT_ROW}
                top={(first + i) * ROW_HEIGHT}
                depth={row.depth}
                typeLabel={props.draft.typeLabel}
                icon={props.draft.icon}
                onDone={(name) => {
                  scroller.current?.focus();
                  props.onDraftDone(name);
                }}
              />
            );
          }
          const node = graph.getNode(row.id);
          if (!node) return null;
          const selected = row.id === selectedId;
          const d = drop?.rowId === row.id ? drop : undefined;
          return (
            <TreeRowView
              key={row.id}
              row={row}
              node={node}
              top={(first + i) * ROW_HEIGHT}
              schema={schema}
              selected={selected}
              renaming={row.id === renamingId}
              changed={changed.has(row.id)}
              others={othersByNode.get(row.id)}
              drop={
                d
                  ? { position: d.position, ok: d.plan.ok, ...(d.plan.ok ? {} : { reason: d.plan.reason }) }
                  : undefined
              }
              readOnly={readOnly !== null}
              handlers={handlers}
              addMenu={
                selected &&
                !readOnly &&
                row.id !== renamingId &&
                schema.allowedChildren(node.blueprint_type_id).length > 0 ? (
                  <AddChildMenu
                    parent={node}
                    schema={schema}
                    readOnly={readOnly}
                    onAdd={props.onAddChild}
                    variant="row"
                  />
                ) : undefined
              }
            />
          );
        })}
      </div>
      {rows.length === 0 ? <p className="tree__empty">This project has no nodes.</p> : null}
    </div>
  );
}
