import { describe, expect, it } from 'vitest';
import { type Project, stableId, TalusError } from '../src/index.js';
import { buildProject, ctx, snapshot } from './factories.js';

const rootOf = (p: Project) => p.graph.roots[0]!;
const run = (p: Project, type: string, data: unknown, actor = 'alice') => p.execute(type, data, ctx(actor));
const create = (p: Project, parent: string | null, type: string, extra: Record<string, unknown> = {}) =>
  run(p, 'CreateNode', { parent_id: parent, blueprint_type_id: type, ...extra }).entry.node_id!;

function refused(p: Project, type: string, data: unknown, code = 'INVALID_COMMAND') {
  const before = snapshot(p);
  const revision = p.revision;
  let err: unknown;
  try {
    run(p, type, data);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TalusError);
  expect((err as TalusError).code).toBe(code);
  expect(p.revision).toBe(revision);
  expect(snapshot(p)).toBe(before);
}

describe('projects', () => {
  it('[PRJ1] a new project is at revision 0 with one root of the root type named after the project', () => {
    const p = buildProject(undefined, 'Garage');
    expect(p.revision).toBe(0);
    expect(p.graph.roots).toHaveLength(1);
    const root = p.graph.get(rootOf(p))!;
    expect(root).toMatchObject({
      blueprint_type_id: 'workshop',
      name: 'Garage',
      parent_id: null,
      children: [],
    });
    expect(root.properties.name).toBe('Garage');
    expect(p.history).toHaveLength(0);
  });
});

describe('CreateNode', () => {
  it('[CMD1] creates a node of an allowed type with the type label as default name, defaults applied', () => {
    const p = buildProject();
    const bench = create(p, rootOf(p), 'bench');
    const job = create(p, bench, 'job');
    const node = p.graph.get(job)!;
    expect(node.name).toBe('Job');
    expect(node.properties.hours).toBe(8);
    expect(node.properties.status).toBe(stableId('job.status', 'Open'));
    expect(p.graph.get(bench)!.children).toEqual([job]);
    expect(p.revision).toBe(2);
  });

  it('[CMD2] refuses a type outside allowed_children and unknown types; accepts type uuids', () => {
    const p = buildProject();
    refused(p, 'CreateNode', { parent_id: rootOf(p), blueprint_type_id: 'job' });
    refused(p, 'CreateNode', { parent_id: rootOf(p), blueprint_type_id: 'dragon' });
    const id = create(p, rootOf(p), stableId('node_type', 'bench'));
    expect(p.graph.get(id)!.blueprint_type_id).toBe('bench');
  });

  it('[CMD3] a node of any type may be a root; index places it; node_id is honoured and must be new', () => {
    const p = buildProject();
    const a = create(p, rootOf(p), 'bench', { name: 'A' });
    const b = create(p, rootOf(p), 'bench', { name: 'B', index: 0 });
    expect(p.graph.get(rootOf(p))!.children).toEqual([b, a]);
    const r = create(p, null, 'job');
    expect(p.graph.roots.at(-1)).toBe(r);
    const fixed = '11111111-2222-3333-4444-555555555555';
    create(p, null, 'person', { node_id: fixed });
    expect(p.graph.get(fixed)).toBeDefined();
    refused(p, 'CreateNode', { parent_id: null, blueprint_type_id: 'person', node_id: fixed }, 'CONFLICT');
  });

  it('[CMD4] validates given properties and refuses unknown fields', () => {
    const p = buildProject();
    const bench = create(p, rootOf(p), 'bench');
    refused(p, 'CreateNode', { parent_id: bench, blueprint_type_id: 'job', properties: { cost: 'a lot' } });
    refused(p, 'CreateNode', { parent_id: bench, blueprint_type_id: 'job', properties: { mood: 1 } });
    refused(p, 'CreateNode', { parent_id: bench, blueprint_type_id: 'job', colour: 'red' });
    refused(p, 'CreateNode', { parent_id: 'nope', blueprint_type_id: 'job' }, 'NODE_NOT_FOUND');
  });
});

describe('UpdateProperty and DeleteProperty', () => {
  const setup = () => {
    const p = buildProject();
    const bench = create(p, rootOf(p), 'bench');
    const job = create(p, bench, 'job');
    const crew = create(p, rootOf(p), 'crew');
    const person = create(p, crew, 'person', { name: 'Ada' });
    return { p, bench, job, person };
  };
  const set = (p: Project, node_id: string, property_id: string, value: unknown) =>
    run(p, 'UpdateProperty', { node_id, property_id, value });

  it('[VAL1] each property type accepts exactly its values', () => {
    const { p, job, bench, person } = setup();
    set(p, job, 'cost', 12.5);
    set(p, job, 'cost', 7);
    set(p, job, 'due', '2028-02-29');
    set(p, job, 'done', true);
    set(p, job, 'notes', 'x'.repeat(100_000));
    set(p, bench, 'width', -3.25);
    set(p, bench, 'owner', person);
    set(p, job, 'helpers', [person]);
    set(p, job, 'status', 'Doing');
    expect(p.graph.get(job)!.properties.status).toBe(stableId('job.status', 'Doing'));
    set(p, job, 'status', stableId('job.status', 'Finished'));
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'cost', value: 12.345 });
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'due', value: '2027-02-29' });
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'due', value: '2027-02-01T00:00:00Z' });
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'done', value: 'yes' });
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'notes', value: 'x'.repeat(100_001) });
    // characters, not UTF-16 units: 60,000 emoji are 60,000 characters
    set(p, job, 'notes', '😀'.repeat(60_000));
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'notes', value: '😀'.repeat(100_001) });
    refused(p, 'UpdateProperty', { node_id: bench, property_id: 'width', value: 'wide' });
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'status', value: 'Someday' });
    refused(p, 'UpdateProperty', { node_id: bench, property_id: 'owner', value: job });
    refused(p, 'UpdateProperty', { node_id: bench, property_id: 'owner', value: 'ghost' }, 'NODE_NOT_FOUND');
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'helpers', value: [person, person] });
  });

  it('[VAL5] a node name is text: up to 100,000 characters when created and when renamed', () => {
    const { p, job } = setup();
    const parent = p.graph.get(job)!.parent_id;
    const made = create(p, parent, 'job', { name: '😀'.repeat(100_000) });
    expect(p.graph.get(made)!.name).toBe('😀'.repeat(100_000));
    refused(p, 'CreateNode', { parent_id: parent, blueprint_type_id: 'job', name: 'x'.repeat(100_001) });
    refused(p, 'CreateNode', { parent_id: parent, blueprint_type_id: 'job', name: '😀'.repeat(100_001) });
    set(p, job, 'name', 'y'.repeat(100_000));
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'name', value: 'y'.repeat(100_001) });
  });

  it('[VAL2] null clears a value unless required; required never blocks creation', () => {
    const { p, job } = setup();
    expect(p.graph.get(job)!.properties.code).toBeUndefined();
    set(p, job, 'hours', null);
    expect(p.graph.get(job)!.properties.hours).toBeUndefined();
    set(p, job, 'code', 'J-1');
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'code', value: null });
    refused(p, 'DeleteProperty', { node_id: job, property_id: 'code' });
    refused(p, 'UpdateProperty', { node_id: job, property_id: 'name', value: null });
    run(p, 'DeleteProperty', { node_id: job, property_id: 'due' });
  });

  it('[VAL3] renaming through the name property keeps name and properties.name equal; uuids name properties', () => {
    const { p, job } = setup();
    set(p, job, 'name', 'Sand the door');
    expect(p.graph.get(job)).toMatchObject({ name: 'Sand the door', properties: { name: 'Sand the door' } });
    set(p, job, stableId('property.job', 'cost'), 99);
    expect(p.graph.get(job)!.properties.cost).toBe(99);
  });

  it('[VAL4] old_value from the original clients is accepted and ignored', () => {
    const { p, job } = setup();
    run(p, 'UpdateProperty', { node_id: job, property_id: 'cost', value: 5, old_value: 1234 });
    expect(p.history.at(-1)!.changes[0]).toMatchObject({ op: 'set', new: 5 });
    expect(p.history.at(-1)!.changes[0]).not.toHaveProperty('old');
  });
});

describe('DeleteNode', () => {
  it('[CMD5] deletes the whole subtree and clears references into it in the same revision', () => {
    const p = buildProject();
    const bench = create(p, rootOf(p), 'bench');
    const job = create(p, bench, 'job');
    const crew = create(p, rootOf(p), 'crew');
    const ada = create(p, crew, 'person', { name: 'Ada' });
    const bob = create(p, crew, 'person', { name: 'Bob' });
    run(p, 'UpdateProperty', { node_id: bench, property_id: 'owner', value: ada });
    run(p, 'UpdateProperty', { node_id: job, property_id: 'helpers', value: [ada, bob] });
    const rev = p.revision;
    run(p, 'DeleteNode', { node_id: crew });
    expect(p.revision).toBe(rev + 1);
    for (const id of [crew, ada, bob]) expect(p.graph.get(id)).toBeUndefined();
    expect(p.graph.get(bench)!.properties.owner).toBeUndefined();
    expect(p.graph.get(job)!.properties.helpers).toBeUndefined();
    expect(p.graph.referencesTo(ada)).toEqual([]);
    refused(p, 'DeleteNode', { node_id: crew }, 'NODE_NOT_FOUND');
  });
});

describe('LinkNode, UnlinkNode, MoveNode', () => {
  it('[CMD6] link moves a child under a new parent; unlink makes it the last root', () => {
    const p = buildProject();
    const b1 = create(p, rootOf(p), 'bench');
    const b2 = create(p, rootOf(p), 'bench');
    const job = create(p, b1, 'job');
    run(p, 'LinkNode', { parent_id: b2, child_id: job });
    expect(p.graph.get(job)!.parent_id).toBe(b2);
    expect(p.graph.get(b1)!.children).toEqual([]);
    run(p, 'UnlinkNode', { parent_id: b2, child_id: job });
    expect(p.graph.roots.at(-1)).toBe(job);
    expect(p.graph.get(job)!.parent_id).toBeNull();
    refused(p, 'UnlinkNode', { parent_id: b2, child_id: job });
  });

  it('[CMD7] never a cycle, never a type outside allowed_children', () => {
    const p = buildProject();
    const b1 = create(p, rootOf(p), 'bench');
    const b2 = create(p, b1, 'bench');
    const job = create(p, b2, 'job');
    refused(p, 'LinkNode', { parent_id: b2, child_id: b1 });
    refused(p, 'MoveNode', { node_id: b1, parent_id: b1, index: 0 });
    refused(p, 'MoveNode', { node_id: job, parent_id: rootOf(p), index: 0 });
    refused(p, 'LinkNode', { parent_id: job, child_id: b2 });
  });

  it('[CMD8] MoveNode index counts after the node is taken out; past the end means last', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    const [j1, j2, j3] = [create(p, b, 'job'), create(p, b, 'job'), create(p, b, 'job')];
    run(p, 'MoveNode', { node_id: j1, parent_id: b, index: 1 });
    expect(p.graph.get(b)!.children).toEqual([j2, j1, j3]);
    run(p, 'MoveNode', { node_id: j2, parent_id: b, index: 99 });
    expect(p.graph.get(b)!.children).toEqual([j1, j3, j2]);
    run(p, 'MoveNode', { node_id: j3, parent_id: null, index: 0 });
    expect(p.graph.roots[0]).toBe(j3);
  });
});

describe('Batch', () => {
  it('[CMD9] all or nothing: one revision and one history entry, names its created nodes', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    refused(p, 'Batch', {
      commands: [
        { command_type: 'CreateNode', data: { parent_id: b, blueprint_type_id: 'job', name: 'ok' } },
        { command_type: 'UpdateProperty', data: { node_id: b, property_id: 'width', value: 'bad' } },
      ],
    });
    refused(p, 'Batch', { commands: [{ command_type: 'Batch', data: { commands: [] } }] });
    const r = run(p, 'Batch', {
      commands: [
        { command_type: 'CreateNode', data: { parent_id: b, blueprint_type_id: 'job', name: 'one' } },
        { command_type: 'CreateNode', data: { parent_id: b, blueprint_type_id: 'job', name: 'two' } },
        { command_type: 'UpdateProperty', data: { node_id: b, property_id: 'width', value: 3 } },
      ],
    });
    expect(r.entry.node_ids).toHaveLength(2);
    expect(p.revision).toBe(2);
    expect(p.graph.get(b)!.children).toEqual(r.entry.node_ids);
  });
});

describe('orphans', () => {
  it('[CMD10] an orphaned node can be renamed, moved among the roots or deleted, nothing else', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    const orphan = p.graph.get(b)!;
    orphan.metadata = { orphaned: true, orphaned_type: 'old_bench' };
    orphan.blueprint_type_id = 'old_bench';
    refused(p, 'CreateNode', { parent_id: b, blueprint_type_id: 'job' });
    refused(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 1 });
    run(p, 'UpdateProperty', { node_id: b, property_id: 'name', value: 'Legacy' });
    run(p, 'MoveNode', { node_id: b, parent_id: null, index: 0 });
    refused(p, 'LinkNode', { parent_id: rootOf(p), child_id: b });
    run(p, 'DeleteNode', { node_id: b });
  });
});

describe('idempotency and revisions', () => {
  it('[IDM1] a re-sent command id is answered with the first answer; another payload is CONFLICT', () => {
    const p = buildProject();
    const data = { parent_id: rootOf(p), blueprint_type_id: 'bench', name: 'Once' };
    const first = p.execute('CreateNode', data, ctx('alice', 'same-id'));
    const again = p.execute('CreateNode', { ...data }, ctx('alice', 'same-id'));
    expect(again.replayed).toBe(true);
    expect(again.entry).toBe(first.entry);
    expect(p.revision).toBe(1);
    expect(() => p.execute('CreateNode', { ...data, name: 'Twice' }, ctx('alice', 'same-id'))).toThrow(
      /already used/,
    );
  });

  it('[IDM2] a refused command id may be retried', () => {
    const p = buildProject();
    expect(() =>
      p.execute('CreateNode', { parent_id: rootOf(p), blueprint_type_id: 'job' }, ctx('a', 'retry')),
    ).toThrow();
    p.execute('CreateNode', { parent_id: rootOf(p), blueprint_type_id: 'bench' }, ctx('a', 'retry'));
    expect(p.revision).toBe(1);
  });

  it('[REV1] expected_revision other than the current one is CONFLICT', () => {
    const p = buildProject();
    expect(() =>
      p.execute('CreateNode', { parent_id: rootOf(p), blueprint_type_id: 'bench' }, ctx(), {
        expected_revision: 3,
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    p.execute('CreateNode', { parent_id: rootOf(p), blueprint_type_id: 'bench' }, ctx(), {
      expected_revision: 0,
    });
  });
});

describe('hostile data', () => {
  it('[CMD11] data nesting deeper than 200 levels is refused before anything touches it, even with a known command id', () => {
    const p = buildProject();
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    refused(p, 'UpdateProperty', { node_id: rootOf(p), property_id: 'name', value: 'x', old_value: deep });
    p.execute(
      'UpdateProperty',
      { node_id: rootOf(p), property_id: 'name', value: 'x' },
      ctx('alice', 'deep-id'),
    );
    expect(() =>
      p.execute(
        'UpdateProperty',
        { node_id: rootOf(p), property_id: 'name', value: 'x', old_value: deep },
        ctx('alice', 'deep-id'),
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
  });
});
