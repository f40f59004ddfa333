import { createClient, type ProjectMirror, type TalusClient } from '@talus/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/test/prng.js';
import {
  type Cluster,
  clusterServices,
  dropCluster,
  newCluster,
  type ServerProcess,
  startProcess,
} from './cluster-helpers.js';
import { call, flatten } from './helpers.js';

const available = await clusterServices();

const SEED = Number(process.env.SCALE_SEED ?? Date.now() % 100000);
/** A value with object keys sorted (PostgreSQL's JSONB does not keep key order). */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sorted(x)]),
    );
  return v;
}

async function settled(mirror: ProjectMirror, revision: number) {
  const t0 = Date.now();
  while (mirror.revision < revision || mirror.state !== 'live') {
    if (Date.now() - t0 > 30_000)
      throw new Error(`mirror stuck at ${mirror.revision}/${revision} (${mirror.state})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!available)('scale-out with the SDK: fail-over and restarts', () => {
  let cluster: Cluster;
  const procs: ServerProcess[] = [];
  const clients: TalusClient[] = [];

  beforeAll(async () => {
    cluster = await newCluster();
    for (let i = 0; i < 3; i++) procs.push(await startProcess(cluster));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    if (cluster) await dropCluster(cluster);
  });

  it(`[SCALE4] 20 mirrors over 3 processes restarted at random end equal to the store, history gap-free (seed ${SEED})`, {
    timeout: 150_000,
  }, async () => {
    const random = mulberry32(SEED);
    const admin = createClient({ url: procs[0]!.base, name: 'admin' });
    clients.push(admin);
    const created = await admin.createProject({ template_id: 'festival', project_name: 'Soak' });
    const projectId = created.project_id;
    const rootId = created.graph.roots[0]!.id;
    const mirrors: ProjectMirror[] = [];
    for (let i = 0; i < 20; i++) {
      // each client prefers one process and fails over to the others
      const urls = [0, 1, 2].map((k) => procs[(i + k) % 3]!.base);
      const client = createClient({
        urls,
        name: `user${i}`,
        reconnect: { initialDelayMs: 50, maxDelayMs: 1000 },
      });
      clients.push(client);
      mirrors.push(await client.openProject(projectId));
    }
    const acked = new Map<string, number>();
    let stop = false;
    const worker = async (m: ProjectMirror) => {
      while (!stop) {
        const areas = [...flatten(m.toTree() as any).values()].filter((n) => n.blueprint_type_id === 'area');
        const pick = areas[Math.floor(random() * areas.length)];
        const r = random();
        const run =
          r < 0.5 || !pick
            ? m.execute('CreateNode', {
                parent_id: rootId,
                blueprint_type_id: 'area',
                name: `a${Math.floor(random() * 1e6)}`,
              })
            : r < 0.85
              ? m.execute('UpdateProperty', {
                  node_id: pick.id,
                  property_id: 'surface_m2',
                  value: Math.floor(random() * 1000),
                })
              : m.undo({ scope: 'mine' });
        try {
          const answer = await run;
          acked.set(answer.command_id, answer.revision);
        } catch {
          // refused (a conflict, or the node went away meanwhile): fine for a soak
        }
      }
    };
    const workers = mirrors.map(worker);
    // restart processes at random while the clients work, for a bounded time
    const deadline = Date.now() + 10_000;
    let restarts = 0;
    const cap = Date.now() + 40_000;
    while ((Date.now() < deadline || restarts < 3) && Date.now() < cap) {
      await new Promise((r) => setTimeout(r, 800 + random() * 800));
      const k = Math.floor(random() * procs.length);
      const old = procs[k]!;
      await old.kill(random() < 0.5 ? 'SIGKILL' : 'SIGTERM');
      procs[k] = await startProcess(cluster, old.port);
      restarts++;
    }
    stop = true;
    await Promise.all(workers);
    const info = await call(procs[0]!, 'GET', `/projects/${projectId}`);
    const revision = info.body.revision as number;
    for (const m of mirrors) await settled(m, revision);
    const expected = flatten(info.body.graph);
    for (const m of mirrors) {
      const got = flatten(m.toTree() as any);
      const diffs = [...expected.keys()].filter(
        (id) => JSON.stringify(sorted(got.get(id))) !== JSON.stringify(sorted(expected.get(id))),
      );
      if (diffs.length > 0)
        console.log(
          'DIFF',
          JSON.stringify(got.get(diffs[0]!)),
          '\nEXPECTED',
          JSON.stringify(expected.get(diffs[0]!)),
        );
      expect(diffs).toEqual([]);
      expect(got.size).toBe(expected.size);
    }
    const history: any[] = [];
    for (let before: number | null = null; ; ) {
      const page = await call(
        procs[1]!,
        'GET',
        `/projects/${projectId}/history?limit=1000${before ? `&before=${before}` : ''}`,
      );
      history.push(...page.body.history);
      before = page.body.next_before;
      if (before === null) break;
    }
    expect(history.map((e) => e.revision)).toEqual(Array.from({ length: revision }, (_, i) => revision - i));
    const stored = new Map(history.map((e) => [e.command_id, e.revision]));
    for (const [commandId, rev] of acked) expect(stored.get(commandId)).toBe(rev);
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect(acked.size).toBeGreaterThan(50);
  });
});
