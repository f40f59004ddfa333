import { TalusError } from '../errors.js';
import type { Change } from '../graph/changes.js';
import type { ProjectGraph } from '../graph/graph.js';
import type { NodeTypeDef, PropertyDef, Template } from '../template/model.js';
import type { JsonObject, NodeRecord } from '../types.js';

/**
 * One command's work in progress: changes are applied to the live graph as they are made (so a Batch sees
 * its own earlier commands), and `rollback` restores the graph exactly, `updated_at` included, when any
 * part is refused.
 */
export class Mutation {
  readonly applied: Change[] = [];
  readonly created: string[] = [];
  private readonly stamps = new Map<string, string>();
  /** Property key order of nodes whose values change, so that a rollback restores the exact object. */
  private readonly keyOrders = new Map<string, string[]>();

  constructor(
    readonly graph: ProjectGraph,
    readonly template: Template,
    readonly now: string,
  ) {}

  apply(change: Change): void {
    for (const id of idsStamped(change)) {
      const node = this.graph.get(id);
      if (node && !this.stamps.has(id)) this.stamps.set(id, node.updated_at);
    }
    if (change.op === 'set' && !this.keyOrders.has(change.node_id)) {
      const node = this.graph.get(change.node_id);
      if (node) this.keyOrders.set(node.id, Object.keys(node.properties));
    }
    this.applied.push(this.graph.apply(change, this.now));
  }

  rollback(): void {
    for (let i = this.applied.length - 1; i >= 0; i--) {
      this.graph.apply(this.graph.invert(this.applied[i]!), this.now);
    }
    for (const [id, stamp] of this.stamps) {
      const node = this.graph.get(id);
      if (node) node.updated_at = stamp;
    }
    for (const [id, keys] of this.keyOrders) {
      const node = this.graph.get(id);
      if (node) reorderKeys(node.properties, keys);
    }
    this.applied.length = 0;
  }

  /** The node type of a live node, or null for an orphan (its type is not in the template). */
  typeOf(node: NodeRecord): NodeTypeDef | null {
    if (node.metadata.orphaned === true) return null;
    return this.template.typeByRef.get(node.blueprint_type_id) ?? null;
  }

  requireType(ref: string): NodeTypeDef {
    const type = this.template.typeByRef.get(ref);
    if (!type) throw invalid(`unknown node type "${ref.slice(0, 100)}"`);
    return type;
  }

  /** A property of a node's type by id or uuid; `name` always resolves (it is the node's name). */
  propertyOf(node: NodeRecord, ref: string): PropertyDef {
    const type = this.typeOf(node);
    const prop = type ? this.template.propertyByRef.get(type.id)?.get(ref) : undefined;
    if (prop) return prop;
    if (ref === 'name') return NAME_PROPERTY;
    throw invalid(`node type "${node.blueprint_type_id}" has no property "${ref.slice(0, 100)}"`);
  }
}

/** The node's name, for types that define no `name` property. */
const NAME_PROPERTY: PropertyDef = {
  id: 'name',
  uuid: 'name',
  label: 'Name',
  type: 'text',
  required: true,
  extras: {},
};

/** Put `obj`'s keys back in `order` (a value cleared and restored comes back last otherwise). */
function reorderKeys(obj: JsonObject, order: readonly string[]): void {
  const entries = Object.entries(obj);
  const rank = new Map(order.map((k, i) => [k, i]));
  entries.sort(([a], [b]) => (rank.get(a) ?? order.length) - (rank.get(b) ?? order.length));
  for (const [k] of entries) delete obj[k];
  for (const [k, v] of entries) obj[k] = v;
}

/** Nodes whose `updated_at` a change may move; a rollback puts it back (a deleted subtree comes back too). */
function idsStamped(change: Change): string[] {
  switch (change.op) {
    case 'move':
    case 'set':
      return [change.node_id];
    case 'delete':
      return change.nodes.map((n) => n.id);
    default:
      return [];
  }
}

export const invalid = (message: string, details?: ConstructorParameters<typeof TalusError>[2]) =>
  new TalusError('INVALID_COMMAND', message, details);

export function refuseOrphan(node: NodeRecord, what: string): void {
  if (node.metadata.orphaned === true) {
    throw invalid(`node ${node.id} is orphaned (its type is not in the template): ${what} is not allowed`);
  }
}
