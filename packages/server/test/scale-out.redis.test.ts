import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cluster,
  clusterServices,
  dropCluster,
  newCluster,
  type ServerProcess,
  startProcess,
} from './cluster-helpers.js';
import { ack, call, command, connect, createProject, flatten, type TestSocket, waitFor } from './helpers.js';

const available = await clusterServices();

/** Revisions a socket saw closing, in arrival order. */
const closed = (s: TestSocket) =>
  s.received
    .filter((e) => ['command:executed', 'command:undo', 'command:redo'].includes(e.event))
    .map((e) => e.payload.revision);

describe.skipIf(!available)('scale-out: several processes on PostgreSQL and Redis', () => {
  let cluster: Cluster;
  let a: ServerProcess;
  let b: ServerProcess;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    cluster = await newCluster();
    a = await startProcess(cluster);
    b = await startProcess(cluster);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
    if (cluster) await dropCluster(cluster);
  });

  const join = async (server: ServerProcess, sessionId: string, name: string) => {
    const s = await connect(server, { name });
    sockets.push(s);
    expect(await ack(s, 'join_session', { session_id: sessionId })).toMatchObject({ ok: true });
    return s;
  };

  it('[SCALE1] concurrent commands through both processes get unique, gap-free revisions; every client sees all in order', async () => {
    const { sessionId, rootId, projectId } = await createProject(a);
    expect((await call(b, 'POST', `/projects/${projectId}/open`)).body.session_id).toBe(sessionId);
    const onA = await join(a, sessionId, 'Ann');
    const onB = await join(b, sessionId, 'Ben');
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        command(
          i % 2 ? a : b,
          sessionId,
          'CreateNode',
          { parent_id: rootId, blueprint_type_id: 'area', name: `n${i}` },
          { command_id: `scale1-${i}` },
        ),
      ),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const revisions = answers.map((r) => r.body.revision as number).sort((x, y) => x - y);
    expect(revisions).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const s of [onA, onB]) {
      await waitFor(s, 'command:executed', (p) => p.revision === 60, 15_000);
      expect(closed(s)).toEqual(revisions);
    }
    const history = (await call(a, 'GET', `/projects/${projectId}/history?limit=1000`)).body.history;
    expect(new Set(history.map((e: any) => e.command_id))).toEqual(
      new Set(answers.map((r) => r.body.command_id)),
    );
    const [ga, gb] = [
      await call(a, 'GET', `/projects/${projectId}`),
      await call(b, 'GET', `/projects/${projectId}`),
    ];
    expect(gb.body).toEqual(ga.body);
    expect(flatten(ga.body.graph).size).toBe(61);
  });

  it('[SCALE2] presence, active clients and idempotent command ids hold across processes', async () => {
    const { sessionId, rootId, projectId } = await createProject(b);
    const onA = await join(a, sessionId, 'Ann');
    const onB = await join(b, sessionId, 'Ben');
    expect((await call(a, 'GET', `/sessions/${sessionId}/info`)).body.active_clients).toBe(2);
    await ack(onB, 'presence', { session_id: sessionId, selected_node_id: rootId });
    await waitFor(
      onA,
      'presence',
      (p) => p.clients.some((c: any) => c.user.name === 'Ben' && c.selected_node_id === rootId),
      15_000,
    );
    const data = { parent_id: rootId, blueprint_type_id: 'stage', name: 'Once' };
    const first = await command(a, sessionId, 'CreateNode', data, { command_id: 'scale2-once' });
    const again = await command(b, sessionId, 'CreateNode', data, { command_id: 'scale2-once' });
    expect(again.body.revision).toBe(first.body.revision);
    expect(again.body.node_id).toBe(first.body.node_id);
    const g = flatten((await call(b, 'GET', `/projects/${projectId}`)).body.graph);
    expect([...g.values()].filter((n) => n.name === 'Once')).toHaveLength(1);
    onB.close();
    await waitFor(
      onA,
      'session:disconnected',
      (p) => p.user.name === 'Ben' && p.active_clients === 1,
      15_000,
    );
  });

  it('[SCALE3] a process killed under load: its clients move to the other, catch up, and nothing acknowledged is lost', async () => {
    const c = await startProcess(cluster);
    const { sessionId, rootId, projectId } = await createProject(a);
    const watcher = await join(c, sessionId, 'Watcher');
    const acked: Array<{ command_id: string; revision: number }> = [];
    let stop = false;
    const load = (server: ServerProcess, tag: string) =>
      (async () => {
        for (let i = 0; !stop; i++) {
          const r = await command(
            server,
            sessionId,
            'CreateNode',
            { parent_id: rootId, blueprint_type_id: 'area', name: `${tag}${i}` },
            { command_id: `${tag}-${i}` },
          ).catch(() => null);
          if (r?.status === 200) acked.push({ command_id: r.body.command_id, revision: r.body.revision });
          else if (server === c) return; // the killed process refuses or drops the connection
        }
      })();
    const loops = [load(a, 'a'), load(c, 'c'), load(a, 'x')];
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 10));
    await c.kill('SIGKILL');
    const lastSeen = Math.max(0, ...closed(watcher));
    while (acked.length < 80) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await Promise.all(loops);
    // the watcher fails over to another process and catches up from the last revision it saw
    const moved = await connect(b, { name: 'Watcher' });
    sockets.push(moved);
    const rejoined = await ack(moved, 'join_session', { session_id: sessionId, since_revision: lastSeen });
    const current = (await call(b, 'GET', `/sessions/${sessionId}/info`)).body.revision;
    expect(rejoined).toMatchObject({ ok: true, revision: current });
    const replayed = moved.received
      .filter((e) => e.event === 'command:executed')
      .map((e) => e.payload.revision);
    expect([...closed(watcher).filter((r) => r <= lastSeen), ...replayed]).toEqual(
      Array.from({ length: current }, (_, i) => i + 1),
    );
    const history = (await call(a, 'GET', `/projects/${projectId}/history?limit=1000`)).body.history;
    const stored = new Map(history.map((e: any) => [e.command_id, e.revision]));
    for (const x of acked) expect(stored.get(x.command_id)).toBe(x.revision);
    expect(history.map((e: any) => e.revision)).toEqual(
      Array.from({ length: current }, (_, i) => current - i),
    );
  });
});
