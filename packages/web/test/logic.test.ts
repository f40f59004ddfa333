import type { HistoryEntry, JsonObject, NodeRecord, SchemaProperty, TemplateSchema } from '@talus/client';
import { describe, expect, it } from 'vitest';
import { describeEntry } from '../src/project/history-describe.js';
import { formatCurrency, parseInput } from '../src/project/inspector/validate.js';
import { SchemaIndex } from '../src/project/schema-index.js';
import { dropPlan, positionAt } from '../src/project/tree-dnd.js';
import { treeKey } from '../src/project/tree-keyboard.js';
import { type GraphReader, visibleRows, withDraft } from '../src/project/tree-rows.js';

/** The UI's pure logic: input rules, drop rules, visible rows, keys. */

function buildSchema(): SchemaIndex {
  const type = (id: string, allowed: string[], properties: Partial<SchemaProperty>[] = []) => ({
    id,
    uuid: `uuid-${id}`,
    name: id,
    label: id[0]!.toUpperCase() + id.slice(1),
    allowed_children: allowed,
    features: [],
    icon: null,
    properties: properties.map((p) => ({
      uuid: `uuid-${p.id}`,
      name: p.label,
      required: false,
      ...p,
    })) as SchemaProperty[],
  });
  const schema: TemplateSchema = {
    template_id: 't',
    name: 'T',
    description: '',
    version: '1',
    root_type_id: 'build',
    node_types: [
      type('build', ['phase', 'inventory']),
      type(
        'phase',
        ['job'],
        [
          {
            id: 'status',
            label: 'Status',
            type: 'select',
            indicator_set: 'status',
            options: [{ id: 'o1', uuid: 'o1', name: 'To Do', indicator_id: 'empty' }],
          },
        ],
      ),
      type('job', []),
      type('inventory', ['part']),
      type('part', []),
    ],
  };
  return new SchemaIndex(schema);
}

function buildGraph(spec: Array<[id: string, type: string, parent: string | null]>): GraphReader {
  const nodes = new Map<string, NodeRecord>();
  for (const [id, type, parent] of spec) {
    nodes.set(id, {
      id,
      blueprint_type_id: type,
      name: id,
      properties: {},
      parent_id: parent,
      children: [],
      metadata: {},
      created_at: '',
      updated_at: '',
    });
    if (parent) nodes.get(parent)!.children.push(id);
  }
  return {
    roots: () => spec.filter(([, , p]) => p === null).map(([id]) => id),
    getNode: (id) => nodes.get(id),
  };
}

const prop = (type: string, required = false): SchemaProperty =>
  ({ id: 'p', uuid: 'p', name: 'P', label: 'P', type, required }) as SchemaProperty;

describe('input rules (PRODUCT.md section 3)', () => {
  it('[WEB-IN1] numbers, currency, dates and text are parsed or explained; required values are not cleared', () => {
    expect(parseInput(prop('number'), ' 3.5 ')).toEqual({ ok: true, value: 3.5 });
    expect(parseInput(prop('number'), '1,250')).toEqual({ ok: true, value: 1250 });
    expect(parseInput(prop('number'), 'a dozen').ok).toBe(false);
    expect(parseInput(prop('number'), '')).toEqual({ ok: true, value: null });
    expect(parseInput(prop('currency'), '$1,250.5')).toEqual({ ok: true, value: 1250.5 });
    expect(parseInput(prop('currency'), '-$3.10')).toEqual({ ok: true, value: -3.1 });
    expect(parseInput(prop('currency'), '85.123')).toMatchObject({
      ok: false,
      message: /at most 2 decimals/,
    });
    expect(parseInput(prop('date'), '2026-02-28')).toEqual({ ok: true, value: '2026-02-28' });
    expect(parseInput(prop('date'), '2026-02-30').ok).toBe(false);
    expect(parseInput(prop('text'), 'x'.repeat(100_001)).ok).toBe(false);
    expect(parseInput(prop('text', true), '')).toMatchObject({ ok: false, message: /required/ });
    expect(formatCurrency(1250.5)).toBe('$1,250.50');
  });
});

describe('drop rules', () => {
  const schema = buildSchema();
  const graph = buildGraph([
    ['root', 'build', null],
    ['p1', 'phase', 'root'],
    ['j1', 'job', 'p1'],
    ['j2', 'job', 'p1'],
    ['inv', 'inventory', 'root'],
    ['part', 'part', 'inv'],
  ]);

  it('[WEB-DND1] a drop the template forbids is refused with the reason; cycles too', () => {
    expect(dropPlan(graph, schema, 'part', 'p1', 'inside')).toMatchObject({
      ok: false,
      reason: 'A Phase cannot contain a Part (it takes: Job)',
    });
    expect(dropPlan(graph, schema, 'p1', 'j1', 'inside')).toMatchObject({
      ok: false,
      reason: /inside itself/,
    });
    expect(dropPlan(graph, schema, 'part', 'j1', 'after')).toMatchObject({ ok: false });
  });

  it('[WEB-DND2] positions become MoveNode indexes counted after the node is taken out', () => {
    expect(dropPlan(graph, schema, 'j2', 'j1', 'before')).toEqual({
      ok: true,
      nodeId: 'j2',
      parentId: 'p1',
      index: 0,
      noop: false,
    });
    expect(dropPlan(graph, schema, 'j1', 'j2', 'after')).toMatchObject({ ok: true, index: 1, noop: false });
    expect(dropPlan(graph, schema, 'j1', 'j2', 'before')).toMatchObject({ ok: true, index: 0, noop: true });
    expect(dropPlan(graph, schema, 'inv', 'root', 'before')).toMatchObject({
      ok: true,
      parentId: null,
      index: 0,
    });
    expect(positionAt(2, 30, true)).toBe('before');
    expect(positionAt(15, 30, true)).toBe('inside');
    expect(positionAt(15, 30, false)).toBe('after');
  });
});

describe('tree rows and keys', () => {
  const graph = buildGraph([
    ['root', 'build', null],
    ['p1', 'phase', 'root'],
    ['j1', 'job', 'p1'],
    ['p2', 'phase', 'root'],
  ]);

  it('[WEB-TREE1] only expanded nodes show their children; a node being added is placed last under its parent', () => {
    expect(visibleRows(graph, new Set(['root'])).map((r) => r.id)).toEqual(['root', 'p1', 'p2']);
    const all = visibleRows(graph, new Set(['root', 'p1']));
    expect(all.map((r) => [r.id, r.depth])).toEqual([
      ['root', 0],
      ['p1', 1],
      ['j1', 2],
      ['p2', 1],
    ]);
    expect(withDraft(all, 'p1').map((r) => r.id)).toEqual(['root', 'p1', 'j1', '\u0000draft', 'p2']);
  });

  it('[WEB-TREE2] arrows move, → and ← expand, collapse and go to the parent, Enter renames, Delete deletes', () => {
    const rows = visibleRows(graph, new Set(['root', 'p1']));
    expect(treeKey('ArrowDown', rows, 'p1')).toEqual({ kind: 'select', id: 'j1' });
    expect(treeKey('ArrowLeft', rows, 'j1')).toEqual({ kind: 'select', id: 'p1' });
    expect(treeKey('ArrowLeft', rows, 'p1')).toEqual({ kind: 'expand', id: 'p1', open: false });
    expect(treeKey('End', rows, 'root')).toEqual({ kind: 'select', id: 'p2' });
    expect(treeKey('Enter', rows, 'p2')).toEqual({ kind: 'rename', id: 'p2' });
    expect(treeKey('Delete', rows, 'p2')).toEqual({ kind: 'delete', id: 'p2' });
    expect(treeKey('x', rows, 'p2')).toEqual({ kind: 'none' });
  });
});

describe('history in words', () => {
  const schema = buildSchema();
  const ctx = { schema, nameOf: (id: string) => (id === 'n1' ? 'Engine' : undefined) };
  const entry = (kind: HistoryEntry['kind'], changes: JsonObject[]) =>
    ({ kind, command_type: 'X', changes }) as unknown as HistoryEntry;
  const setStatus = { op: 'set', node_id: 'n1', type_id: 'phase', property_id: 'status' };
  const created = { nodes: [{ name: 'Bodywork 2', blueprint_type_id: 'phase' }] };

  it('[WEB-HIST1] an undo names what the undone command did, not the changes that reverse it', () => {
    expect(describeEntry(ctx, entry('command', [{ ...setStatus, new: 'o1' }]))).toBe(
      'set Status of “Engine” to To Do',
    );
    // undoing that set clears the value again: its change is "cleared", but it undid a "set … to To Do"
    expect(describeEntry(ctx, entry('undo', [{ ...setStatus, old: 'o1' }]))).toBe(
      'undid: set Status of “Engine” to To Do',
    );
    expect(describeEntry(ctx, entry('undo', [{ ...setStatus, new: 'o1' }]))).toBe(
      'undid: cleared Status of “Engine”',
    );
    expect(describeEntry(ctx, entry('undo', [{ op: 'delete', ...created }]))).toBe(
      'undid: added Phase “Bodywork 2”',
    );
    expect(describeEntry(ctx, entry('undo', [{ op: 'create', ...created }]))).toBe(
      'undid: deleted “Bodywork 2”',
    );
    // a redo makes the command's own changes again
    expect(describeEntry(ctx, entry('redo', [{ op: 'create', ...created }]))).toBe(
      'redid: added Phase “Bodywork 2”',
    );
    expect(
      describeEntry(
        ctx,
        entry('undo', [
          { op: 'set', node_id: 'n1', type_id: 'phase', property_id: 'name', old: 'B', new: 'A' },
        ]),
      ),
    ).toBe('undid: renamed “A” to “B”');
  });
});
