import { invalid } from './shape.js';

/** A node as the forest check sees it: its id, its ordered child ids and, when the format has one, its parent. */
export interface ForestNode {
  id: string;
  children: readonly string[];
  /** Checked against the `children` lists when given (Talus Tally files); absent in original files. */
  parent_id?: string | null;
  /** The id as the file wrote it, when it differs (original files: before conversion). */
  label?: string;
}

/** The shape of a valid forest. */
export interface Forest {
  /** Nodes that are nobody's child, in input order. */
  roots: string[];
  /** Every id, parents before children, roots in order, children in order (the order of `ProjectGraph.walk`). */
  order: string[];
  /** Parent of every non-root id. */
  parentOf: ReadonlyMap<string, string>;
}

/**
 * Check that `nodes` form a forest through their `children` lists and return its roots and walk order.
 * Refuses with INVALID_REQUEST, `details.node_id` naming the node: a duplicate id, a node listing itself
 * or an id that names no node, a node listed as a child twice (by two parents or by one), a `parent_id`
 * that disagrees with the `children` lists, and a cycle. `label` turns an id into the id as the file wrote it,
 * for messages and details.
 */
export function checkForest(
  nodes: readonly ForestNode[],
  label: (id: string) => string = (id) => id,
): Forest {
  const name = (id: string) => JSON.stringify(label(id));
  const byId = new Map<string, ForestNode>();
  for (const n of nodes) {
    const first = byId.get(n.id);
    if (first !== undefined) {
      const as = n.label ?? n.id;
      const also =
        first.label !== undefined && first.label !== as ? ` (also as ${JSON.stringify(first.label)})` : '';
      throw invalid(`node ${JSON.stringify(as)} appears twice in the file${also}`, { node_id: as });
    }
    byId.set(n.id, n);
  }

  const parentOf = new Map<string, string>();
  for (const n of nodes) {
    for (const c of n.children) {
      if (c === n.id) throw invalid(`node ${name(n.id)} lists itself as its child`, { node_id: label(n.id) });
      if (!byId.has(c)) {
        throw invalid(`node ${name(n.id)} lists child ${name(c)}, which is not in the file`, {
          node_id: label(n.id),
          child_id: label(c),
        });
      }
      const other = parentOf.get(c);
      if (other === n.id)
        throw invalid(`node ${name(n.id)} lists child ${name(c)} twice`, { node_id: label(n.id) });
      if (other !== undefined) {
        throw invalid(`node ${name(c)} is a child of both ${name(other)} and ${name(n.id)}`, {
          node_id: label(c),
          parent_ids: [label(other), label(n.id)],
        });
      }
      parentOf.set(c, n.id);
    }
  }

  for (const n of nodes) {
    if (n.parent_id === undefined) continue;
    const listedBy = parentOf.get(n.id) ?? null;
    if (n.parent_id === listedBy) continue;
    const message =
      listedBy === null
        ? `node ${name(n.id)} has parent_id ${JSON.stringify(n.parent_id)}, but no node lists it as a child`
        : `node ${name(n.id)} has parent_id ${JSON.stringify(n.parent_id)}, but is listed as a child of ${name(listedBy)}`;
    throw invalid(message, { node_id: label(n.id) });
  }

  const roots = nodes.filter((n) => !parentOf.has(n.id)).map((n) => n.id);
  const order: string[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const id = stack.pop()!;
    order.push(id);
    const kids = byId.get(id)!.children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  if (order.length < nodes.length) {
    // Every node has at most one parent here, so a node no root reaches sits on or under a cycle: climbing
    // its parents repeats an id, and the first repeated id is on the cycle.
    const seen = new Set(order);
    let cur = nodes.find((n) => !seen.has(n.id))!.id;
    const climbed = new Set<string>();
    while (!climbed.has(cur)) {
      climbed.add(cur);
      cur = parentOf.get(cur)!;
    }
    throw invalid(`node ${name(cur)} is part of a cycle (it is its own ancestor)`, { node_id: label(cur) });
  }
  return { roots, order, parentOf };
}
