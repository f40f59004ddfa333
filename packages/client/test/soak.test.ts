/**
 * Soak: 20 mirrors make random valid changes (create, rename, move, delete, undo) for a bounded time while
 * their connections are cut at random. Once everything has settled, every mirror equals the server's
 * graph, applied every revision exactly once and in order, and every acknowledged command is in the
 * history exactly once.
 */
import { createClient, type NodeRecord, type ProjectMirror, TalusError } from '@talus/client';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/test/prng.js';
import {
  createProject,
  cut,
  expectInSync,
  historyIds,
  record,
  startServer,
  type TestServer,
} from './support.js';

const MIRRORS = 20;
/** The soak runs at least this long, and until enough happened (a slow machine runs it longer)... */
const DURATION_MS = 10_000;
const ENOUGH = { acknowledged: 300, cuts: 20 };
/** ...but never longer than this. */
const MAX_DURATION_MS = 60_000;

/** A small seeded generator, so that a failing run can be repeated with its seed. */
function rng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T | undefined => xs[Math.floor(next() * xs.length)],
  };
}
type Rng = ReturnType<typeof rng>;

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function allNodes(m: ProjectMirror): NodeRecord[] {
  const out: NodeRecord[] = [];
  const visit = (id: string) => {
    const n = m.getNode(id);
    if (!n) return;
    out.push(n);
    for (const c of n.children) visit(c);
  };
  for (const r of m.roots()) visit(r);
  return out;
}

function isInside(m: ProjectMirror, id: string, ancestor: string): boolean {
  for (let cur: string | null = id; cur !== null; cur = m.getNode(cur)?.parent_id ?? null) {
    if (cur === ancestor) return true;
  }
  return false;
}

/** One random change that is valid for the mirror's graph as it is now (others may still win the race). */
function randomChange(
  m: ProjectMirror,
  r: Rng,
  allowed: Map<string, string[]>,
  rootId: string,
): Promise<{ command_id: string }> {
  const nodes = allNodes(m);
  const nonRoot = nodes.filter((n) => n.id !== rootId);
  const roll = r.int(100);
  if (roll < 35 || nonRoot.length < 3) {
    const parent =
      r.pick(nodes.filter((n) => (allowed.get(n.blueprint_type_id) ?? []).length > 0)) ?? m.getNode(rootId)!;
    const type = r.pick(allowed.get(parent.blueprint_type_id) ?? [])!;
    return m.execute('CreateNode', {
      parent_id: parent.id,
      blueprint_type_id: type,
      name: `n${r.int(1e6)}`,
      index: r.int(4),
    });
  }
  const node = r.pick(nonRoot)!;
  if (roll < 60)
    return m.execute('UpdateProperty', {
      node_id: node.id,
      property_id: 'name',
      value: `renamed ${r.int(1e6)}`,
    });
  if (roll < 78) {
    const targets = nodes.filter(
      (p) =>
        (allowed.get(p.blueprint_type_id) ?? []).includes(node.blueprint_type_id) &&
        !isInside(m, p.id, node.id),
    );
    const target = r.pick(targets);
    if (target) return m.execute('MoveNode', { node_id: node.id, parent_id: target.id, index: r.int(5) });
  }
  if (roll < 90) return m.execute('DeleteNode', { node_id: node.id });
  return r.next() < 0.5 ? m.undo({ scope: 'mine' }) : m.undo();
}

describe('soak', () => {
  it('[SDK5] 20 mirrors changing at random while connections are cut at random all end equal to the server', async () => {
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
    const server: TestServer = await startServer({ rateLimitPerMin: 1_000_000, socketEventsPerSec: 100_000 });
    cleanups.push(() => server.close());
    const { projectId, rootId } = await createProject(server);
    const admin = createClient({ url: server.base, name: 'admin' });
    cleanups.push(() => admin.close());
    const schema = await admin.templateSchema('festival');
    const allowed = new Map(schema.node_types.map((t) => [t.id, t.allowed_children]));

    const clients = Array.from({ length: MIRRORS }, (_, i) =>
      createClient({ url: server.base, name: `user${i}`, reconnect: { initialDelayMs: 20 } }),
    );
    cleanups.push(() => {
      for (const c of clients) c.close();
    });
    // half of them join unbatched (one socket event per graph event)
    const mirrors = await Promise.all(
      clients.map((c, i) => c.openProject(projectId, { batched: i % 2 === 0 })),
    );
    const recorders = mirrors.map(record);

    const acknowledged: string[] = [];
    const refused = new Map<string, number>();
    let cuts = 0;
    const started = Date.now();
    const running = () => {
      const elapsed = Date.now() - started;
      const enough = acknowledged.length >= ENOUGH.acknowledged && cuts >= ENOUGH.cuts;
      return elapsed < MAX_DURATION_MS && (elapsed < DURATION_MS || !enough);
    };
    const workers = mirrors.map(async (m, i) => {
      const r = rng(seed * 31 + i);
      while (running()) {
        try {
          const answer = await randomChange(m, r, allowed, rootId);
          acknowledged.push(answer.command_id);
        } catch (err) {
          if (!(err instanceof TalusError)) throw err;
          // races with the others: refused changes change nothing
          refused.set(err.code, (refused.get(err.code) ?? 0) + 1);
        }
        await new Promise((res) => setTimeout(res, r.int(25)));
      }
    });
    const chaos = (async () => {
      const r = rng(seed);
      while (running()) {
        await new Promise((res) => setTimeout(res, 20 + r.int(150)));
        if (cut(server, r.pick(mirrors)!)) cuts++;
      }
    })();
    await Promise.all([...workers, chaos]);

    const graph = await expectInSync(admin, mirrors[0]!);
    for (const m of mirrors) await expectInSync(admin, m);
    for (const m of mirrors) expect(m.pendingCommands).toBe(0);

    const ids = await historyIds(admin, projectId);
    expect(ids).toHaveLength(graph.revision);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const id of acknowledged) expect(counts.get(id), `command ${id}`).toBe(1);
    expect(acknowledged.length).toBe(graph.revision);

    for (const rec of recorders) expect(rec.errors).toEqual([]);
    expect(refused.get('TIMEOUT') ?? 0).toBe(0);
    expect(refused.get('INTERNAL') ?? 0).toBe(0);
    expect(cuts).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(0);
    console.info(
      `soak seed ${seed}: ${acknowledged.length} acknowledged, refused ${JSON.stringify(Object.fromEntries(refused))}, ` +
        `${cuts} cuts, ${recorders.reduce((n, r) => n + r.resyncs.length, 0)} resyncs, ${Date.now() - started} ms`,
    );
  }, 240_000);
});
