import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../types.js';
import { stableId } from './ids.js';
import { loadTemplate } from './load.js';
import type { Template, TemplateLoad, TemplateProblem } from './model.js';

const ORIGINAL = fileURLToPath(new URL('../../../../../shared/fixtures/talus-original/', import.meta.url));
const CONFORMANCE = fileURLToPath(new URL('../../../../../shared/conformance/templates/', import.meta.url));

const read = (dir: string, file: string): string => readFileSync(`${dir}${file}`, 'utf8');
const loadFile = (dir: string, file: string): TemplateLoad =>
  loadTemplate(file.replace(/\.ya?ml$/, ''), read(dir, file), file);

function ok(load: TemplateLoad): Template {
  if (!load.ok) throw new Error(`expected a valid template, got ${JSON.stringify(load.problems, null, 2)}`);
  return load.template;
}

function problems(load: TemplateLoad): TemplateProblem[] {
  if (load.ok) throw new Error('expected an invalid template');
  return load.problems;
}

const paths = (load: TemplateLoad): string[] => problems(load).map((p) => p.path);

/** A minimal valid template document, to vary in tests. */
function base(): JsonObject {
  return {
    name: 'Base',
    node_types: [
      {
        id: 'root',
        label: 'Root',
        allowed_children: ['task'],
        properties: [{ id: 'name', label: 'Name', type: 'text', required: true }],
      },
      {
        id: 'task',
        label: 'Task',
        properties: [
          { id: 'name', label: 'Name', type: 'text' },
          { id: 'status', label: 'Status', type: 'select', options: ['Open', 'Closed'] },
        ],
      },
    ],
  };
}

function type(doc: JsonObject, i: number): JsonObject {
  return (doc.node_types as JsonObject[])[i] as JsonObject;
}
function props(doc: JsonObject, i: number): JsonObject[] {
  return type(doc, i).properties as JsonObject[];
}

const prop = (t: Template, typeId: string, ref: string) => t.propertyByRef.get(typeId)?.get(ref);

describe('loading templates', () => {
  it('[TPL3] every template of the original loads, except broken_template.yaml', () => {
    const files = readdirSync(`${ORIGINAL}templates`).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const load = loadFile(`${ORIGINAL}templates/`, file);
      if (file === 'broken_template.yaml') expect(load.ok).toBe(false);
      else expect(load.ok ? 'ok' : JSON.stringify(load.problems)).toBe('ok');
    }
  });

  it('[TPL4] broken_template.yaml fails with exactly three problems, each naming the file', () => {
    const load = loadFile(`${ORIGINAL}templates/`, 'broken_template.yaml');
    const list = problems(load);
    expect(list.map((p) => p.path)).toEqual([
      'node_types[0]',
      'node_types[0].properties[0]',
      'node_types[0].properties[0].options',
    ]);
    for (const p of list) expect(p.file).toBe('broken_template.yaml');
    expect(list[0]?.message).toMatch(/label/);
    expect(list[1]?.message).toMatch(/label/);
    expect(list[2]?.message).toMatch(/options/);
    if (!load.ok) {
      expect(load.id).toBe('broken_template');
      expect(load.name).toBe('BROKEN TEST TEMPLATE');
      expect(load.version).toBe('1.0');
      expect(load.description).toMatch(/intentional errors/);
    }
  });

  it('[TPL5] required: top-level name, non-empty node_types; type id and label; property id, label, type', () => {
    const noName = base();
    delete noName.name;
    expect(paths(loadTemplate('t', noName, 't.yaml'))).toEqual(['name']);

    const emptyTypes = base();
    emptyTypes.node_types = [];
    expect(paths(loadTemplate('t', emptyTypes, 't.yaml'))).toEqual(['node_types']);
    const missingTypes = base();
    delete missingTypes.node_types;
    expect(paths(loadTemplate('t', missingTypes, 't.yaml'))).toEqual(['node_types']);

    const noTypeId = base();
    delete type(noTypeId, 1).id;
    expect(paths(loadTemplate('t', noTypeId, 't.yaml'))).toContain('node_types[1]');

    const noLabel = base();
    delete type(noLabel, 1).label;
    expect(paths(loadTemplate('t', noLabel, 't.yaml'))).toEqual(['node_types[1]']);

    const nameAsLabel = base();
    delete type(nameAsLabel, 1).label;
    type(nameAsLabel, 1).name = 'Job';
    delete (props(nameAsLabel, 1)[0] as JsonObject).label;
    (props(nameAsLabel, 1)[0] as JsonObject).name = 'Title';
    const t = ok(loadTemplate('t', nameAsLabel, 't.yaml'));
    expect(t.typeByRef.get('task')?.label).toBe('Job');
    expect(prop(t, 'task', 'name')?.label).toBe('Title');

    const noPropId = base();
    delete (props(noPropId, 1)[0] as JsonObject).id;
    expect(paths(loadTemplate('t', noPropId, 't.yaml'))).toEqual(['node_types[1].properties[0]']);

    const noPropLabel = base();
    delete (props(noPropLabel, 1)[0] as JsonObject).label;
    expect(paths(loadTemplate('t', noPropLabel, 't.yaml'))).toEqual(['node_types[1].properties[0]']);

    const noPropType = base();
    delete (props(noPropType, 1)[0] as JsonObject).type;
    expect(paths(loadTemplate('t', noPropType, 't.yaml'))).toEqual(['node_types[1].properties[0]']);

    const numericType = base();
    (props(numericType, 1)[0] as JsonObject).type = 5;
    expect(paths(loadTemplate('t', numericType, 't.yaml'))).toEqual(['node_types[1].properties[0].type']);
  });

  it('[TPL6] a select needs a non-empty options list without duplicate names', () => {
    const empty = base();
    (props(empty, 1)[1] as JsonObject).options = [];
    expect(paths(loadTemplate('t', empty, 't.yaml'))).toEqual(['node_types[1].properties[1].options']);

    const missing = base();
    delete (props(missing, 1)[1] as JsonObject).options;
    expect(paths(loadTemplate('t', missing, 't.yaml'))).toEqual(['node_types[1].properties[1].options']);

    const dup = base();
    (props(dup, 1)[1] as JsonObject).options = [
      'Open',
      { name: 'Closed' },
      { name: 'Open', indicator_id: 'alert' },
    ];
    const list = problems(loadTemplate('t', dup, 't.yaml'));
    expect(list.map((p) => p.path)).toEqual(['node_types[1].properties[1].options[2]']);
    expect(list[0]?.message).toMatch(/duplicate option name "Open"/);

    const dupIds = base();
    (props(dupIds, 1)[1] as JsonObject).options = [
      { name: 'A', id: 'x' },
      { name: 'B', id: 'x' },
    ];
    expect(paths(loadTemplate('t', dupIds, 't.yaml'))).toEqual(['node_types[1].properties[1].options[1]']);

    const badOption = base();
    (props(badOption, 1)[1] as JsonObject).options = ['A', { indicator_id: 'empty' }, [1], ''];
    expect(paths(loadTemplate('t', badOption, 't.yaml'))).toEqual([
      'node_types[1].properties[1].options[1]',
      'node_types[1].properties[1].options[2]',
      'node_types[1].properties[1].options[3]',
    ]);
  });

  it('[TPL7] no duplicate node type ids or uuids, no duplicate property ids or uuids within a type', () => {
    const dupType = base();
    (dupType.node_types as JsonObject[]).push({ id: 'task', label: 'Again' });
    expect(paths(loadTemplate('t', dupType, 't.yaml'))).toEqual(['node_types[2].id']);

    const dupTypeUuid = base();
    type(dupTypeUuid, 0).uuid = 'u-1';
    type(dupTypeUuid, 1).uuid = 'u-1';
    expect(paths(loadTemplate('t', dupTypeUuid, 't.yaml'))).toEqual(['node_types[1].uuid']);

    const dupProp = base();
    props(dupProp, 1).push({ id: 'status', label: 'Again', type: 'text' });
    expect(paths(loadTemplate('t', dupProp, 't.yaml'))).toEqual(['node_types[1].properties[2].id']);

    const dupPropUuid = base();
    (props(dupPropUuid, 1)[0] as JsonObject).uuid = 'p-1';
    (props(dupPropUuid, 1)[1] as JsonObject).uuid = 'p-1';
    expect(paths(loadTemplate('t', dupPropUuid, 't.yaml'))).toEqual(['node_types[1].properties[1].uuid']);

    // The same property id in two different types is fine.
    expect(loadTemplate('t', base(), 't.yaml').ok).toBe(true);
  });

  it('[TPL8] allowed_children and target_type must name a node type (id or uuid), kept as type ids', () => {
    const unknownChild = base();
    type(unknownChild, 0).allowed_children = ['task', 'ghost'];
    expect(paths(loadTemplate('t', unknownChild, 't.yaml'))).toEqual(['node_types[0].allowed_children[1]']);

    const unknownTarget = base();
    props(unknownTarget, 1).push({
      id: 'owner',
      label: 'Owner',
      type: 'node_reference',
      target_type: 'person',
    });
    expect(paths(loadTemplate('t', unknownTarget, 't.yaml'))).toEqual([
      'node_types[1].properties[2].target_type',
    ]);

    const byUuid = base();
    type(byUuid, 0).allowed_children = [stableId('node_type', 'task'), 'root'];
    props(byUuid, 1).push({
      id: 'parent',
      label: 'Parent',
      type: 'node_reference',
      target_type: stableId('node_type', 'root'),
    });
    const t = ok(loadTemplate('t', byUuid, 't.yaml'));
    expect(t.typeByRef.get('root')?.allowed_children).toEqual(['task', 'root']);
    expect(prop(t, 'task', 'parent')?.target_type).toBe('root');
  });

  it('[TPL9] every problem is reported, as { file, path, message }; YAML syntax errors are problems', () => {
    const many = base();
    delete many.name;
    delete type(many, 0).label;
    type(many, 0).allowed_children = ['nope'];
    (props(many, 1)[1] as JsonObject).options = [];
    props(many, 1).push({ id: 'x', label: 'X' });
    const list = problems(loadTemplate('many', many, 'many.yaml'));
    expect(list.map((p) => p.path)).toEqual([
      'name',
      'node_types[0]',
      'node_types[0].allowed_children[0]',
      'node_types[1].properties[1].options',
      'node_types[1].properties[2]',
    ]);
    for (const p of list) {
      expect(Object.keys(p).sort()).toEqual(['file', 'message', 'path']);
      expect(p.file).toBe('many.yaml');
      expect(p.message.length).toBeGreaterThan(0);
    }

    const syntax = loadTemplate('bad', 'name: x\nnode_types: [\n  - id: a\n', 'bad.yaml');
    expect(problems(syntax).length).toBeGreaterThan(0);
    expect(problems(syntax).every((p) => p.path === '' && p.file === 'bad.yaml')).toBe(true);
    expect(problems(syntax)[0]?.message).toMatch(/YAML/);

    const dupKeys = loadTemplate('bad', 'name: a\nname: b\nnode_types: []\n', 'bad.yaml');
    expect(paths(dupKeys)).toEqual(['']);
  });

  it('[TPL10] garbage never throws: every input gives a result', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    let deep: Json = 'leaf';
    for (let i = 0; i < 5000; i++) deep = [deep];
    const inputs: unknown[] = [
      '',
      '   ',
      '[]',
      '42',
      'null',
      '~',
      '"just a string"',
      '{',
      ':::',
      '\u0000\u0001',
      'a: &a [*a]',
      'x: &x\n  y: *x\n',
      `${'['.repeat(10000)}${']'.repeat(10000)}`,
      'name: x\nnode_types: 5',
      'name: x\nnode_types: [1, "two", null, [], {}]',
      'name: [1]\nnode_types: [{id: [], label: {}, properties: 7, allowed_children: 3, features: 9, icon: []}]',
      'name: x\nnode_types: [{id: a, label: A, properties: [1, null, {}, {id: {}, label: [], type: {}, required: 3, options: 4, target_type: 5, value: .nan}]}]',
      'name: x\nnode_types: [{id: a, label: A, properties: [{id: s, label: S, type: select, options: [null, 3, {name: {}}, {name: ok, indicator_id: 4, id: [], uuid: {}}]}]}]',
      'name: x\nnode_types: [{id: a, label: A, features: {scheduling: 1, budgeting: {}}}]',
      'name: x\nnode_types: [{id: __proto__, label: P, properties: [{id: constructor, label: C, type: text, __proto__: {polluted: 1}}]}]',
      '--- a\n--- b\n',
      [],
      42,
      null,
      undefined,
      true,
      Symbol('s'),
      () => 1,
      new Date(0),
      new Map([['name', 'm']]),
      cyclic,
      deep,
      {
        name: 'x',
        node_types: [
          { id: 'a', label: 'A', properties: [{ id: 'p', label: 'P', type: 'text', value: 10n }] },
        ],
      },
      {
        name: 'x',
        node_types: [
          { id: 'a', label: 'A', properties: [{ id: 'p', label: 'P', type: 'text', value: Infinity }] },
        ],
      },
      { name: 'x', node_types: new Array(3) },
      {
        name: 'x',
        node_types: [
          { id: 'a', label: 'A', properties: [{ id: 'p', label: 'P', type: 'text', value: undefined }] },
        ],
      },
    ];
    for (const input of inputs) {
      let load: TemplateLoad | undefined;
      expect(() => {
        load = loadTemplate('g', input, 'g.yaml');
      }).not.toThrow();
      expect(load).toBeDefined();
      if (load !== undefined && !load.ok) {
        expect(load.problems.length).toBeGreaterThan(0);
        expect(() => JSON.stringify(load)).not.toThrow();
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const proto = loadTemplate(
      'p',
      'name: x\nnode_types: [{id: a, label: A, __proto__: {x: 1}, properties: [{id: p, label: P, type: text}]}]',
      'p.yaml',
    );
    const t = ok(proto);
    expect(Object.keys(t.node_types[0]?.extras ?? {})).toEqual(['__proto__']);

    // Mutations of a valid template: remove or garble each field in turn.
    const source = read(`${CONFORMANCE}`, 'festival.yaml');
    const lines = source.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const removed = [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
      const garbled = [
        ...lines.slice(0, i),
        (lines[i] ?? '').replace(/:.*/, ': [{}]'),
        ...lines.slice(i + 1),
      ].join('\n');
      expect(() => loadTemplate('m', removed, 'm.yaml')).not.toThrow();
      expect(() => loadTemplate('m', garbled, 'm.yaml')).not.toThrow();
    }
  });

  it('[TPL11] uuids: written uuid wins, else derived; options take uuid, then id, then the derived id', () => {
    const doc = base();
    type(doc, 1).uuid = 'written-type-uuid';
    (props(doc, 1)[0] as JsonObject).uuid = 'written-prop-uuid';
    (props(doc, 1)[1] as JsonObject).options = [
      'Open',
      { name: 'Closed', id: 'closed' },
      { name: 'Archived', id: 'archived', uuid: 'archived-uuid' },
      { name: 'Spam', indicator_id: 'alert' },
    ];
    const t = ok(loadTemplate('t', doc, 't.yaml'));
    const root = t.typeByRef.get('root');
    expect(root?.uuid).toBe(stableId('node_type', 'root'));
    expect(t.typeByRef.get('written-type-uuid')?.id).toBe('task');
    expect(prop(t, 'root', 'name')?.uuid).toBe(stableId('property.root', 'name'));
    expect(prop(t, 'task', 'name')?.uuid).toBe('written-prop-uuid');
    expect(prop(t, 'task', 'status')?.uuid).toBe(stableId('property.task', 'status'));
    expect(prop(t, 'task', 'status')?.options).toEqual([
      { uuid: stableId('task.status', 'Open'), name: 'Open', indicator_id: null, extras: {} },
      { uuid: 'closed', id: 'closed', name: 'Closed', indicator_id: null, extras: {} },
      { uuid: 'archived-uuid', id: 'archived', name: 'Archived', indicator_id: null, extras: {} },
      { uuid: stableId('task.status', 'Spam'), name: 'Spam', indicator_id: 'alert', extras: {} },
    ]);

    // The original's files: hand-written option ids (book.yaml) and slug ids used as stored values
    // (budget_smoke_test.yaml, whose project stores "in_progress").
    const book = ok(loadFile(`${ORIGINAL}templates/`, 'book.yaml'));
    const sourceStatus = prop(book, 'node_type_1776361888128', 'prop_1776363438244');
    expect(sourceStatus?.options?.map((o) => o.uuid)).toEqual([
      'fab31900-f7d8-07f3-9dc1-f215469b75d3',
      '0929fc91-986e-2726-7def-3209f11df7c2',
      '4a803397-1951-f7a1-08d3-037a99301d16',
    ]);
    const budget = ok(loadFile(`${ORIGINAL}templates/`, 'budget_smoke_test.yaml'));
    expect(prop(budget, 'task', 'status')?.options?.map((o) => o.uuid)).toEqual([
      'to_do',
      'in_progress',
      'done',
    ]);
  });

  it('[TPL12] the id is the argument (a top-level id is ignored); unknown fields and types are kept', () => {
    const doc = base();
    doc.id = 'ignored';
    doc.uuid = 'tpl-uuid';
    doc.blocking_view = { node_size: { base_height: 100 } };
    type(doc, 1).color = '#fff';
    type(doc, 1).velocityConfig = { baseScore: 3 };
    (props(doc, 1)[0] as JsonObject).indicator_set = 'status';
    (props(doc, 1)[0] as JsonObject).markup = { a: 1 };
    (props(doc, 1)[1] as JsonObject).options = [{ name: 'Open', bullet: '•', id: 'o' }];
    props(doc, 1).push({ id: 'alloc', label: 'Alloc', type: 'object', value: { a: [1, 2] } });
    props(doc, 1).push({ id: 'who', label: 'Who', type: 'person' });
    const t = ok(loadTemplate('my_id', doc, 'my_id.yaml'));
    expect(t.id).toBe('my_id');
    expect(t.extras).toEqual({ uuid: 'tpl-uuid', blocking_view: { node_size: { base_height: 100 } } });
    expect(t.typeByRef.get('task')?.extras).toEqual({ color: '#fff', velocityConfig: { baseScore: 3 } });
    expect(prop(t, 'task', 'name')?.extras).toEqual({ indicator_set: 'status', markup: { a: 1 } });
    expect(prop(t, 'task', 'status')?.options?.[0]?.extras).toEqual({ bullet: '•' });
    expect(prop(t, 'task', 'alloc')).toMatchObject({ type: 'object', default: { a: [1, 2] } });
    expect(prop(t, 'task', 'who')?.type).toBe('person');
    expect(ok(loadFile(`${ORIGINAL}templates/`, 'restomod.yaml')).version).toBe('1.0');
  });

  it('[TPL13] value becomes default (a select default named by option becomes its uuid); required defaults to false', () => {
    const doc = base();
    (props(doc, 1)[0] as JsonObject).value = 'Untitled';
    (props(doc, 1)[1] as JsonObject).value = 'Closed';
    const t = ok(loadTemplate('t', doc, 't.yaml'));
    expect(prop(t, 'task', 'name')?.default).toBe('Untitled');
    expect(prop(t, 'task', 'name')?.required).toBe(false);
    expect(prop(t, 'root', 'name')?.required).toBe(true);
    expect(prop(t, 'task', 'status')?.default).toBe(stableId('task.status', 'Closed'));
    expect('default' in (prop(t, 'root', 'name') ?? {})).toBe(false);

    const sd = ok(loadFile(`${ORIGINAL}templates/`, 'software_development.yaml'));
    expect(prop(sd, 'feature', 'status')?.default).toBe('d9d116ca-739c-cbc2-b251-5190ab654d21');
  });

  it('[TPL14] features are a list or a mapping; a type with id person is_person; root is is_root, else the first', () => {
    const doc = base();
    type(doc, 1).features = { is_root: true, scheduling: false, budgeting: 'yes', empty: {} };
    (doc.node_types as JsonObject[]).push({ id: 'person', label: 'Person' });
    const t = ok(loadTemplate('t', doc, 't.yaml'));
    expect(t.typeByRef.get('task')?.features).toEqual(['is_root', 'budgeting']);
    expect(t.typeByRef.get('person')?.features).toEqual(['is_person']);
    expect(t.root_type_id).toBe('task');
    expect(ok(loadTemplate('t', base(), 't.yaml')).root_type_id).toBe('root');

    const bad = base();
    type(bad, 1).features = 'scheduling';
    expect(paths(loadTemplate('t', bad, 't.yaml'))).toEqual(['node_types[1].features']);
  });

  it('[TPL15] scheduling adds start/end dates, assigned_to, hours, allocations and status', () => {
    const doc = base();
    type(doc, 1).features = ['scheduling'];
    props(doc, 1).pop();
    const noPerson = ok(loadTemplate('t', doc, 't.yaml'));
    const added =
      noPerson.typeByRef.get('task')?.properties.filter((p) => p.from_feature === 'scheduling') ?? [];
    expect(added.map((p) => [p.id, p.type])).toEqual([
      ['start_date', 'date'],
      ['end_date', 'date'],
      ['assigned_to', 'node_reference'],
      ['estimated_hours', 'number'],
      ['actual_hours', 'number'],
      ['allocations', 'object'],
      ['status', 'select'],
    ]);
    expect(prop(noPerson, 'task', 'assigned_to')?.target_type).toBeUndefined();
    expect(prop(noPerson, 'task', 'start_date')).toMatchObject({
      semantic_role: 'gantt_start',
      system_locked: true,
    });
    expect(prop(noPerson, 'task', 'end_date')?.semantic_role).toBe('gantt_end');
    expect(prop(noPerson, 'task', 'estimated_hours')?.default).toBe(0);
    expect(prop(noPerson, 'task', 'allocations')?.default).toEqual({});

    (doc.node_types as JsonObject[]).push({ id: 'person', label: 'Person' });
    const withPerson = ok(loadTemplate('t', doc, 't.yaml'));
    expect(prop(withPerson, 'task', 'assigned_to')?.target_type).toBe('person');
    expect(prop(withPerson, 'task', 'start_date')?.uuid).toBe(stableId('property.task', 'start_date'));
  });

  it('[TPL16] budgeting adds estimated_cost and actual_cost (currency)', () => {
    const doc = base();
    type(doc, 0).features = ['is_root', 'budgeting'];
    const t = ok(loadTemplate('t', doc, 't.yaml'));
    const added = t.typeByRef.get('root')?.properties.filter((p) => p.from_feature === 'budgeting') ?? [];
    expect(added.map((p) => [p.id, p.type, p.ui_group])).toEqual([
      ['estimated_cost', 'currency', 'Financial'],
      ['actual_cost', 'currency', 'Financial'],
    ]);
    // e2e_smoketest.yaml already carries them system_locked: they are completed, not duplicated.
    const e2e = ok(loadFile(`${ORIGINAL}templates/`, 'e2e_smoketest.yaml'));
    const ids = e2e.typeByRef.get('e2e_root')?.properties.map((p) => p.id) ?? [];
    expect(ids.filter((id) => id.includes('cost'))).toEqual(['estimated_cost', 'actual_cost']);
    expect(prop(e2e, 'e2e_root', 'estimated_cost')?.uuid).toBe('1f2be75b-8aa9-3cab-9402-6797e9a7df3c');
  });

  it('[TPL17] is_person adds weekly capacity, overtime and hourly rate properties', () => {
    const budget = ok(loadFile(`${ORIGINAL}templates/`, 'budget_smoke_test.yaml'));
    const person = budget.typeByRef.get('person');
    const added = person?.properties.filter((p) => p.from_feature === 'is_person') ?? [];
    expect(added).toHaveLength(21);
    expect(prop(budget, 'person', 'capacity_monday')).toMatchObject({
      type: 'number',
      default: 8,
      required: true,
    });
    expect(prop(budget, 'person', 'capacity_sunday')?.default).toBe(0);
    expect(prop(budget, 'person', 'overtime_capacity_friday')?.default).toBe(0);
    expect(prop(budget, 'person', 'hourly_rate_monday')?.type).toBe('number');
    // Ids match the original's project files, so their property uuids resolve.
    expect(prop(budget, 'person', 'ee58a28b-20b9-1ff9-ec07-d61ab0f5270c')?.id).toBe('capacity_monday');
    // Written properties of the person type stay first and keep their order.
    expect(person?.properties.slice(0, 4).map((p) => p.id)).toEqual([
      'name',
      'email',
      'daily_capacity',
      'capacity_monday',
    ]);
  });

  it('[TPL18] a file property of a macro id wins; the macro copy becomes _feat_<feature>_<id>', () => {
    const doc = base();
    type(doc, 1).features = ['scheduling'];
    props(doc, 1).push({ id: 'start_date', label: 'Kick-off', type: 'date', system_locked: true });
    const t = ok(loadTemplate('t', doc, 't.yaml'));
    const task = t.typeByRef.get('task');
    // `status` (not system_locked) is the user's: the macro's status is added beside it.
    expect(prop(t, 'task', 'status')).toMatchObject({ label: 'Status', options: expect.any(Array) });
    expect(prop(t, 'task', 'status')?.from_feature).toBeUndefined();
    const copy = prop(t, 'task', '_feat_scheduling_status');
    expect(copy).toMatchObject({
      from_feature: 'scheduling',
      type: 'select',
      extras: { key: 'status', indicator_set: 'status' },
    });
    expect(copy?.uuid).toBe(stableId('property.task', '_feat_scheduling_status'));
    expect(copy?.options?.map((o) => [o.name, o.indicator_id])).toEqual([
      ['To Do', 'empty'],
      ['In Progress', 'partial'],
      ['Done', 'filled'],
    ]);
    expect(copy?.default).toBe(stableId('task._feat_scheduling_status', 'To Do'));
    // `start_date` is system_locked: it is the macro's own property, completed, not duplicated.
    expect(prop(t, 'task', 'start_date')).toMatchObject({ label: 'Kick-off', semantic_role: 'gantt_start' });
    expect(prop(t, 'task', 'start_date')?.from_feature).toBeUndefined();
    expect(prop(t, 'task', '_feat_scheduling_start_date')).toBeUndefined();
    expect(task?.properties.map((p) => p.id)).toEqual([
      'name',
      'status',
      'start_date',
      'end_date',
      'assigned_to',
      'estimated_hours',
      'actual_hours',
      'allocations',
      '_feat_scheduling_status',
    ]);

    // project_talus.yaml stores the copy already; it is not added twice.
    const talus = ok(loadFile(`${ORIGINAL}templates/`, 'project_talus.yaml'));
    const episode = talus.typeByRef.get('episode')?.properties.map((p) => p.id) ?? [];
    expect(episode.filter((id) => id.includes('status'))).toEqual(['status', '_feat_scheduling_status']);
    expect(prop(talus, 'episode', '_feat_scheduling_status')?.uuid).toBe(
      '21a07b17-c7a0-aa65-85b7-814f94e04fb6',
    );
  });

  it('[TPL19] types and properties are found by id and by uuid; project files of the original resolve', () => {
    const pairs: [string, string][] = [
      ['ProtonTherapy.json', 'DetailingProject.yaml'],
      ['budget_smoke_test_project.json', 'budget_smoke_test.yaml'],
      ['manpower_tracking_sample_project.json', 'project_talus.yaml'],
      ['project_talus.json', 'project_talus.yaml'],
    ];
    for (const [project, template] of pairs) {
      const t = ok(loadFile(`${ORIGINAL}templates/`, template));
      const file = JSON.parse(read(`${ORIGINAL}projects/`, project)) as {
        graph: { nodes: { type: string; properties: Record<string, Json> }[] };
      };
      let checked = 0;
      for (const node of file.graph.nodes) {
        const nt = t.typeByRef.get(node.type);
        expect(nt, `${project}: type ${node.type}`).toBeDefined();
        if (nt === undefined) continue;
        const byRef = t.propertyByRef.get(nt.id);
        for (const key of Object.keys(node.properties)) {
          if (key === 'name') continue;
          expect(byRef?.get(key), `${project}: ${nt.id} property ${key}`).toBeDefined();
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    }
    const t = ok(loadFile(`${ORIGINAL}templates/`, 'budget_smoke_test.yaml'));
    expect(t.typeByRef.get('292b9e11-45c7-94f4-20db-7f6085266a4f')?.id).toBe('project_root');
    expect(t.typeByRef.get('project_root')?.uuid).toBe('292b9e11-45c7-94f4-20db-7f6085266a4f');
    expect(prop(t, 'project_root', '19419fc9-6b1c-c58c-8c6b-2b00ae2dbcc2')?.id).toBe('name');
  });

  it('[TPL20] conformance: festival.yaml loads with derived uuids; bad_festival.yaml fails at properties[0] and [1]', () => {
    const t = ok(loadFile(CONFORMANCE, 'festival.yaml'));
    expect(t.id).toBe('festival');
    expect(t.version).toBe('2.3');
    expect(t.root_type_id).toBe('festival');
    expect(t.typeByRef.get('stage')?.uuid).toBe(stableId('node_type', 'stage'));
    expect(prop(t, 'act', 'status')?.uuid).toBe(stableId('property.act', 'status'));
    const contracted = prop(t, 'act', 'status')?.options?.find((o) => o.name === 'Contracted');
    expect(contracted?.uuid).toBe(stableId('act.status', 'Contracted'));
    expect(contracted?.indicator_id).toBe('partial');
    expect(prop(t, 'act', 'liaison')?.target_type).toBe('crew_member');
    expect(t.typeByRef.get('area')?.allowed_children).toEqual(['area', 'task']);

    const bad = loadFile(CONFORMANCE, 'bad_festival.yaml');
    expect(paths(bad)).toEqual(['node_types[0].properties[0].options', 'node_types[0].properties[1]']);
    expect(problems(bad).every((p) => p.file === 'bad_festival.yaml')).toBe(true);
  });
});
