import { describe, expect, it } from 'vitest';
import { entryEvents, type Project, TalusError } from '../src/index.js';
import { buildProject, ctx, snapshot } from './factories.js';

const rootOf = (p: Project) => p.graph.roots[0]!;
const run = (p: Project, type: string, data: unknown, actor = 'alice') => p.execute(type, data, ctx(actor));
const create = (
  p: Project,
  parent: string | null,
  type: string,
  extra: Record<string, unknown> = {},
  actor = 'alice',
) => run(p, 'CreateNode', { parent_id: parent, blueprint_type_id: type, ...extra }, actor).entry.node_id!;
const undo = (p: Project, actor = 'alice', scope: 'session' | 'mine' = 'session') =>
  p.undo(scope, ctx(actor));
const redo = (p: Project, actor = 'alice', scope: 'session' | 'mine' = 'session') =>
  p.redo(scope, ctx(actor));

function refusedWith(code: string, fn: () => unknown, p: Project) {
  const before = snapshot(p);
  const rev = p.revision;
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect((err as TalusError)?.code).toBe(code);
  expect(p.revision).toBe(rev);
  expect(snapshot(p)).toBe(before);
}

describe('undo and redo', () => {
  it('[UNDO1] undo applies the exact inverse as a new revision; redo re-applies it', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    const before = snapshot(p);
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 4 });
    const after = snapshot(p);
    const u = undo(p);
    expect(u.entry).toMatchObject({ kind: 'undo', command_type: 'Undo', revision: 3 });
    expect(u.entry.undone_command_id).toBe(p.history[1]!.command_id);
    expect(snapshot(p)).toBe(before);
    const r = redo(p);
    expect(r.entry).toMatchObject({ kind: 'redo', command_type: 'Redo', revision: 4 });
    expect(snapshot(p)).toBe(after);
  });

  it('[UNDO2] undo of DeleteNode restores the subtree with ids, properties, references and positions', () => {
    const p = buildProject();
    const b1 = create(p, rootOf(p), 'bench');
    const b2 = create(p, rootOf(p), 'bench');
    const crew = create(p, rootOf(p), 'crew');
    const ada = create(p, crew, 'person', { name: 'Ada' });
    const j1 = create(p, b1, 'job', { name: 'one' });
    const j2 = create(p, b1, 'job', { name: 'two', properties: { cost: 3.5 } });
    run(p, 'UpdateProperty', { node_id: b2, property_id: 'owner', value: ada });
    run(p, 'UpdateProperty', { node_id: j2, property_id: 'helpers', value: [ada] });
    const before = snapshot(p);
    run(p, 'DeleteNode', { node_id: crew });
    run(p, 'DeleteNode', { node_id: b1 });
    undo(p);
    undo(p);
    expect(snapshot(p)).toBe(before);
    expect(p.graph.get(rootOf(p))!.children).toEqual([b1, b2, crew]);
    expect(p.graph.get(b1)!.children).toEqual([j1, j2]);
    expect(p.graph.referencesTo(ada).length).toBe(2);
  });

  it('[UNDO3] undo of a move restores the old sibling position', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    const other = create(p, rootOf(p), 'bench');
    const jobs = [create(p, b, 'job'), create(p, b, 'job'), create(p, b, 'job')];
    run(p, 'MoveNode', { node_id: jobs[1], parent_id: other, index: 0 });
    undo(p);
    expect(p.graph.get(b)!.children).toEqual(jobs);
    run(p, 'LinkNode', { parent_id: other, child_id: jobs[0] });
    undo(p);
    expect(p.graph.get(b)!.children).toEqual(jobs);
  });

  it('[UNDO4] undo of a property change restores the real previous value, not a client-sent one', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 1 });
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 2, old_value: 999 });
    undo(p);
    expect(p.graph.get(b)!.properties.width).toBe(1);
  });

  it("[UNDO5] session scope undoes the latest command whoever made it; mine undoes the caller's own", () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 1 }, 'alice');
    const crew = create(p, rootOf(p), 'crew', {}, 'bob');
    const u = undo(p, 'alice', 'mine');
    expect(u.entry.undone_command_id).toBe(p.history[1]!.command_id);
    expect(p.graph.get(b)!.properties.width).toBeUndefined();
    expect(p.graph.get(crew)).toBeDefined();
    undo(p, 'alice', 'session');
    expect(p.graph.get(crew)).toBeUndefined();
  });

  it('[UNDO6] undo mine over a later change by someone else to the same value is CONFLICT and changes nothing', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench', {}, 'bob');
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 1 }, 'alice');
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 2 }, 'bob');
    refusedWith('CONFLICT', () => undo(p, 'alice', 'mine'), p);
  });

  it('[UNDO7] undo of a CreateNode under which someone has since added a child is CONFLICT', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench', {}, 'alice');
    create(p, b, 'job', {}, 'bob');
    refusedWith('CONFLICT', () => undo(p, 'alice', 'mine'), p);
  });

  it('[UNDO8] undo of a node creation someone has since edited is CONFLICT', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench', {}, 'alice');
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 7 }, 'bob');
    refusedWith('CONFLICT', () => undo(p, 'alice', 'mine'), p);
  });

  it("[UNDO9] a new command clears session redo; mine redo is cleared only by the caller's own command", () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 1 }, 'alice');
    undo(p, 'alice', 'mine');
    create(p, rootOf(p), 'crew', {}, 'bob');
    refusedWith('NOTHING_TO_REDO', () => redo(p, 'alice', 'session'), p);
    redo(p, 'alice', 'mine');
    expect(p.graph.get(b)!.properties.width).toBe(1);
    undo(p, 'alice', 'mine');
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 5 }, 'alice');
    refusedWith('NOTHING_TO_REDO', () => redo(p, 'alice', 'mine'), p);
  });

  it('[UNDO10] consecutive undos then redos walk the history back and forth', () => {
    const p = buildProject();
    const states = [snapshot(p)];
    const b = create(p, rootOf(p), 'bench');
    states.push(snapshot(p));
    run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 1 });
    states.push(snapshot(p));
    run(p, 'MoveNode', { node_id: b, parent_id: null, index: 0 });
    states.push(snapshot(p));
    for (let i = 2; i >= 0; i--) {
      undo(p);
      expect(snapshot(p)).toBe(states[i]);
    }
    refusedWith('NOTHING_TO_UNDO', () => undo(p), p);
    for (let i = 1; i <= 3; i++) {
      redo(p);
      expect(snapshot(p)).toBe(states[i]);
    }
    refusedWith('NOTHING_TO_REDO', () => redo(p), p);
  });

  it('[UNDO11] a Batch is one undo step', () => {
    const p = buildProject();
    const before = snapshot(p);
    p.execute(
      'Batch',
      {
        commands: [
          {
            command_type: 'CreateNode',
            data: { parent_id: rootOf(p), blueprint_type_id: 'bench', name: 'x' },
          },
          {
            command_type: 'CreateNode',
            data: { parent_id: rootOf(p), blueprint_type_id: 'crew', name: 'y' },
          },
        ],
      },
      ctx(),
    );
    undo(p);
    expect(snapshot(p)).toBe(before);
  });

  it('[UNDO12] undo and redo entries are idempotent by command id like commands', () => {
    const p = buildProject();
    create(p, rootOf(p), 'bench');
    const c = ctx('alice', 'undo-once');
    const first = p.undo('session', c);
    const again = p.undo('session', { ...c, now: ctx().now });
    expect(again.replayed).toBe(true);
    expect(again.entry).toBe(first.entry);
    expect(() => p.redo('session', { ...c, now: ctx().now })).toThrow(TalusError);
  });
});

describe('events', () => {
  it('[EVT1] every revision opens with command:executing and ends with exactly one closing event', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    const j = create(p, b, 'job');
    run(p, 'DeleteNode', { node_id: b });
    undo(p);
    redo(p);
    for (const e of p.history) {
      const events = entryEvents(e, p.template, { session_id: 's', project_id: p.id });
      expect(events[0]!.event).toBe('command:executing');
      const closing = events.filter((x) =>
        ['command:executed', 'command:undo', 'command:redo'].includes(x.event),
      );
      expect(closing).toHaveLength(1);
      expect(events.at(-1)).toBe(closing[0]);
      for (const x of events)
        expect(x).toMatchObject({ revision: e.revision, command_id: e.command_id, project_id: p.id });
    }
    const restore = entryEvents(p.history[3]!, p.template, { session_id: 's', project_id: p.id });
    const created = restore.filter((x) => x.event === 'node-created').map((x) => x.node_id);
    expect(created).toEqual([b, j]);
  });

  it('[EVT2] property-changed carries the property uuid in property_name and old/new values', () => {
    const p = buildProject();
    const b = create(p, rootOf(p), 'bench');
    const r = run(p, 'UpdateProperty', { node_id: b, property_id: 'width', value: 4 });
    const [ev] = entryEvents(r.entry, p.template, { session_id: 's', project_id: p.id }).filter(
      (x) => x.event === 'property-changed',
    );
    expect(ev).toMatchObject({ node_id: b, property_id: 'width', old_value: null, new_value: 4 });
    expect(ev!.property_name).toBe(p.template.propertyByRef.get('bench')!.get('width')!.uuid);
  });
});
