import { TalusError } from '../errors.js';
import type { Json, NodeRecord, TreeNode } from '../types.js';
import {
  assertNever,
  type Change,
  type CreateChange,
  type DeleteChange,
  type MoveChange,
  type SetChange,
} from './changes.js';

/** What the graph needs to know of the template. */
export interface GraphSchema {
  /** Property ids of a node type that hold node references (for the reference index). */
  referenceProperties(blueprintTypeId: string): ReadonlySet<string> | undefined;
  /** Whether the type defines a `name` property, which then mirrors the node's name. */
  hasNameProperty(blueprintTypeId: string): boolean;
}

/**
 * The project tree in memory: nodes by id, ordered roots, and an index of node references so that deleting
 * a node finds what points at it without a scan. Every mutation goes through `apply`, one primitive change
 * at a time; `invert` computes the change that undoes one against the current state.
 */
export class ProjectGraph {
  readonly nodes = new Map<string, NodeRecord>();
  readonly roots: string[] = [];
  /** target id → source node id → property ids that reference the target. */
  private readonly refs = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly schema: GraphSchema) {}

  get size(): number {
    return this.nodes.size;
  }

  get(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  require(id: string): NodeRecord {
    const node = this.nodes.get(id);
    if (!node) throw new TalusError('NODE_NOT_FOUND', `node ${id} does not exist`, { node_id: id });
    return node;
  }

  /** The ordered child ids of a parent, or the roots for `null`. */
  childrenOf(parentId: string | null): string[] {
    if (parentId === null) return this.roots;
    return this.require(parentId).children;
  }

  indexOf(id: string): number {
    const node = this.require(id);
    return this.childrenOf(node.parent_id).indexOf(id);
  }

  /** True when `ancestorId` is `id` or one of its ancestors. Costs the depth of `id`. */
  isSelfOrAncestor(ancestorId: string, id: string): boolean {
    let cur: string | null = id;
    while (cur !== null) {
      if (cur === ancestorId) return true;
      cur = this.nodes.get(cur)?.parent_id ?? null;
    }
    return false;
  }

  /** Ids of a subtree, parents before children, children in order. */
  subtreeIds(id: string): string[] {
    const out: string[] = [];
    const stack = [id];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      out.push(cur);
      const kids = this.require(cur).children;
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    return out;
  }

  /** `[source node id, property id]` pairs whose value references `targetId`. */
  referencesTo(targetId: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [source, props] of this.refs.get(targetId) ?? []) for (const p of props) out.push([source, p]);
    return out;
  }

  /** Deep copy of a node in id form (history and events must not alias live state). */
  snapshot(id: string): NodeRecord {
    return structuredClone(this.require(id));
  }

  toTree(): TreeNode[] {
    const build = (id: string): TreeNode => {
      const n = this.require(id);
      return { ...n, children: n.children.map(build) };
    };
    return this.roots.map(build);
  }

  /** Nodes in id form, parents before children, roots in order. */
  *walk(): Generator<NodeRecord> {
    for (const r of this.roots) for (const id of this.subtreeIds(r)) yield this.require(id);
  }

  /**
   * Load nodes (id form) as they are, without validation beyond structure: used when restoring a stored
   * project. `roots` gives the root order.
   */
  load(nodes: Iterable<NodeRecord>, roots: readonly string[]): void {
    for (const n of nodes) this.nodes.set(n.id, n);
    this.roots.push(...roots);
    for (const n of this.nodes.values()) this.indexRefs(n, true);
  }

  /** Apply one primitive change. `now` stamps `updated_at` on what it touches. Returns the applied change. */
  apply(change: Change, now: string): Change {
    switch (change.op) {
      case 'create':
        return this.applyCreate(change, now);
      case 'delete':
        return this.applyDelete(change);
      case 'move':
        return this.applyMove(change, now);
      case 'set':
        return this.applySet(change, now);
      default:
        return assertNever(change);
    }
  }

  /**
   * The change that undoes `change`, computed against the current state (so it restores real values). Throws
   * CONFLICT when the state no longer allows it (a created subtree that gained children, a moved node that
   * is elsewhere now).
   */
  invert(change: Change): Change {
    switch (change.op) {
      case 'create': {
        const top = this.nodes.get(change.nodes[0]!.id);
        if (!top || top.parent_id !== change.parent_id)
          throw conflict('the created node has been moved or deleted');
        const ids = this.subtreeIds(top.id);
        if (ids.length !== change.nodes.length || !change.nodes.every((n) => ids.includes(n.id))) {
          throw conflict('nodes were added under the created node since');
        }
        return {
          op: 'delete',
          parent_id: change.parent_id,
          index: this.indexOf(top.id),
          nodes: ids.map((id) => this.snapshot(id)),
        };
      }
      case 'delete': {
        for (const n of change.nodes) if (this.nodes.has(n.id)) throw conflict(`node ${n.id} exists again`);
        if (change.parent_id !== null && !this.nodes.has(change.parent_id)) {
          throw conflict('the parent of the deleted node is gone');
        }
        return { op: 'create', parent_id: change.parent_id, index: change.index, nodes: change.nodes };
      }
      case 'move': {
        const node = this.nodes.get(change.node_id);
        if (!node || node.parent_id !== change.to_parent)
          throw conflict('the node has been moved or deleted since');
        if (change.from_parent !== null) {
          if (!this.nodes.has(change.from_parent)) throw conflict('the old parent is gone');
          if (this.isSelfOrAncestor(change.node_id, change.from_parent))
            throw conflict('the move back would make a cycle');
        }
        // back among the roots but not last is a move: `node-unlinked` means "the last root"
        const notLast = change.from_parent === null && change.from_index < this.roots.length;
        const via =
          change.via === 'move' || notLast ? 'move' : change.from_parent === null ? 'unlink' : 'link';
        return {
          op: 'move',
          node_id: change.node_id,
          from_parent: change.to_parent,
          from_index: this.indexOf(change.node_id),
          to_parent: change.from_parent,
          to_index: change.from_index,
          via,
        };
      }
      case 'set': {
        const node = this.nodes.get(change.node_id);
        if (!node) throw conflict('the node is gone');
        const current = this.valueOf(node, change.property_id);
        const inverse: SetChange = {
          op: 'set',
          node_id: change.node_id,
          type_id: change.type_id,
          property_id: change.property_id,
        };
        if (current !== undefined) inverse.old = current;
        if (change.old !== undefined) inverse.new = change.old;
        return inverse;
      }
      default:
        return assertNever(change);
    }
  }

  valueOf(node: NodeRecord, propertyId: string): Json | undefined {
    if (propertyId === 'name') return node.name;
    return node.properties[propertyId];
  }

  private applyCreate(change: CreateChange, now: string): CreateChange {
    const siblings = this.childrenOf(change.parent_id);
    const index = Math.min(change.index, siblings.length);
    const nodes = change.nodes.map((n) => ({ ...structuredClone(n), updated_at: now }));
    for (const n of nodes) this.nodes.set(n.id, n);
    const top = nodes[0]!;
    top.parent_id = change.parent_id;
    siblings.splice(index, 0, top.id);
    for (const n of nodes) this.indexRefs(n, true);
    return { ...change, index, nodes: nodes.map((n) => structuredClone(n)) };
  }

  private applyDelete(change: DeleteChange): DeleteChange {
    const top = change.nodes[0]!;
    const siblings = this.childrenOf(change.parent_id);
    const at = siblings.indexOf(top.id);
    if (at >= 0) siblings.splice(at, 1);
    for (const n of change.nodes) {
      const live = this.nodes.get(n.id);
      if (live) this.indexRefs(live, false);
      this.nodes.delete(n.id);
      this.refs.delete(n.id);
    }
    return change;
  }

  private applyMove(change: MoveChange, now: string): MoveChange {
    const node = this.require(change.node_id);
    const from = this.childrenOf(node.parent_id);
    const at = from.indexOf(node.id);
    if (at >= 0) from.splice(at, 1);
    const to = this.childrenOf(change.to_parent);
    const index = Math.min(change.to_index, to.length);
    to.splice(index, 0, node.id);
    node.parent_id = change.to_parent;
    node.updated_at = now;
    return { ...change, to_index: index };
  }

  private applySet(change: SetChange, now: string): SetChange {
    const node = this.require(change.node_id);
    const isRef = this.schema.referenceProperties(node.blueprint_type_id)?.has(change.property_id) ?? false;
    if (isRef) this.indexValue(node.id, change.property_id, node.properties[change.property_id], false);
    if (change.property_id === 'name' && typeof change.new === 'string') {
      node.name = change.new;
      if (this.schema.hasNameProperty(node.blueprint_type_id)) node.properties.name = change.new;
    } else if (change.new === undefined) {
      delete node.properties[change.property_id];
    } else {
      node.properties[change.property_id] = structuredClone(change.new);
    }
    if (isRef) this.indexValue(node.id, change.property_id, node.properties[change.property_id], true);
    node.updated_at = now;
    return change;
  }

  private indexRefs(node: NodeRecord, add: boolean): void {
    const props = this.schema.referenceProperties(node.blueprint_type_id);
    if (!props || node.metadata.orphaned === true) return;
    for (const p of props) this.indexValue(node.id, p, node.properties[p], add);
  }

  private indexValue(source: string, prop: string, value: Json | undefined, add: boolean): void {
    if (value === undefined || value === null) return;
    const targets = Array.isArray(value) ? value : [value];
    for (const t of targets) {
      if (typeof t !== 'string') continue;
      let bySource = this.refs.get(t);
      if (add) {
        if (!bySource) {
          bySource = new Map();
          this.refs.set(t, bySource);
        }
        const set = bySource.get(source);
        if (set) set.add(prop);
        else bySource.set(source, new Set([prop]));
      } else if (bySource) {
        const set = bySource.get(source);
        set?.delete(prop);
        if (set && set.size === 0) bySource.delete(source);
        if (bySource.size === 0) this.refs.delete(t);
      }
    }
  }
}

const conflict = (message: string) => new TalusError('CONFLICT', `cannot be undone or redone: ${message}`);
