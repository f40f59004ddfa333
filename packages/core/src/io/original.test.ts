import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TalusError } from '../errors.js';
import { nodeIdFromFile, uuidv5 } from '../template/ids.js';
import { loadTemplate } from '../template/load.js';
import type { Template } from '../template/model.js';
import type { Json, JsonObject, NodeRecord } from '../types.js';
import { importOriginalFile, isOriginalProjectFile, originalTemplateId } from './index.js';

const ORIGINAL = new URL('../../../../../shared/fixtures/talus-original/', import.meta.url);
const NOW = '2026-02-01T10:00:00.000Z';

function fixtureTemplate(id: string): Template {
  const load = loadTemplate(
    id,
    readFileSync(new URL(`templates/${id}.yaml`, ORIGINAL), 'utf8'),
    `${id}.yaml`,
  );
  if (!load.ok) throw new Error(`fixture template ${id} does not load: ${JSON.stringify(load.problems)}`);
  return load.template;
}

const fixtureFile = (file: string) =>
  JSON.parse(readFileSync(new URL(`projects/${file}`, ORIGINAL), 'utf8')) as JsonObject;

/** The project files with a template: those naming one, plus the orphan fixture (named only in its `_comment`). */
const PROJECT_FIXTURES = readdirSync(fileURLToPath(new URL('projects/', ORIGINAL)))
  .filter((f) => f.endsWith('.json'))
  .map((file) => {
    const doc = fixtureFile(file);
    const templateId = file === 'orphan_test_project.json' ? 'orphan_test' : doc.template_id;
    return { file, doc, templateId };
  })
  .filter((f): f is { file: string; doc: JsonObject; templateId: string } => {
    const graph = f.doc.graph as JsonObject | undefined;
    return typeof f.templateId === 'string' && Array.isArray(graph?.nodes);
  });

const importFixture = (file: string, templateId: string) =>
  importOriginalFile(fixtureFile(file), fixtureTemplate(templateId), { now: NOW });

const fileNodesOf = (doc: JsonObject) => (doc.graph as JsonObject).nodes as JsonObject[];

/** A small template in the original's shape: a select with ids, references, a type without `name`. */
const YARD = loadTemplate(
  'yard',
  `
name: Yard
node_types:
- id: yard
  label: Yard
  allowed_children: [shed, note]
  properties:
  - { id: name, label: Name, type: text }
  - { id: size, label: Size, type: number }
- id: shed
  label: Shed
  allowed_children: [shed, note]
  properties:
  - { id: name, label: Name, type: text }
  - id: state
    label: State
    type: select
    options: [{ name: Open, id: open }, { name: Shut }]
  - { id: neighbour, label: Neighbour, type: node_reference }
  - { id: helpers, label: Helpers, type: node_reference }
- id: note
  label: Note
  allowed_children: []
  properties:
  - { id: text, label: Text, type: text }
`,
  'yard.yaml',
);
if (!YARD.ok) throw new Error(JSON.stringify(YARD.problems));
const yard = YARD.template;

const fileNode = (
  id: string,
  type: string,
  properties: JsonObject = {},
  children: string[] = [],
  more: JsonObject = {},
) => ({ id, type, properties, children, ...more }) as JsonObject;
const fileDoc = (nodes: JsonObject[], more: JsonObject = {}): JsonObject => ({
  graph: { id: 'default', nodes, edges: [] },
  template_id: 'yard',
  ...more,
});
const importYard = (doc: unknown) => importOriginalFile(doc, yard, { now: NOW });
const byId = (nodes: NodeRecord[], fileId: string) => nodes.find((n) => n.id === nodeIdFromFile(fileId))!;

function refusal(fn: () => unknown): TalusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TalusError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

/** The conformance suite's rule: a node's `name`, else its `name` property, else any property value (older files). */
function nameMatches(n: JsonObject, got: string | undefined): boolean {
  const props = (n.properties ?? {}) as JsonObject;
  if (!got) return false;
  if (n.name != null) return got === n.name;
  if (props.name != null) return got === props.name;
  return Object.values(props).includes(got);
}

describe('original project files', () => {
  it('[IMP1] an original file is recognised by its graph.nodes list, and names its template', () => {
    for (const { doc } of PROJECT_FIXTURES) expect(isOriginalProjectFile(doc)).toBe(true);
    for (const doc of [
      null,
      [],
      'x',
      {},
      { graph: {} },
      { graph: { nodes: {} } },
      { format: 'talus-tally/1', nodes: [] },
    ]) {
      expect(isOriginalProjectFile(doc)).toBe(false);
    }
    expect(originalTemplateId(fixtureFile('ProtonTherapy.json'))).toBe('DetailingProject');
    expect(originalTemplateId(fixtureFile('orphan_test_project.json'))).toBe('orphan_test');
    expect(originalTemplateId({ graph: { nodes: [] } })).toBeUndefined();
  });

  it('[IMP3] the fixtures with a template are all found (velocity_complex.json is not a project file)', () => {
    expect(PROJECT_FIXTURES.map((f) => f.file).sort()).toEqual([
      'ProtonTherapy.json',
      'budget_smoke_test_project.json',
      'manpower_tracking_sample_project.json',
      'orphan_test_project.json',
      'project_talus.json',
    ]);
  });

  for (const { file, doc, templateId } of PROJECT_FIXTURES) {
    it(`[IMP3] ${file} imports whole: every node with its id, name and child order`, () => {
      const imported = importFixture(file, templateId);
      const fileNodes = fileNodesOf(doc);
      expect(imported.nodes).toHaveLength(fileNodes.length);
      const nodes = new Map(imported.nodes.map((n) => [n.id, n]));
      expect(nodes.size).toBe(fileNodes.length);
      for (const f of fileNodes) {
        const n = nodes.get(nodeIdFromFile(f.id as string));
        expect(n, `node ${f.id}`).toBeDefined();
        expect(nameMatches(f, n!.name), `name of ${f.id}: ${n!.name}`).toBe(true);
        expect(n!.children).toEqual(((f.children ?? []) as string[]).map(nodeIdFromFile));
        for (const c of n!.children) expect(nodes.get(c)!.parent_id).toBe(n!.id);
      }
      // parents before children, roots in order
      const seen = new Set<string>();
      for (const n of imported.nodes) {
        if (n.parent_id !== null) expect(seen.has(n.parent_id)).toBe(true);
        seen.add(n.id);
      }
      expect(imported.roots).toEqual(imported.nodes.filter((n) => n.parent_id === null).map((n) => n.id));
      expect(imported.name).toBe(nodes.get(imported.roots[0]!)!.name);
    });
  }

  it('[IMP3] ProtonTherapy.json has 250 nodes under one root named "Proton Therapy"', () => {
    const p = importFixture('ProtonTherapy.json', 'DetailingProject');
    expect(p.nodes).toHaveLength(250);
    expect(p.roots).toHaveLength(1);
    expect(p.name).toBe('Proton Therapy');
  });

  it('[IMP3] budget_smoke_test_project.json: 11 nodes, costs summing to 150000 estimated and 30400 actual', () => {
    const p = importFixture('budget_smoke_test_project.json', 'budget_smoke_test');
    expect(p.nodes).toHaveLength(11);
    const sum = (id: string) =>
      p.nodes.reduce((s, n) => s + ((n.properties[id] as number | undefined) ?? 0), 0);
    expect(sum('estimated_cost')).toBe(150000);
    expect(sum('actual_cost')).toBe(30400);
  });

  it('[IMP4] types and property keys given by uuid (or, in older files, by id) become template ids', () => {
    for (const [file, templateId] of [
      ['ProtonTherapy.json', 'DetailingProject'],
      ['orphan_test_project.json', 'orphan_test'],
    ] as const) {
      const template = fixtureTemplate(templateId);
      for (const n of importFixture(file, templateId).nodes) {
        if (n.metadata.orphaned) continue;
        const type = template.typeByRef.get(n.blueprint_type_id)!;
        expect(type.id).toBe(n.blueprint_type_id);
        const ids = new Set(type.properties.map((p) => p.id));
        for (const key of Object.keys(n.properties))
          expect(ids.has(key), `${file} ${type.id}.${key}`).toBe(true);
      }
    }
  });

  it('[IMP5] the name comes from the node, else its name property, else the name property uuid; properties.name mirrors it', () => {
    const budget = importFixture('budget_smoke_test_project.json', 'budget_smoke_test');
    const root = byId(budget.nodes, 'c9aecf4d-4ca8-40d1-a67e-492b2e692dd2');
    expect(root.name).toBe('Budget Smoke Test Project');
    expect(root.properties.name).toBe('Budget Smoke Test Project');
    const p = importYard(
      fileDoc([
        fileNode('a', 'yard', { name: 'From property' }, ['b', 'c']),
        fileNode('b', 'shed', { name: 'Ignored' }, [], { name: 'From node' }),
        fileNode('c', 'note', { text: 'no name at all' }),
      ]),
    );
    expect(byId(p.nodes, 'a')).toMatchObject({
      name: 'From property',
      properties: { name: 'From property' },
    });
    expect(byId(p.nodes, 'b')).toMatchObject({ name: 'From node', properties: { name: 'From node' } });
    // a type without a name property: the label, and no `name` key in properties
    expect(byId(p.nodes, 'c')).toMatchObject({ name: 'Note', properties: { text: 'no name at all' } });
    // the disagreeing `name` key is not lost
    const extra = ((p.extras.graph as JsonObject).nodes as JsonObject)[nodeIdFromFile('b')] as JsonObject;
    expect(extra.properties).toEqual({ name: 'Ignored' });
  });

  it('[IMP6] orphan_test_project.json: exactly the legacy widget is an orphan, with its type and properties as written', () => {
    const p = importFixture('orphan_test_project.json', 'orphan_test');
    const orphans = p.nodes.filter((n) => n.metadata.orphaned === true);
    expect(orphans.map((n) => n.id)).toEqual([nodeIdFromFile('ot-widg-0005-0000-0000-000000000005')]);
    expect(orphans[0]).toMatchObject({
      blueprint_type_id: 'ot_legacy_widget',
      name: 'Old Widget Panel',
      metadata: { orphaned: true, orphaned_type: 'ot_legacy_widget' },
      properties: {
        name: 'Old Widget Panel',
        widget_mode: 'advanced',
        widget_version: '2.3.1',
        legacy_config: 'auto',
      },
    });
  });

  it('[IMP7] property keys the type no longer has move, with their values, to metadata.orphaned_properties', () => {
    const p = importFixture('orphan_test_project.json', 'orphan_test');
    const task = byId(p.nodes, 'ot-task-0004-0000-0000-000000000004');
    expect(task.metadata).toEqual({ orphaned_properties: { risk_level: 'High', sprint_estimate: '5' } });
    expect(task.properties).toEqual({
      name: 'Spec out architecture',
      status: 'In Progress',
      assignee: 'Bob',
      notes: 'Reviewing options.',
    });
    const aside = p.nodes.filter((n) => n.metadata.orphaned_properties);
    expect(aside).toHaveLength(1);
  });

  it('[IMP8] values are normalized where the meaning is clear; what does not fit is kept and listed', () => {
    const budget = importFixture('budget_smoke_test_project.json', 'budget_smoke_test');
    const status = fixtureTemplate('budget_smoke_test').propertyByRef.get('department')!.get('status')!;
    const engineering = budget.nodes.find((n) => n.name === 'Engineering')!;
    expect(engineering.properties.status).toBe(status.options!.find((o) => o.id === 'in_progress')!.uuid);
    const talus = importFixture('project_talus.json', 'project_talus');
    expect(talus.nodes[0]!.properties.budget).toBe(3500);
    const p = importYard(
      fileDoc([
        fileNode('a', 'yard', { name: 'Y', size: 'big' }, ['b', 'c', 'd']),
        fileNode('b', 'shed', { name: 'B', state: 'Shut' }),
        fileNode('c', 'shed', { name: 'C', state: 'open' }),
        fileNode('d', 'shed', { name: 'D', state: 'Ajar' }),
      ]),
    );
    const state = yard.propertyByRef.get('shed')!.get('state')!;
    expect(byId(p.nodes, 'a').properties.size).toBe('big');
    expect(byId(p.nodes, 'a').metadata.invalid_properties).toEqual(['size']);
    expect(byId(p.nodes, 'b').properties.state).toBe(state.options![1]!.uuid);
    expect(byId(p.nodes, 'c').properties.state).toBe(state.options![0]!.uuid);
    expect(byId(p.nodes, 'd').properties.state).toBe('Ajar');
    expect(byId(p.nodes, 'd').metadata.invalid_properties).toEqual(['state']);
    const normalized = importYard(
      fileDoc([
        fileNode('a', 'yard', { name: 'Y', size: '$1,250.5' }, ['b', 'c']),
        fileNode('b', 'shed', { name: 'B', state: '' }),
        fileNode('c', 'shed', { name: 'C', neighbour: 'a, b' }),
      ]),
    );
    expect(byId(normalized.nodes, 'a').properties.size).toBe(1250.5);
    expect(byId(normalized.nodes, 'b').properties).not.toHaveProperty('state');
    expect(byId(normalized.nodes, 'c').properties.neighbour).toEqual([uuidv5('a'), uuidv5('b')]);
    expect(byId(normalized.nodes, 'c').metadata).not.toHaveProperty('invalid_properties');
  });

  it('[IMP9] created_at / updated_at come from the file when it has them, else from the import time', () => {
    const p = importYard(
      fileDoc([
        fileNode('a', 'yard', { name: 'Y' }, ['b'], { created_at: '2024-01-01T00:00:00.000Z' }),
        fileNode('b', 'shed', { name: 'B' }, [], {
          created_at: '2024-02-01T00:00:00Z',
          updated_at: '2024-03-01T00:00:00Z',
        }),
      ]),
    );
    expect(byId(p.nodes, 'a')).toMatchObject({ created_at: '2024-01-01T00:00:00.000Z', updated_at: NOW });
    expect(byId(p.nodes, 'b')).toMatchObject({
      created_at: '2024-02-01T00:00:00Z',
      updated_at: '2024-03-01T00:00:00Z',
    });
  });

  it('[IMP2] non-UUID ids become uuidv5(DNS, id) in nodes, children, references, expanded_map and blocking relationships', () => {
    const upper = 'A2C4E6F8-1111-4222-8333-944455556666';
    const p = importYard(
      fileDoc(
        [
          fileNode('root', 'yard', { name: 'Y' }, ['s1', upper]),
          fileNode('s1', 'shed', { name: 'S1', neighbour: upper, helpers: ['s1', 'Bob'] }),
          fileNode(upper, 'shed', { name: 'S2', neighbour: 'nobody' }),
        ],
        {
          expanded_map: { root: true, [upper]: false },
          blocking_relationships: [{ blockedNodeId: 's1', blockingNodeId: upper }],
        },
      ),
    );
    const s1 = uuidv5('s1');
    expect(p.nodes.map((n) => n.id)).toEqual([uuidv5('root'), s1, upper.toLowerCase()]);
    expect(p.nodes[0]!.children).toEqual([s1, upper.toLowerCase()]);
    // a reference follows the conversion of a node of the file; one that names no node is kept as written
    expect(p.nodes[1]!.properties).toMatchObject({ neighbour: upper.toLowerCase(), helpers: ['s1', 'Bob'] });
    expect(p.nodes[1]!.metadata.invalid_properties).toEqual(['helpers']);
    expect(p.nodes[2]!.properties.neighbour).toBe('nobody');
    expect(p.extras.expanded_map).toEqual({ [uuidv5('root')]: true, [upper.toLowerCase()]: false });
    expect(p.extras.blocking_relationships).toEqual([
      { blockedNodeId: s1, blockingNodeId: upper.toLowerCase() },
    ]);
  });

  it('[IMP10] the hierarchy comes from ordered children only; roots are the nodes nobody lists, in file order', () => {
    const p = importYard(
      fileDoc([
        fileNode('c', 'shed', { name: 'C' }, [], { parent_id: 'b' }),
        fileNode('b', 'yard', { name: 'Second yard' }, ['d', 'c']),
        fileNode('a', 'yard', { name: 'First root in file' }),
        fileNode('d', 'shed', { name: 'D' }),
      ]),
    );
    expect(p.roots).toEqual([uuidv5('b'), uuidv5('a')]);
    expect(p.nodes.map((n) => n.name)).toEqual(['Second yard', 'D', 'C', 'First root in file']);
    expect(p.name).toBe('Second yard');
    expect(byId(p.nodes, 'c').parent_id).toBe(uuidv5('b'));
  });

  it('[IMP11] extras keep the file beyond its nodes; per-node display fields sit there by node id, not in metadata', () => {
    const doc = fixtureFile('project_talus.json');
    const p = importFixture('project_talus.json', 'project_talus');
    expect(p.extras.template_id).toBe('project_talus');
    expect(p.extras.filter_sets).toEqual(doc.filter_sets);
    expect(p.extras.blocking_relationships).toEqual(doc.blocking_relationships); // UUIDs already
    expect(p.extras.expanded_map).toEqual(doc.expanded_map);
    const graph = p.extras.graph as JsonObject;
    expect(graph.id).toBe('default');
    expect(graph.edges).toEqual([]);
    const first = fileNodesOf(doc)[0]!;
    expect((graph.nodes as JsonObject)[first.id as string]).toEqual({
      indicator_id: first.indicator_id,
      indicator_set: first.indicator_set,
      icon_id: first.icon_id,
      schema_shape: first.schema_shape,
      schema_color: first.schema_color,
      allowed_children: first.allowed_children,
    });
    for (const n of p.nodes) {
      for (const key of Object.keys(n.metadata)) expect(['orphaned_properties']).toContain(key);
    }
    const orphanFile = importFixture('orphan_test_project.json', 'orphan_test');
    expect(orphanFile.extras._comment).toMatch(/orphan_test/);
    expect((orphanFile.extras.graph as JsonObject).template_id).toBe('orphan_test');
    const widget = ((orphanFile.extras.graph as JsonObject).nodes as JsonObject)[
      nodeIdFromFile('ot-widg-0005-0000-0000-000000000005')
    ] as JsonObject;
    expect(widget.id).toBe('ot-widg-0005-0000-0000-000000000005');
    expect(widget._comment).toMatch(/ORPHANED NODE/);
  });

  it('[IMP12] a file that is not a forest is refused, naming the node, and nothing is returned', () => {
    const cases: Array<[string, JsonObject[], string]> = [
      [
        'cycle',
        [fileNode('r', 'yard'), fileNode('a', 'shed', {}, ['b']), fileNode('b', 'shed', {}, ['a'])],
        'a',
      ],
      ['self', [fileNode('r', 'yard', {}, ['r'])], 'r'],
      [
        'two parents',
        [fileNode('r', 'yard', {}, ['a']), fileNode('q', 'yard', {}, ['a']), fileNode('a', 'shed')],
        'a',
      ],
      ['listed twice', [fileNode('r', 'yard', {}, ['a', 'a']), fileNode('a', 'shed')], 'r'],
      ['dangling child', [fileNode('r', 'yard', {}, ['ghost'])], 'r'],
      ['duplicate id', [fileNode('r', 'yard'), fileNode('r', 'shed')], 'r'],
      [
        'duplicate after conversion',
        [
          fileNode('A2C4E6F8-1111-4222-8333-944455556666', 'yard'),
          fileNode('a2c4e6f8-1111-4222-8333-944455556666', 'yard'),
        ],
        'a2c4e6f8-1111-4222-8333-944455556666',
      ],
    ];
    for (const [what, nodes, culprit] of cases) {
      const e = refusal(() => importYard(fileDoc(nodes)));
      expect(e.code, what).toBe('INVALID_REQUEST');
      expect(e.details?.node_id, what).toBe(culprit);
      expect(e.message, what).toContain(culprit);
    }
    const dangling = refusal(() => importYard(fileDoc([fileNode('r', 'yard', {}, ['ghost'])])));
    expect(dangling.details?.child_id).toBe('ghost');
  });

  it('[IMP12] a cycle hanging off a node reachable from nowhere names a node on the cycle', () => {
    const e = refusal(() =>
      importYard(
        fileDoc([
          fileNode('tail', 'shed'),
          fileNode('x', 'shed', {}, ['y', 'tail']),
          fileNode('y', 'shed', {}, ['x']),
        ]),
      ),
    );
    expect(['x', 'y']).toContain(e.details?.node_id);
  });

  it('[IMP13] a document that is not an object, or whose nodes are not objects with string ids, is refused', () => {
    const bad: unknown[] = [
      null,
      [],
      'text',
      { graph: null },
      { graph: { nodes: 'x' } },
      fileDoc([]),
      fileDoc(['x' as unknown as JsonObject]),
      fileDoc([{ type: 'yard' }]),
      fileDoc([{ id: 7, type: 'yard' }]),
      fileDoc([{ id: '', type: 'yard' }]),
      fileDoc([{ id: 'r' }]),
      fileDoc([{ id: 'r', type: 'yard', children: 'a' }]),
      fileDoc([{ id: 'r', type: 'yard', children: [1] }]),
      fileDoc([{ id: 'r', type: 'yard', properties: [] }]),
      { graph: { nodes: [{ id: 'r', type: 'yard', properties: { size: Number.NaN } }] } },
      // a name is text: at most 100,000 characters (as CreateNode and UpdateProperty allow)
      fileDoc([{ id: 'r', type: 'yard', name: 'n'.repeat(100_001) }]),
      fileDoc([{ id: 'r', type: 'yard', properties: { name: 'n'.repeat(100_001) } }]),
    ];
    expect(importYard(fileDoc([{ id: 'r', type: 'yard', name: '😀'.repeat(100_000) }])).name).toHaveLength(
      200_000,
    );
    for (const doc of bad)
      expect(refusal(() => importYard(doc)).code, JSON.stringify(doc)).toBe('INVALID_REQUEST');
  });

  it('[IMP14] file metadata is kept; stale orphan flags go when the template has the type again', () => {
    const p = importYard(
      fileDoc([
        fileNode('r', 'yard', { name: 'Y', lost: 1 }, ['a'], {
          metadata: { pinned: true, orphaned_properties: { older: 'x' } },
        }),
        fileNode('a', 'shed', { name: 'A' }, [], {
          metadata: { orphaned: true, orphaned_type: 'shed', note: 'kept' },
        }),
      ]),
    );
    expect(byId(p.nodes, 'r').metadata).toEqual({
      pinned: true,
      orphaned_properties: { older: 'x', lost: 1 },
    });
    expect(byId(p.nodes, 'a').metadata).toEqual({ note: 'kept' });
  });

  it('[IMP15] the import does not alias or change its input', () => {
    const doc = fixtureFile('orphan_test_project.json');
    const before = JSON.stringify(doc);
    const p = importOriginalFile(doc, fixtureTemplate('orphan_test'), { now: NOW });
    expect(JSON.stringify(doc)).toBe(before);
    (p.nodes[0]!.properties as Record<string, Json>).name = 'changed';
    expect(JSON.stringify(doc)).toBe(before);
  });
});
