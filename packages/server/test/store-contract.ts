import type { HistoryEntry, NodeRecord } from '@talus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ProjectRow,
  RevisionConflictError,
  type RevisionWrite,
  type Store,
} from '../src/store/store.js';

/** Test factories shared by the store suites. */
export const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

export function node(
  id: string,
  parent: string | null,
  children: string[] = [],
  extra: Partial<NodeRecord> = {},
): NodeRecord {
  return {
    id,
    blueprint_type_id: 'task',
    name: id,
    properties: { name: id },
    parent_id: parent,
    children,
    metadata: {},
    created_at: at(0),
    updated_at: at(0),
    ...extra,
  };
}

export function row(id: string, extra: Partial<ProjectRow> = {}): ProjectRow {
  return {
    id,
    name: `Project ${id}`,
    template_id: 'festival',
    template_version: '1.0',
    template: { name: 'T', node_types: [] },
    extras: { expanded_map: { a: true } },
    revision: 0,
    roots: ['r'],
    created_at: at(0),
    updated_at: at(0),
    ...extra,
  };
}

export function entry(revision: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    revision,
    kind: 'command',
    command_id: `cmd-${revision}`,
    command_type: 'UpdateProperty',
    actor: { id: 'alice', name: 'Alice' },
    timestamp: at(revision),
    data: { node_id: 'r', property_id: 'name', value: `v${revision}` },
    changes: [],
    status: 'applied',
    applied_at: revision,
    ...extra,
  };
}

export function write(
  projectId: string,
  revision: number,
  extra: Partial<RevisionWrite> = {},
): RevisionWrite {
  return {
    project_id: projectId,
    entry: entry(revision),
    upserts: [],
    deletes: [],
    revision,
    updated_at: at(revision),
    ...extra,
  };
}

/**
 * The behaviour every store must have (memory, SQLite, PostgreSQL): one suite, run against each
 * implementation. `make` gives a fresh, empty store; `reopen` (when the store persists) a new instance on
 * the same data, to check that what was committed survives.
 */
export function storeContract(
  name: string,
  make: () => Promise<Store>,
  reopen?: (old: Store) => Promise<Store>,
) {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    it('[STO1] a created project loads back with its nodes, roots, template copy, extras and history', async () => {
      const nodes = [node('r', null, ['a']), node('a', 'r')];
      await store.createProject({ row: row('p1', { roots: ['r'] }), nodes, history: [entry(1)] });
      const loaded = await store.loadProject('p1');
      expect(loaded?.row).toMatchObject({ id: 'p1', name: 'Project p1', roots: ['r'], revision: 0 });
      expect(loaded?.row.template).toEqual({ name: 'T', node_types: [] });
      expect(loaded?.row.extras).toEqual({ expanded_map: { a: true } });
      expect(loaded?.nodes.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
        nodes.sort((x, y) => x.id.localeCompare(y.id)),
      );
      expect(loaded?.history).toEqual([entry(1)]);
      expect(await store.loadProject('nope')).toBeUndefined();
    });

    it('[STO2] commit writes revisions, node upserts and deletes, roots and target entries atomically', async () => {
      await store.createProject({
        row: row('p1'),
        nodes: [node('r', null, ['a']), node('a', 'r')],
        history: [],
      });
      await store.commit([
        write('p1', 1, { upserts: [node('r', null, ['a', 'b']), node('b', 'r')] }),
        write('p1', 2, { deletes: ['a'], upserts: [node('r', null, ['b'])], roots: ['r', 'x'] }),
      ]);
      await store.commit([
        write('p1', 3, {
          entry: entry(3, { kind: 'undo', command_type: 'Undo', undone_command_id: 'cmd-2' }),
          target: entry(2, { status: 'undone', undone_at: 3 }),
        }),
      ]);
      const loaded = (await store.loadProject('p1'))!;
      expect(loaded.row.revision).toBe(3);
      expect(loaded.row.roots).toEqual(['r', 'x']);
      expect(loaded.nodes.map((n) => n.id).sort()).toEqual(['b', 'r']);
      expect(loaded.history.map((e) => e.revision)).toEqual([1, 2, 3]);
      expect(loaded.history[1]).toMatchObject({ status: 'undone', undone_at: 3 });
    });

    it('[STO3] a commit that fails changes nothing', async () => {
      await store.createProject({ row: row('p1'), nodes: [node('r', null)], history: [] });
      await store.commit([write('p1', 1)]);
      // revision 1 again: the history key is taken, so the whole group is refused
      await expect(
        store.commit([write('p1', 2, { upserts: [node('z', null)] }), write('p1', 1)]),
      ).rejects.toThrow();
      const loaded = (await store.loadProject('p1'))!;
      expect(loaded.row.revision).toBe(1);
      expect(loaded.nodes.map((n) => n.id)).toEqual(['r']);
      expect(loaded.history.map((e) => e.revision)).toEqual([1]);
    });

    it('[STO10] a revision that does not follow the stored one is refused as a conflict, changing nothing', async () => {
      await store.createProject({ row: row('p1'), nodes: [], history: [] });
      await store.commit([write('p1', 1)]);
      await expect(store.commit([write('p1', 3)])).rejects.toMatchObject({ code: 'REVISION_CONFLICT' });
      await expect(store.commit([write('p1', 2), write('p1', 4)])).rejects.toMatchObject({
        code: 'REVISION_CONFLICT',
      });
      expect(await store.currentRevision('p1')).toBe(1);
      expect((await store.loadProject('p1'))!.history.map((e) => e.revision)).toEqual([1]);
    });

    it('[STO4] projects are listed newest change first, renamed and deleted', async () => {
      await store.createProject({ row: row('p1'), nodes: [], history: [] });
      await store.createProject({ row: row('p2', { updated_at: at(5) }), nodes: [], history: [] });
      expect((await store.listProjects()).map((p) => p.id)).toEqual(['p2', 'p1']);
      expect(await store.renameProject('p1', 'Renamed', at(9))).toBe(true);
      expect(await store.renameProject('nope', 'x', at(9))).toBe(false);
      expect((await store.listProjects())[0]).toMatchObject({ id: 'p1', name: 'Renamed' });
      expect(await store.deleteProject('p1')).toBe(true);
      expect(await store.deleteProject('p1')).toBe(false);
      expect(await store.loadProject('p1')).toBeUndefined();
      expect((await store.listProjects()).map((p) => p.id)).toEqual(['p2']);
    });

    it('[STO5] a commit with a history floor drops the entries below it in the same transaction', async () => {
      await store.createProject({ row: row('p1'), nodes: [], history: [] });
      await store.commit([write('p1', 1), write('p1', 2)]);
      await store.commit([
        { ...write('p1', 3), history_floor: 3 },
        { ...write('p1', 4), history_floor: 2 },
      ]);
      expect((await store.loadProject('p1'))!.history.map((e) => e.revision)).toEqual([3, 4]);
      // a refused commit drops nothing
      await expect(store.commit([{ ...write('p1', 9), history_floor: 5 }])).rejects.toBeInstanceOf(
        RevisionConflictError,
      );
      expect((await store.loadProject('p1'))!.history.map((e) => e.revision)).toEqual([3, 4]);
    });

    it('[STO6] sessions are saved, touched, listed and deleted', async () => {
      await store.saveSession({
        session_id: 's1',
        project_id: null,
        created_at: at(0),
        last_activity: at(0),
      });
      await store.saveSession({
        session_id: 's2',
        project_id: 'p1',
        created_at: at(1),
        last_activity: at(1),
      });
      await store.saveSession({
        session_id: 's1',
        project_id: 'p9',
        created_at: at(0),
        last_activity: at(2),
      });
      await store.touchSessions(['s2'], at(7));
      expect(await store.listSessions()).toEqual([
        { session_id: 's1', project_id: 'p9', created_at: at(0), last_activity: at(2) },
        { session_id: 's2', project_id: 'p1', created_at: at(1), last_activity: at(7) },
      ]);
      await store.deleteSessions(['s1']);
      expect((await store.listSessions()).map((s) => s.session_id)).toEqual(['s2']);
    });

    it('[STO7] uploaded templates are kept and replaced by id', async () => {
      await store.saveTemplate('b', 'name: B');
      await store.saveTemplate('a', 'name: A');
      await store.saveTemplate('b', 'name: B2');
      expect(await store.listTemplates()).toEqual([
        { id: 'a', source: 'name: A' },
        { id: 'b', source: 'name: B2' },
      ]);
    });

    it('[STO9] entries since a revision, the current revision and one session are read back', async () => {
      await store.createProject({ row: row('p1'), nodes: [], history: [] });
      await store.commit([write('p1', 1), write('p1', 2), write('p1', 3)]);
      expect((await store.loadEntriesSince('p1', 1)).map((e) => e.revision)).toEqual([2, 3]);
      expect(await store.loadEntriesSince('p1', 3)).toEqual([]);
      expect(await store.currentRevision('p1')).toBe(3);
      expect(await store.currentRevision('nope')).toBeUndefined();
      await store.saveSession({
        session_id: 's1',
        project_id: 'p1',
        created_at: at(0),
        last_activity: at(1),
      });
      expect(await store.getSession('s1')).toEqual({
        session_id: 's1',
        project_id: 'p1',
        created_at: at(0),
        last_activity: at(1),
      });
      expect(await store.getSession('s2')).toBeUndefined();
      expect((await store.findSessionByProject('p1'))?.session_id).toBe('s1');
      expect(await store.findSessionByProject('p2')).toBeUndefined();
    });

    if (reopen) {
      it('[STO8] everything committed survives reopening the store', async () => {
        await store.createProject({ row: row('p1'), nodes: [node('r', null)], history: [] });
        await store.commit([write('p1', 1, { upserts: [node('r', null, [], { name: 'renamed' })] })]);
        await store.saveSession({
          session_id: 's1',
          project_id: 'p1',
          created_at: at(0),
          last_activity: at(0),
        });
        store = await reopen(store);
        const loaded = (await store.loadProject('p1'))!;
        expect(loaded.row.revision).toBe(1);
        expect(loaded.nodes[0]!.name).toBe('renamed');
        expect((await store.listSessions()).map((s) => s.session_id)).toEqual(['s1']);
      });
    }
  });
}
