import type { NodeRecord, PresenceClient } from '@talus/client';
import { type DragEvent, memo, type ReactNode, useRef, useState } from 'react';
import { Avatar } from '../ui/avatar.js';
import { Icon, TypeIcon } from '../ui/icons.js';
import { Indicator } from '../ui/indicator.js';
import type { SchemaIndex } from './schema-index.js';
import type { DropPosition } from './tree-dnd.js';
import type { TreeRow as Row } from './tree-rows.js';

export const ROW_HEIGHT = 30;
const INDENT = 18;

/** What the tree does for its rows (stable across renders). */
export interface RowHandlers {
  select(id: string): void;
  toggle(id: string): void;
  startRename(id: string): void;
  commitRename(id: string, name: string | null): void;
  dragStart(id: string, e: DragEvent): void;
  dragOver(row: Row, e: DragEvent): void;
  drop(row: Row, e: DragEvent): void;
  dragEnd(e: DragEvent): void;
}

export interface TreeRowProps {
  row: Row;
  node: NodeRecord;
  top: number;
  schema: SchemaIndex;
  selected: boolean;
  renaming: boolean;
  changed: boolean;
  others: readonly PresenceClient[] | undefined;
  drop: { position: DropPosition; ok: boolean; reason?: string } | undefined;
  readOnly: boolean;
  handlers: RowHandlers;
  /** The row's "+" menu (the selected row only). */
  addMenu?: ReactNode;
}

export const treeItemId = (id: string) => `tree-node-${id}`;

/** One node of the tree: twisty, type icon, status, name (or its rename box), presence, drop marks. */
export const TreeRowView = memo(function TreeRowView(props: TreeRowProps) {
  const { row, node, top, schema, selected, renaming, changed, others, drop, readOnly, handlers } = props;
  const type = schema.type(node.blueprint_type_id);
  const statusProp = schema.statusProperty(node.blueprint_type_id);
  const option = statusProp ? schema.option(statusProp, node.properties[statusProp.id]) : undefined;
  const classes = ['tree-row'];
  if (selected) classes.push('tree-row--selected');
  if (changed) classes.push('tree-row--changed');
  if (others?.length) classes.push('tree-row--watched');
  if (node.metadata.orphaned) classes.push('tree-row--orphaned');
  if (drop) classes.push(`tree-row--drop-${drop.ok ? drop.position : 'refused'}`);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the tree handles the keys (aria-activedescendant)
    <div
      role="treeitem"
      tabIndex={-1}
      id={treeItemId(node.id)}
      aria-level={row.depth + 1}
      aria-selected={selected}
      aria-expanded={row.hasChildren ? row.expanded : undefined}
      aria-label={`${node.name}, ${type?.label ?? node.blueprint_type_id}${option ? `, ${statusProp?.label}: ${option.name}` : ''}`}
      data-node-id={node.id}
      className={classes.join(' ')}
      style={{
        top,
        height: ROW_HEIGHT,
        paddingLeft: 6 + row.depth * INDENT,
        ...(others?.[0] ? { boxShadow: `inset 3px 0 0 ${others[0].color}` } : {}),
      }}
      draggable={!readOnly && !renaming}
      onClick={() => handlers.select(node.id)}
      onDoubleClick={() => !readOnly && handlers.startRename(node.id)}
      onDragStart={(e) => handlers.dragStart(node.id, e)}
      onDragOver={(e) => handlers.dragOver(row, e)}
      onDrop={(e) => handlers.drop(row, e)}
      onDragEnd={(e) => handlers.dragEnd(e)}
    >
      <span
        className={`twisty${row.hasChildren ? '' : ' twisty--leaf'}`}
        aria-hidden="true"
        onClick={(e) => {
          e.stopPropagation();
          if (row.hasChildren) handlers.toggle(node.id);
        }}
      >
        {row.hasChildren ? <Icon name={row.expanded ? 'chevron-down' : 'chevron-right'} size={14} /> : null}
      </span>
      <span className="tree-row__icon" title={type?.label ?? node.blueprint_type_id}>
        <TypeIcon name={type?.icon} size={16} />
      </span>
      {statusProp ? (
        <Indicator
          id={option?.indicator_id ?? (option ? 'other' : null)}
          label={`${statusProp.label}: ${option?.name ?? 'not set'}`}
        />
      ) : null}
      {renaming ? (
        <NameBox
          name={node.name}
          label={`Rename ${node.name}`}
          onDone={(name) => handlers.commitRename(node.id, name)}
        />
      ) : (
        <span className="tree-row__name">{node.name}</span>
      )}
      <span className="tree-row__type">{type?.label ?? `${node.blueprint_type_id} (not in template)`}</span>
      {others?.length ? (
        <span className="tree-row__presence">
          {others.map((c) => (
            <Avatar
              key={c.client_id}
              name={c.user.name}
              color={c.color}
              size={18}
              title={`${c.user.name} is here`}
            />
          ))}
        </span>
      ) : null}
      {drop && !drop.ok ? (
        <span className="tree-row__refusal" role="status">
          {drop.reason}
        </span>
      ) : null}
      {props.addMenu}
    </div>
  );
});

/** The inline name box (renaming, naming a new node): Enter saves, Escape cancels, leaving it saves. */
export function NameBox({
  name,
  label,
  onDone,
}: {
  name: string;
  label: string;
  onDone(name: string | null): void;
}) {
  const [draft, setDraft] = useState(name);
  // Enter moves the focus away, which blurs the box at once: finish only once
  const done = useRef(false);
  const finish = (value: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(value);
  };
  return (
    <input
      className="tree-row__rename"
      aria-label={label}
      // biome-ignore lint/a11y/noAutofocus: naming starts typing at once
      autoFocus
      value={draft}
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setDraft(e.target.value)}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Enter') finish(draft);
        else if (e.key === 'Escape') finish(null);
      }}
      onBlur={() => finish(draft)}
    />
  );
}

/** The row of a node being added: its type and a box for its name (nothing is created until named). */
export function DraftRowView(props: {
  top: number;
  depth: number;
  typeLabel: string;
  icon: unknown;
  onDone(name: string | null): void;
}) {
  return (
    <div
      className="tree-row tree-row--draft"
      style={{ top: props.top, height: ROW_HEIGHT, paddingLeft: 6 + props.depth * INDENT }}
    >
      <span className="twisty twisty--leaf" aria-hidden="true" />
      <span className="tree-row__icon" title={props.typeLabel}>
        <TypeIcon name={props.icon} size={16} />
      </span>
      <NameBox name={props.typeLabel} label={`Name of the new ${props.typeLabel}`} onDone={props.onDone} />
      <span className="tree-row__type">new {props.typeLabel}</span>
    </div>
  );
}
