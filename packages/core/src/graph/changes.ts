import type { Json, NodeRecord } from '../types.js';

/**
 * The primitive changes a revision is made of. A revision's changes, applied in order, turn the graph at
 * revision N-1 into the graph at N; their inverses, applied in reverse order, turn it back. History stores
 * them as the audit log (old and new values) and undo derives its inverse from them.
 */
export type Change = CreateChange | DeleteChange | MoveChange | SetChange;

/** A subtree appears: `nodes` parents first, `nodes[0]` placed at `index` under `parent_id`. */
export interface CreateChange {
  op: 'create';
  parent_id: string | null;
  index: number;
  nodes: NodeRecord[];
}

/** A subtree goes: `nodes` is its state just before, parents first; `nodes[0]` was at `index`. */
export interface DeleteChange {
  op: 'delete';
  parent_id: string | null;
  index: number;
  nodes: NodeRecord[];
}

/** A node changes place. `via` decides which event describes it (the original's link/unlink or a move). */
export interface MoveChange {
  op: 'move';
  node_id: string;
  from_parent: string | null;
  from_index: number;
  to_parent: string | null;
  to_index: number;
  via: 'link' | 'unlink' | 'move';
}

/**
 * A property value changes. An absent `old`/`new` means "no value". `property_id` is the template id;
 * `name` is the node's name (and its `name` property when the type has one).
 */
export interface SetChange {
  op: 'set';
  node_id: string;
  /** The node's type id, so that events can name the property's uuid even after the node is gone. */
  type_id: string;
  property_id: string;
  old?: Json;
  new?: Json;
  /** `delete` for DeleteProperty: described by `property-deleted` rather than `property-changed`. */
  via?: 'update' | 'delete';
}

/** Node ids whose stored row a revision changed (created, deleted, moved, children reordered, values). */
export function dirtyNodeIds(changes: readonly Change[]): Set<string> {
  const ids = new Set<string>();
  const add = (id: string | null) => {
    if (id !== null) ids.add(id);
  };
  for (const c of changes) {
    switch (c.op) {
      case 'create':
      case 'delete':
        add(c.parent_id);
        for (const n of c.nodes) ids.add(n.id);
        break;
      case 'move':
        add(c.node_id);
        add(c.from_parent);
        add(c.to_parent);
        break;
      case 'set':
        add(c.node_id);
        break;
      default:
        assertNever(c);
    }
  }
  return ids;
}

/** Whether a revision changed the order or membership of the roots. */
export function touchesRoots(changes: readonly Change[]): boolean {
  return changes.some((c) =>
    c.op === 'move' ? c.from_parent === null || c.to_parent === null : c.op !== 'set' && c.parent_id === null,
  );
}

/**
 * What a revision touches, for undo conflicts (PRODUCT.md section 4): nodes it creates, deletes or moves or
 * whose children it changes (`node`), and the values it changes (`node\0property`). Creating or deleting a
 * node also touches all of its values (`node\0*`): undoing the creation of a node that someone has edited
 * since would silently throw their edit away.
 *
 * With `referenceProperties`, a `node_reference` value (set, or held by a created or deleted node) also
 * depends on each node it names (`target\0\0ref`). That key conflicts only with the creation or deletion
 * of the target (`target\0*`), never with other references to it: undoing the creation of a person
 * someone has since assigned, or the undo of a value naming a node deleted since, would leave a reference
 * to nothing.
 */
export function touchedKeys(
  changes: readonly Change[],
  referenceProperties?: (typeId: string) => ReadonlySet<string> | undefined,
): Set<string> {
  const keys = new Set<string>();
  const refs = (value: Json | undefined) => {
    if (value === undefined || value === null) return;
    for (const t of Array.isArray(value) ? value : [value]) if (typeof t === 'string') keys.add(`${t}${REF}`);
  };
  for (const c of changes) {
    switch (c.op) {
      case 'create':
      case 'delete':
        keys.add(c.parent_id ?? ROOTS);
        for (const n of c.nodes) {
          keys.add(n.id);
          keys.add(`${n.id}${SEP}*`);
          if (n.metadata.orphaned === true) continue;
          for (const p of referenceProperties?.(n.blueprint_type_id) ?? []) refs(n.properties[p]);
        }
        break;
      case 'move':
        keys.add(c.node_id);
        keys.add(c.from_parent ?? ROOTS);
        keys.add(c.to_parent ?? ROOTS);
        break;
      case 'set':
        keys.add(`${c.node_id}${SEP}${c.property_id}`);
        if (referenceProperties?.(c.type_id)?.has(c.property_id)) {
          refs(c.old);
          refs(c.new);
        }
        break;
      default:
        assertNever(c);
    }
  }
  return keys;
}

const SEP = '\u0000';
/** The list of roots, touched like a parent's list of children. */
const ROOTS = `${SEP}roots`;
/** Suffix of a "references this node" key (no property id holds a NUL). */
const REF = `${SEP}${SEP}ref`;

/**
 * Whether two sets of touched keys overlap (`node\0*` covers every value of that node and every reference
 * to it; two references to one node do not overlap).
 */
export function touchesOverlap(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const k of small) {
    const sep = k.indexOf(SEP);
    if (sep >= 0 && k.endsWith(REF)) {
      if (large.has(`${k.slice(0, sep)}${SEP}*`)) return true;
      continue;
    }
    if (large.has(k)) return true;
    if (sep < 0) continue;
    const node = k.slice(0, sep);
    if (large.has(`${node}${SEP}*`)) return true;
    if (k.endsWith(`${SEP}*`)) for (const o of large) if (o.startsWith(`${node}${SEP}`)) return true;
  }
  return false;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
