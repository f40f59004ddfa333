import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pgMigrations } from '../src/store/migrations/pg.js';
import { PgStore, RevisionConflictError } from '../src/store/pg-store.js';
import { freshSchema, PG_TEST_URL, pgAvailable, pgQuery, pgStores } from './pg-helpers.js';
import { at, entry, node, row, storeContract, write } from './store-contract.js';

const available = await pgAvailable();

const stores = pgStores();

if (!available) {
  describe.skip('store contract: postgres (PostgreSQL unavailable, see the message above)', () => {
    it('needs PostgreSQL', () => {});
  });
} else {
  afterAll(async () => {
    await stores.dropAll();
  });

  storeContract('postgres', stores.make, stores.reopen);

  describe('PgStore', () => {
    const open: PgStore[] = [];
    async function store(schema = freshSchema()): Promise<PgStore> {
      const s = await stores.openOn(schema);
      open.push(s);
      return s;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('[PG1] two stores committing the same revision: exactly one wins, the other changes nothing', async () => {
      const schema = freshSchema();
      const a = await store(schema);
      const b = await store(schema);
      await a.createProject({ row: row('p1'), nodes: [node('r', null)], history: [] });
      for (let rev = 1; rev <= 20; rev++) {
        const results = await Promise.allSettled([
          a.commit([
            write('p1', rev, {
              entry: entry(rev, { command_id: `a-${rev}` }),
              upserts: [node(`a${rev}`, 'r')],
            }),
          ]),
          b.commit([
            write('p1', rev, {
              entry: entry(rev, { command_id: `b-${rev}` }),
              upserts: [node(`b${rev}`, 'r')],
            }),
          ]),
        ]);
        const won = results.findIndex((r) => r.status === 'fulfilled');
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results[1 - won]!;
        expect(lost.status).toBe('rejected');
        expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(RevisionConflictError);
        const winner = won === 0 ? 'a' : 'b';
        const loser = won === 0 ? 'b' : 'a';
        const loaded = (await b.loadProject('p1'))!;
        expect(loaded.row.revision).toBe(rev);
        expect(loaded.history.at(-1)!.command_id).toBe(`${winner}-${rev}`);
        const ids = new Set(loaded.nodes.map((n) => n.id));
        expect(ids.has(`${winner}${rev}`)).toBe(true);
        expect(ids.has(`${loser}${rev}`)).toBe(false);
      }
      expect((await a.loadProject('p1'))!.history.map((e) => e.revision)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it('[PG2] writers that catch up and retry after a conflict leave a gap-free history with none lost', async () => {
      const schema = freshSchema();
      const writers = [await store(schema), await store(schema), await store(schema)];
      await writers[0]!.createProject({ row: row('p1'), nodes: [], history: [] });
      const perWriter = 15;
      let conflicts = 0;
      await Promise.all(
        writers.map(async (s, w) => {
          for (let i = 0; i < perWriter; i++) {
            for (;;) {
              const base = (await s.currentRevision('p1'))!;
              const rev = base + 1;
              try {
                await s.commit([
                  write('p1', rev, {
                    entry: entry(rev, { command_id: `w${w}-${i}` }),
                    upserts: [node(`w${w}-${i}`, null)],
                  }),
                ]);
                break;
              } catch (err) {
                expect(err).toBeInstanceOf(RevisionConflictError);
                conflicts++;
                expect((await s.loadEntriesSince('p1', base)).length).toBeGreaterThan(0);
              }
            }
          }
        }),
      );
      const loaded = (await writers[1]!.loadProject('p1'))!;
      const total = writers.length * perWriter;
      expect(loaded.row.revision).toBe(total);
      expect(loaded.history.map((e) => e.revision)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(new Set(loaded.history.map((e) => e.command_id)).size).toBe(total);
      expect(loaded.nodes).toHaveLength(total);
      console.info(`[PG2] ${total} revisions by ${writers.length} writers, ${conflicts} conflicts retried`);
    });

    it('[PG11] groups over the same projects in opposite orders do not deadlock', async () => {
      const schema = freshSchema();
      const a = await store(schema);
      const b = await store(schema);
      for (const id of ['p1', 'p2']) await a.createProject({ row: row(id), nodes: [], history: [] });
      for (let rev = 1; rev <= 20; rev++) {
        const results = await Promise.allSettled([
          a.commit([write('p1', rev), write('p2', rev)]),
          b.commit([write('p2', rev), write('p1', rev)]),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RevisionConflictError);
        }
      }
      expect(await b.currentRevision('p1')).toBe(20);
      expect(await b.currentRevision('p2')).toBe(20);
    });

    it('[PG3] a stale writer is refused even when the history rows it would collide with were pruned', async () => {
      const s = await store();
      await s.createProject({ row: row('p1'), nodes: [node('r', null)], history: [] });
      await s.commit([write('p1', 1), write('p1', 2), { ...write('p1', 3), history_floor: 3 }]);
      await expect(s.commit([write('p1', 2, { upserts: [node('z', null)] })])).rejects.toBeInstanceOf(
        RevisionConflictError,
      );
      const loaded = (await s.loadProject('p1'))!;
      expect(loaded.row.revision).toBe(3);
      expect(loaded.nodes.map((n) => n.id)).toEqual(['r']);
      expect(loaded.history.map((e) => e.revision)).toEqual([3]);
      await expect(s.commit([write('gone', 1)])).rejects.toThrow(/gone/);
    });

    it('[PG4] the (project_id, revision) primary key refuses a stored revision and rolls the commit back', async () => {
      const s = await store();
      // a project header behind its history: only the primary key stands in the way
      await s.createProject({ row: row('p1'), nodes: [node('r', null)], history: [entry(1)] });
      const err = await s
        .commit([write('p1', 1, { upserts: [node('z', null)], roots: ['z'] })])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RevisionConflictError);
      const loaded = (await s.loadProject('p1'))!;
      expect(loaded.row.revision).toBe(0);
      expect(loaded.row.roots).toEqual(['r']);
      expect(loaded.nodes.map((n) => n.id)).toEqual(['r']);
      expect(loaded.history).toEqual([entry(1)]);
    });

    it('[PG5] loadEntriesSince and currentRevision serve catch-up', async () => {
      const s = await store();
      expect(await s.currentRevision('p1')).toBeUndefined();
      await s.createProject({ row: row('p1'), nodes: [], history: [] });
      expect(await s.currentRevision('p1')).toBe(0);
      await s.commit([write('p1', 1), write('p1', 2)]);
      await s.commit([write('p1', 3)]);
      expect(await s.currentRevision('p1')).toBe(3);
      expect((await s.loadEntriesSince('p1', 1)).map((e) => e.revision)).toEqual([2, 3]);
      expect(await s.loadEntriesSince('p1', 3)).toEqual([]);
      expect(await s.loadEntriesSince('p1', 0)).toEqual([entry(1), entry(2), entry(3)]);
      expect(await s.loadEntriesSince('nope', 0)).toEqual([]);
    });

    it('[PG6] a group is applied as if revision by revision: node upsert then delete, undo of an entry in the same group, several projects', async () => {
      const s = await store();
      await s.createProject({ row: row('p1'), nodes: [node('r', null)], history: [] });
      await s.createProject({ row: row('p2'), nodes: [node('r', null)], history: [] });
      await s.commit([
        write('p1', 1, { upserts: [node('a', 'r'), node('b', 'r')] }),
        write('p2', 1, { upserts: [node('c', 'r')], roots: ['r', 'c'] }),
        write('p1', 2, { deletes: ['a'], upserts: [node('b', 'r', [], { name: 'B' })] }),
        write('p1', 3, {
          entry: entry(3, { kind: 'undo', command_type: 'Undo', undone_command_id: 'cmd-2' }),
          target: entry(2, { status: 'undone', undone_at: 3 }),
          upserts: [node('a', 'r')],
        }),
        write('p1', 4, {
          entry: entry(4, { kind: 'redo', command_type: 'Redo' }),
          target: entry(2, { status: 'applied', applied_at: 4 }),
          deletes: ['a'],
        }),
      ]);
      const p1 = (await s.loadProject('p1'))!;
      expect(p1.row.revision).toBe(4);
      expect(p1.row.updated_at).toBe(at(4));
      expect(p1.row.roots).toEqual(['r']);
      expect(p1.nodes.map((n) => [n.id, n.name])).toEqual([
        ['b', 'B'],
        ['r', 'r'],
      ]);
      expect(p1.history.map((e) => e.revision)).toEqual([1, 2, 3, 4]);
      expect(p1.history[1]).toMatchObject({ status: 'applied', applied_at: 4 });
      const p2 = (await s.loadProject('p2'))!;
      expect(p2.row).toMatchObject({ revision: 1, roots: ['r', 'c'] });
      expect(p2.nodes.map((n) => n.id)).toEqual(['c', 'r']);
      // a target stored by an earlier commit is updated in place
      await s.commit([
        write('p1', 5, {
          entry: entry(5, { kind: 'undo', command_type: 'Undo' }),
          target: entry(4, { kind: 'redo', command_type: 'Redo', status: 'undone', undone_at: 5 }),
        }),
      ]);
      expect((await s.loadEntriesSince('p1', 3))[0]).toMatchObject({ revision: 4, status: 'undone' });
    });

    it('[PG7] JSON documents come back equal: unicode, nesting, numbers, nulls', async () => {
      const s = await store();
      const odd = node('n', null, [], {
        name: 'Ünïcødé ✓ 🚀 "quoted" \\ back',
        properties: { cost: 12.75, big: 2 ** 53 - 1, neg: -3, list: [1, 'two', null, { deep: [true] }] },
        metadata: { nested: { a: { b: { c: 'd' } } } },
      });
      await s.createProject({
        row: row('p1', { extras: { 'key with spaces': [] } }),
        nodes: [odd],
        history: [],
      });
      const loaded = (await s.loadProject('p1'))!;
      expect(loaded.nodes).toEqual([odd]);
      expect(loaded.row.extras).toEqual({ 'key with spaces': [] });
    });

    it('[PG8] migrations are recorded, run once, also when two processes start at once', async () => {
      const schema = freshSchema();
      const [a, b] = await Promise.all([store(schema), store(schema)]);
      const all = Object.keys(pgMigrations).sort();
      expect([...a.migrated, ...b.migrated]).toEqual(all);
      const applied = await pgQuery<{ name: string }>(
        `SELECT name FROM ${schema}.kysely_migration ORDER BY name`,
      );
      expect(applied.map((r) => r.name)).toEqual(all);
      const again = await store(schema);
      expect(again.migrated).toEqual([]);
      expect(again.schema).toBe(schema);
    });

    it('[PG9] a database migrated by a newer server is refused', async () => {
      const schema = freshSchema();
      await (await store(schema)).close();
      await pgQuery(
        `INSERT INTO ${schema}.kysely_migration (name, timestamp) VALUES ('9999_future', '2030-01-01')`,
      );
      await expect(PgStore.open(PG_TEST_URL, { schema })).rejects.toThrow(/migration failed/);
    });

    it('[PG10] open refuses a bad schema name and an unreachable database', async () => {
      await expect(PgStore.open(PG_TEST_URL, { schema: 'x; DROP TABLE y' })).rejects.toThrow(
        /invalid schema/,
      );
      await expect(PgStore.open('postgres://postgres@127.0.0.1:1/test')).rejects.toThrow();
    });
  });
}
