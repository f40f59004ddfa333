/**
 * Projects of any size for benchmarks, in the shape of the built-in `software_release` template: one
 * product, a team of people, up to 300 releases (the branches), features and bugs spread over the releases
 * and tasks spread over those, with `assigned_to` references to the people (so the reference index is
 * populated). Built by loading node records (Project.restore), not by running commands. Used by
 * `command-cost.ts` and by `npm run bench` (bench/projects.ts), which exports them as `talus-tally/1` files.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  builtinTemplatesDir,
  type HistoryEntry,
  type JsonObject,
  loadTemplate,
  type NodeRecord,
  Project,
  type Template,
} from '../src/index.js';

// a deterministic PRNG, so that every run picks the same kind of targets
export { mulberry32 } from '../test/prng.js';

export function loadSoftwareRelease(): Template {
  const file = join(builtinTemplatesDir(), 'software_release.yaml');
  const load = loadTemplate('software_release', readFileSync(file, 'utf8'), 'software_release.yaml');
  if (!load.ok) throw new Error(`software_release.yaml does not load: ${JSON.stringify(load.problems)}`);
  return load.template;
}

export interface Built {
  project: Project;
  people: string[];
  /** Nodes that take tasks (features and bugs). */
  parents: string[];
  tasks: string[];
}

/** `count` applied command entries (edits of the root), as a store hands them to `restore`. */
function pastEntries(rootId: string, count: number): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let r = 1; r <= count; r++) {
    out.push({
      revision: r,
      kind: 'command',
      command_id: `past-${r}`,
      command_type: 'UpdateProperty',
      actor: { id: 'past', name: 'past' },
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { node_id: rootId, property_id: 'repository', value: `r${r}` },
      changes: [
        {
          op: 'set',
          node_id: rootId,
          type_id: 'product',
          property_id: 'repository',
          old: `r${r - 1}`,
          new: `r${r}`,
        },
      ],
      status: 'applied',
      applied_at: r,
    });
  }
  return out;
}

export function buildProject(template: Template, n: number, history = 0): Built {
  const at = '2026-01-01T00:00:00.000Z';
  const nodes: NodeRecord[] = [];
  const byId = new Map<string, NodeRecord>();
  const make = (
    type: string,
    parent: NodeRecord | null,
    name: string,
    extra: JsonObject = {},
  ): NodeRecord => {
    const def = template.typeByRef.get(type)!;
    const properties: JsonObject = {};
    for (const prop of def.properties) {
      if (prop.type === 'select' && prop.options?.[0]) properties[prop.id] = prop.options[0].uuid;
      else if (prop.default !== undefined && prop.default !== null && prop.type !== 'node_reference') {
        properties[prop.id] = prop.default;
      }
    }
    Object.assign(properties, extra);
    properties.name = name;
    const node: NodeRecord = {
      id: randomUUID(),
      blueprint_type_id: def.id,
      name,
      properties,
      parent_id: parent?.id ?? null,
      children: [],
      metadata: {},
      created_at: at,
      updated_at: at,
    };
    parent?.children.push(node.id);
    nodes.push(node);
    byId.set(node.id, node);
    return node;
  };

  const root = make('product', null, `Product of ${n} nodes`);
  const team = make('team', root, 'Team');
  const peopleCount = Math.min(500, Math.max(2, Math.round(n / 100)));
  const people = Array.from({ length: peopleCount }, (_, i) => make('person', team, `Person ${i}`).id);
  const releaseCount = Math.min(300, Math.max(1, Math.round(n / 300)));
  const releases = Array.from({ length: releaseCount }, (_, i) =>
    make('release', root, `Release ${i}`, { release_manager: people[i % people.length]! }),
  );
  const rest = n - nodes.length;
  const parentCount = Math.max(1, Math.round(rest / 5));
  const parents: string[] = [];
  for (let i = 0; i < parentCount; i++) {
    const release = releases[i % releases.length]!;
    parents.push(make(i % 3 === 2 ? 'bug' : 'feature', release, `Item ${i}`).id);
  }
  const tasks: string[] = [];
  for (let i = 0; nodes.length < n; i++) {
    const parent = byId.get(parents[i % parents.length]!)!;
    const task = make('task', parent, `Task ${i}`, {
      assigned_to: people[i % people.length]!,
      estimated_hours: (i % 16) + 1,
    });
    tasks.push(task.id);
  }
  if (nodes.length !== n) throw new Error(`built ${nodes.length} nodes, not ${n}`);

  const info = { id: randomUUID(), name: `bench ${n}`, template, created_at: at, updated_at: at };
  const project = Project.restore(info, nodes, [root.id], history, pastEntries(root.id, history));
  return { project, people, parents, tasks: tasks.length > 0 ? tasks : parents };
}
