import type { GraphEvent, Json, NodeRecord, TreeGraph, TreeNode } from './types.js';

/** An event that does not fit the mirrored graph: the mirror reloads instead of guessing. */
export class MirrorMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MirrorMismatch';
  }
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * The project graph as the server has it at one revision, in id form, kept up to date by applying each
 * revision's events exactly as the server applied the changes behind them (`updated_at` included), so that
 * `toTree()` equals the server's `GET /projects/{id}` at the same revision.
 *
 * Copy on write: a change replaces the node record (and the root list) instead of mutating it, so a record
 * handed out earlier stays as it was and a UI can compare references to know what changed.
 */
export class MirrorGraph {
  private nodes = new Map<string, NodeRecord>();
  private rootIds: string[] = [];
  /**
   * Node types known to define a `name` property (a node of the type holds `properties.name`): renaming such
   * a node changes both, as the server does.
   */
  private readonly namedTypes = new Set<string>();

  get size(): number {
    return this.nodes.size;
  }

  /** Replace everything with a graph in tree form. */
  load(graph: TreeGraph): void {
    this.nodes = new Map();
    this.rootIds = graph.roots.map((r) => r.id);
    const stack: TreeNode[] = [...graph.roots];
    while (stack.length > 0) {
      const n = stack.pop()!;
      this.put({ ...clone({ ...n, children: [] }), children: n.children.map((c) => c.id) });
      stack.push(...n.children);
    }
  }

  /** The node in id form; a change replaces it, so treat it as immutable. */
  get(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  /** Root ids in order (a new array after every change to the roots). */
  roots(): readonly string[] {
    return this.rootIds;
  }

  toTree(): TreeNode[] {
    const build = (id: string): TreeNode => {
      const n = this.nodes.get(id)!;
      return { ...clone(n), children: n.children.map(build) };
    };
    return this.rootIds.map(build);
  }

  allIds(): IterableIterator<string> {
    return this.nodes.keys();
  }

  /**
   * Apply one event; adds to `touched` the ids of nodes whose record changed. Throws MirrorMismatch when the
   * event does not fit (then the caller reloads the graph).
   */
  apply(e: GraphEvent, touched: Set<string>): void {
    switch (e.event) {
      case 'node-created': {
        const node = clone(e.node);
        if (this.nodes.has(node.id)) throw new MirrorMismatch(`node ${node.id} exists already`);
        node.parent_id = e.parent_id;
        // a restored subtree's nodes come with their children lists: only its top is inserted
        const listed = e.parent_id === null ? this.rootIds : this.require(e.parent_id).children;
        if (!listed.includes(node.id)) {
          const siblings = this.editChildren(e.parent_id);
          siblings.splice(Math.min(e.index, siblings.length), 0, node.id);
        }
        this.put(node);
        touched.add(node.id);
        if (e.parent_id !== null) touched.add(e.parent_id);
        return;
      }
      case 'node-deleted': {
        const top = this.require(e.node_id);
        const siblings = this.editChildren(top.parent_id);
        const at = siblings.indexOf(top.id);
        if (at >= 0) siblings.splice(at, 1);
        if (top.parent_id !== null) touched.add(top.parent_id);
        for (const id of e.deleted_ids) {
          this.nodes.delete(id);
          touched.add(id);
        }
        return;
      }
      case 'node-moved':
        this.place(e.node_id, e.parent_id, e.index, e.timestamp, touched);
        return;
      case 'node-linked':
        this.place(e.child_id, e.parent_id, e.index, e.timestamp, touched);
        return;
      case 'node-unlinked':
        this.place(e.child_id, null, Number.MAX_SAFE_INTEGER, e.timestamp, touched);
        return;
      case 'property-changed':
        this.setValue(e.node_id, e.property_id, e.new_value, e.timestamp);
        touched.add(e.node_id);
        return;
      case 'property-deleted':
        this.setValue(e.node_id, e.property_id, null, e.timestamp);
        touched.add(e.node_id);
        return;
      case 'command:executing':
      case 'command:executed':
      case 'command:undo':
      case 'command:redo':
        return;
      default:
        // an event a newer server added: nothing to mirror
        return;
    }
  }

  private put(node: NodeRecord): void {
    this.nodes.set(node.id, node);
    if (Object.hasOwn(node.properties, 'name') && node.metadata.orphaned !== true) {
      this.namedTypes.add(node.blueprint_type_id);
    }
  }

  private require(id: string): NodeRecord {
    const node = this.nodes.get(id);
    if (!node) throw new MirrorMismatch(`node ${id} is not in the mirror`);
    return node;
  }

  /** A fresh copy of the node, stored in its place, to be changed. */
  private edit(id: string): NodeRecord {
    const node = this.require(id);
    const copy: NodeRecord = { ...node, properties: { ...node.properties }, children: [...node.children] };
    this.nodes.set(id, copy);
    return copy;
  }

  /** A fresh copy of the children list of `parentId` (the roots for null), stored in its place. */
  private editChildren(parentId: string | null): string[] {
    if (parentId !== null) return this.edit(parentId).children;
    this.rootIds = [...this.rootIds];
    return this.rootIds;
  }

  /** Take a node out of its place and put it at `index` (clamped) under `parentId`, as the server does. */
  private place(id: string, parentId: string | null, index: number, now: string, touched: Set<string>): void {
    const node = this.edit(id);
    const from = this.editChildren(node.parent_id);
    const at = from.indexOf(id);
    if (at >= 0) from.splice(at, 1);
    const to = this.editChildren(parentId);
    to.splice(Math.min(index, to.length), 0, id);
    if (node.parent_id !== null) touched.add(node.parent_id);
    if (parentId !== null) touched.add(parentId);
    node.parent_id = parentId;
    node.updated_at = now;
    touched.add(id);
  }

  /** A value set or cleared (`null`: the server stores no value); `name` renames the node. */
  private setValue(id: string, propertyId: string, value: Json, now: string): void {
    const node = this.edit(id);
    if (propertyId === 'name' && typeof value === 'string') {
      node.name = value;
      if (this.namedTypes.has(node.blueprint_type_id) || Object.hasOwn(node.properties, 'name')) {
        node.properties.name = value;
      }
    } else if (value === null) {
      delete node.properties[propertyId];
    } else {
      node.properties[propertyId] = clone(value);
    }
    node.updated_at = now;
  }
}
