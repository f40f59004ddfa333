/**
 * Durability of the real server process (PRODUCT.md section 8, section 12 on SIGTERM): the server runs as a
 * child process (`serve()` of src/main.ts through test/child-server.ts, on the TypeScript sources, so a clean
 * clone needs no build), with its SQLite store in a temporary folder. Many clients command it concurrently
 * over REST and Socket.IO; the process is killed with SIGKILL mid-stream (or stopped with SIGTERM), started
 * again on the same folder, and everything that was acknowledged must be there, exactly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  ack,
  CONFORMANCE_TEMPLATES,
  call,
  connect,
  createProject,
  flatten,
  type TestSocket,
} from './helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./child-server.ts', import.meta.url));

// ---- the child process ------------------------------------------------------------------------------------

interface Child {
  proc: ChildProcess;
  base: string;
  api: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote (for failure messages). */
  output: () => string;
}

const children = new Set<Child>();
/** How long each start took, to tell a slow machine from a slow test. */
const startups: number[] = [];
const dataDirs: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'talus-durability-'));
  dataDirs.push(dir);
  return dir;
}

async function launch(dataDir: string, port: number): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: REPO,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      TALUS_HOST: '127.0.0.1',
      TALUS_PORT: String(port),
      TALUS_DATA_DIR: dataDir,
      TALUS_AUTH: 'off',
      TALUS_TEMPLATES_DIR: CONFORMANCE_TEMPLATES,
      TALUS_LOG_LEVEL: 'warn',
      // the test drives far more traffic than one user normally would
      TALUS_RATE_LIMIT_PER_MIN: '1000000',
      TALUS_SOCKET_EVENTS_PER_SEC: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const base = `http://127.0.0.1:${port}`;
  const child: Child = { proc, base, api: `${base}/api/v1`, exited, output: () => out };
  children.add(child);
  void exited.then(() => children.delete(child));

  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  const t0 = Date.now();
  while (!dead) {
    try {
      const res = await fetch(`${child.api}/health`);
      if (res.status === 200) {
        startups.push(Date.now() - t0);
        return child;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 30_000) {
      proc.kill('SIGKILL');
      throw new Error(`the server did not start within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw Object.assign(new Error(`the server exited while starting:\n${out}`), {
    addressInUse: /EADDRINUSE/.test(out),
  });
}

/** Start the server on a free port with `dataDir` as TALUS_DATA_DIR; resolves once /health answers 200. */
async function startChild(dataDir: string): Promise<Child> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await launch(dataDir, await freePort());
    } catch (e) {
      // another process may take the port between our probe and the child's listen: try another
      if (attempt < 3 && (e as { addressInUse?: boolean }).addressInUse) continue;
      throw e;
    }
  }
}

async function kill9(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  const { signal } = await child.exited;
  expect(signal).toBe('SIGKILL');
}

afterEach(async () => {
  for (const c of [...children]) {
    c.proc.kill('SIGKILL');
    await c.exited;
  }
});

afterAll(() => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

// ---- the command stream -------------------------------------------------------------------------------------

interface Sent {
  command_id: string;
  command_type: 'CreateNode' | 'UpdateProperty';
  data: Record<string, unknown>;
  actor: string;
  /** Set when the server acknowledged it: the revision it answered. */
  revision?: number;
  /** The request was on its way or awaiting its answer when the stream stopped. */
  unanswered?: boolean;
}

interface StreamOptions {
  api: string;
  base: string;
  sessionId: string;
  rootId: string;
  restWorkers: number;
  socketWorkers: number;
  /** Called once, synchronously, when this many commands have been acknowledged. */
  after: number;
  onThreshold: () => void;
}

interface StreamResult {
  sent: Map<string, Sent>;
  acked: Sent[];
  /** Requests awaiting their answer at the moment `onThreshold` ran. */
  inFlightAtThreshold: number;
  /** Refusals or odd answers received before the threshold (there should be none). */
  unexpected: string[];
}

/**
 * Concurrent clients, each in a loop: create a stage under the root (with a node id chosen here), set its
 * capacity, set the root's expected attendance (a property every client writes). Every command has an id
 * chosen here. The loops end when the server stops answering.
 */
async function runStream(o: StreamOptions): Promise<StreamResult> {
  const sent = new Map<string, Sent>();
  const acked: Sent[] = [];
  const unexpected: string[] = [];
  let inFlight = 0;
  let inFlightAtThreshold = -1;
  let thresholdReached = false;

  const plan = (worker: string, i: number, own: string | null): Sent => {
    const command_id = `${worker}-${i}`;
    if (i % 3 === 0 || own === null) {
      return {
        command_id,
        command_type: 'CreateNode',
        data: {
          parent_id: o.rootId,
          blueprint_type_id: 'stage',
          name: `Stage ${worker}-${i}`,
          node_id: randomUUID(),
        },
        actor: worker,
      };
    }
    if (i % 3 === 1) {
      return {
        command_id,
        command_type: 'UpdateProperty',
        data: { node_id: own, property_id: 'capacity', value: i },
        actor: worker,
      };
    }
    const value = Number(`${worker.length}${i}`) + Math.floor(Math.random() * 1000);
    return {
      command_id,
      command_type: 'UpdateProperty',
      data: { node_id: o.rootId, property_id: 'expected_attendance', value },
      actor: worker,
    };
  };

  const acknowledged = (s: Sent, answer: { revision?: unknown; command_id?: unknown }) => {
    if (typeof answer.revision !== 'number' || answer.command_id !== s.command_id) {
      unexpected.push(`${s.command_id}: odd answer ${JSON.stringify(answer).slice(0, 300)}`);
      return;
    }
    s.revision = answer.revision;
    acked.push(s);
    if (!thresholdReached && acked.length >= o.after) {
      thresholdReached = true;
      inFlightAtThreshold = inFlight;
      o.onThreshold();
    }
  };

  const restWorker = async (w: number) => {
    const worker = `rest${w}`;
    let own: string | null = null;
    for (let i = 0; ; i++) {
      const s = plan(worker, i, own);
      sent.set(s.command_id, s);
      s.unanswered = true;
      inFlight++;
      let r: Awaited<ReturnType<typeof call>>;
      try {
        r = await call(
          o,
          'POST',
          '/commands/execute',
          { session_id: o.sessionId, command_type: s.command_type, data: s.data, command_id: s.command_id },
          { 'x-talus-user': worker },
        );
      } catch {
        return; // the server is gone
      } finally {
        inFlight--;
      }
      if (r.status !== 200) {
        if (!thresholdReached)
          unexpected.push(`${s.command_id}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        return; // e.g. 503 while a graceful shutdown closes the server
      }
      s.unanswered = false;
      acknowledged(s, r.body);
      if (s.command_type === 'CreateNode') own = s.data.node_id as string;
    }
  };

  // the sockets join before any command is sent, so that both transports are in the stream from its start
  const sockets: TestSocket[] = await Promise.all(
    Array.from({ length: o.socketWorkers }, async (_, k) => {
      const socket = await connect(o, { name: `sock${k}` });
      const joined = await ack(socket, 'join_session', { session_id: o.sessionId });
      if (joined?.ok !== true) throw new Error(`join failed: ${JSON.stringify(joined)}`);
      return socket;
    }),
  );
  const socketWorker = async (k: number) => {
    const worker = `sock${k}`;
    const socket = sockets[k]!;
    let own: string | null = null;
    for (let i = 0; ; i++) {
      if (!socket.connected) return;
      const s = plan(worker, i, own);
      sent.set(s.command_id, s);
      s.unanswered = true;
      inFlight++;
      let answer: { ok?: unknown; revision?: unknown; command_id?: unknown };
      try {
        answer = await new Promise((resolve, reject) => {
          const gone = () => reject(new Error('disconnected'));
          socket.once('disconnect', gone);
          socket.timeout(15_000).emit(
            'execute_command',
            {
              session_id: o.sessionId,
              command_type: s.command_type,
              data: s.data,
              command_id: s.command_id,
            },
            (err: Error | null, res: { ok?: unknown }) => {
              socket.off('disconnect', gone);
              if (err) reject(err);
              else resolve(res);
            },
          );
        });
      } catch {
        return;
      } finally {
        inFlight--;
      }
      if (answer.ok !== true) {
        if (!thresholdReached) unexpected.push(`${s.command_id}: ${JSON.stringify(answer).slice(0, 300)}`);
        return;
      }
      s.unanswered = false;
      acknowledged(s, answer);
      if (s.command_type === 'CreateNode') own = s.data.node_id as string;
    }
  };

  try {
    await Promise.all([
      ...Array.from({ length: o.restWorkers }, (_, w) => restWorker(w)),
      ...Array.from({ length: o.socketWorkers }, (_, k) => socketWorker(k)),
    ]);
  } finally {
    for (const s of sockets) s.disconnect();
  }
  return { sent, acked, inFlightAtThreshold, unexpected };
}

// ---- reading back ---------------------------------------------------------------------------------------------

interface Entry {
  revision: number;
  kind: string;
  command_id: string;
  command_type: string;
  actor: { id: string; name: string };
  data: Record<string, any>;
  status?: string;
  undone_command_id?: string;
}

/** The whole history through `GET /projects/{id}/history`, page by page; checks the paging contract. */
async function readHistory(server: { api: string }, projectId: string, limit: number): Promise<Entry[]> {
  const newestFirst: Entry[] = [];
  let before: number | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const q: string = before === null ? `?limit=${limit}` : `?limit=${limit}&before=${before}`;
    const r = await call(server, 'GET', `/projects/${projectId}/history${q}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const page = r.body.history as Entry[];
    expect(page.length).toBeLessThanOrEqual(limit);
    for (const e of page) if (before !== null) expect(e.revision).toBeLessThan(before);
    newestFirst.push(...page);
    before = r.body.next_before as number | null;
    if (before === null) break;
    expect(before).toBe(page.at(-1)?.revision);
  }
  return newestFirst.reverse();
}

/**
 * Everything acknowledged is in the restarted server, exactly: same revisions, gap-free history, and a graph
 * that is the result of exactly the commands in that history.
 */
async function verifyRestored(
  server: { api: string },
  ids: { projectId: string; sessionId: string; rootId: string },
  stream: StreamResult,
): Promise<{ revision: number; history: Entry[] }> {
  const project = await call(server, 'GET', `/projects/${ids.projectId}`);
  expect(project.status).toBe(200);
  const revision = project.body.revision as number;

  const history = await readHistory(server, ids.projectId, 97);
  // gap-free 1..N, N the project's revision
  expect(history.map((e) => e.revision)).toEqual(Array.from({ length: revision }, (_, i) => i + 1));
  const byId = new Map(history.map((e) => [e.command_id, e]));
  expect(byId.size).toBe(history.length);

  // every acknowledged command is there, at the revision it was acknowledged with, as it was sent
  const maxAcked = Math.max(...stream.acked.map((s) => s.revision!));
  expect(revision).toBeGreaterThanOrEqual(maxAcked);
  const missing = stream.acked.filter((s) => byId.get(s.command_id)?.revision !== s.revision);
  expect(missing.map((s) => `${s.command_id}@${s.revision} → ${byId.get(s.command_id)?.revision}`)).toEqual(
    [],
  );
  // nothing in the history that no client sent, and each entry is what was sent
  for (const e of history) {
    const s = stream.sent.get(e.command_id);
    expect(s, `unknown entry ${e.command_id}`).toBeDefined();
    expect(e.kind).toBe('command');
    expect(e.command_type).toBe(s!.command_type);
    expect(e.data).toEqual(s!.data);
    expect(e.actor.id).toBe(s!.actor);
    // an entry whose answer never arrived was on its way when the stream stopped; all others were answered
    if (s!.revision === undefined) expect(s!.unanswered).toBe(true);
  }

  // the graph is exactly what the history says
  const graph = await call(server, 'GET', `/graph?session_id=${ids.sessionId}`);
  expect(graph.status).toBe(200);
  expect(graph.body.revision).toBe(revision);
  const nodes = flatten(graph.body as { roots: any[] });
  const root = nodes.get(ids.rootId);
  expect(root).toBeDefined();
  const created = history.filter((e) => e.command_type === 'CreateNode');
  // each CreateNode appended a stage to the root, in revision order
  expect(root.children).toEqual(created.map((e) => e.data.node_id));
  expect(nodes.size).toBe(1 + created.length);
  for (const e of created) {
    const n = nodes.get(e.data.node_id);
    expect(n?.blueprint_type_id).toBe('stage');
    expect(n?.name).toBe(e.data.name);
    expect(n?.parent_id).toBe(ids.rootId);
  }
  // a CreateNode that is not in the history left no node
  for (const s of stream.sent.values()) {
    if (s.command_type === 'CreateNode' && !byId.has(s.command_id))
      expect(nodes.has(s.data.node_id as string)).toBe(false);
  }
  // each property holds the value of the last write to it in the history ...
  const lastWrite = new Map<string, Entry>();
  for (const e of history) {
    if (e.command_type === 'UpdateProperty') lastWrite.set(`${e.data.node_id}/${e.data.property_id}`, e);
  }
  for (const [key, e] of lastWrite) {
    const [nodeId, prop] = key.split('/') as [string, string];
    expect(nodes.get(nodeId)?.properties[prop], key).toBe(e.data.value);
  }
  expect(root.properties.expected_attendance).toBe(
    lastWrite.get(`${ids.rootId}/expected_attendance`)?.data.value,
  );
  // ... so an acknowledged write is the value unless a later revision wrote the same property
  for (const s of stream.acked) {
    if (s.command_type !== 'UpdateProperty') continue;
    const key = `${s.data.node_id}/${s.data.property_id}`;
    if (lastWrite.get(key)!.revision === s.revision)
      expect(nodes.get(s.data.node_id as string)?.properties[s.data.property_id as string]).toBe(
        s.data.value,
      );
    else expect(lastWrite.get(key)!.revision).toBeGreaterThan(s.revision!);
  }
  for (const n of nodes.values()) {
    if (n.id !== ids.rootId && !lastWrite.has(`${n.id}/capacity`))
      expect(n.properties.capacity).toBeUndefined();
  }

  // the session survived too
  const info = await call(server, 'GET', `/sessions/${ids.sessionId}/info`);
  expect(info.status).toBe(200);
  expect(info.body).toMatchObject({
    session_id: ids.sessionId,
    project_id: ids.projectId,
    has_project: true,
    revision,
  });
  return { revision, history };
}

// ---- the tests ------------------------------------------------------------------------------------------------

describe('durability of the server process', () => {
  it('[DUR1] SIGKILL in the middle of a concurrent command stream loses nothing acknowledged', {
    timeout: 90_000,
  }, async () => {
    const dataDir = newDataDir();
    const first = await startChild(dataDir);
    const ids = await createProject(first, 'festival', 'Durable Festival');

    const KILL_AFTER = 300;
    const t0 = Date.now();
    const stream = await runStream({
      ...first,
      ...ids,
      restWorkers: 8,
      socketWorkers: 2,
      after: KILL_AFTER,
      onThreshold: () => first.proc.kill('SIGKILL'),
    });
    const streamMs = Date.now() - t0;
    const { signal } = await first.exited;
    expect(signal).toBe('SIGKILL');
    expect(stream.unexpected).toEqual([]);
    expect(stream.acked.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // the kill landed while other commands were still on their way
    expect(stream.inFlightAtThreshold).toBeGreaterThan(0);
    expect(stream.acked.some((s) => s.actor.startsWith('sock'))).toBe(true);
    expect(stream.acked.some((s) => s.actor.startsWith('rest'))).toBe(true);

    const second = await startChild(dataDir);
    const { revision, history } = await verifyRestored(second, ids, stream);
    const unanswered = [...stream.sent.values()].filter((s) => s.unanswered);
    const t1 = Date.now();
    console.info(
      `[DUR1] ${stream.acked.length} acknowledged in ${streamMs} ms, ${unanswered.length} unanswered at the kill ` +
        `(${unanswered.filter((s) => history.some((e) => e.command_id === s.command_id)).length} of them committed), ` +
        `revision ${revision} after restart`,
    );

    // a socket catching up from before the kill gets exactly the missing revisions, then joins
    const socket = await connect(second, { name: 'late' });
    const since = revision - 5;
    const joined = await ack(socket, 'join_session', { session_id: ids.sessionId, since_revision: since });
    expect(joined).toMatchObject({ ok: true, revision });
    const executed = socket.received
      .filter((e) => e.event === 'command:executed')
      .map((e) => e.payload.revision);
    expect(executed).toEqual([since + 1, since + 2, since + 3, since + 4, since + 5]);
    socket.disconnect();

    // re-sending the unanswered commands with their ids: the committed ones answer their first revision, the
    // others are applied now (idempotency survives the restart)
    let next = revision;
    for (const s of unanswered) {
      const r = await call(
        second,
        'POST',
        '/commands/execute',
        { session_id: ids.sessionId, command_type: s.command_type, data: s.data, command_id: s.command_id },
        { 'x-talus-user': s.actor },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const landed = history.find((e) => e.command_id === s.command_id);
      if (landed) expect(r.body.revision).toBe(landed.revision);
      else expect(r.body.revision).toBe(++next);
    }

    // undo works after the restart, in the session that survived it
    const before = await call(second, 'GET', `/projects/${ids.projectId}`);
    const latest = (await readHistory(second, ids.projectId, 1000)).at(-1)!;
    const undo = await call(second, 'POST', `/sessions/${ids.sessionId}/undo`, {
      command_id: 'undo-after-restart',
    });
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(undo.body).toMatchObject({
      success: true,
      command_id: 'undo-after-restart',
      undone_command_id: latest.command_id,
      revision: before.body.revision + 1,
    });
    const afterUndo = await call(second, 'GET', `/sessions/${ids.sessionId}/graph`);
    expect(afterUndo.body.revision).toBe(before.body.revision + 1);
    expect(afterUndo.body).not.toEqual(before.body.graph);

    // and the undo is durable as well: kill again right after its answer, and everything is as it was
    await kill9(second);
    const third = await startChild(dataDir);
    const restored = await call(third, 'GET', `/sessions/${ids.sessionId}/graph`);
    expect(restored.body).toEqual(afterUndo.body);
    const tail = await call(third, 'GET', `/projects/${ids.projectId}/history?limit=1`);
    expect(tail.body.history[0]).toMatchObject({
      revision: before.body.revision + 1,
      kind: 'undo',
      command_id: 'undo-after-restart',
      undone_command_id: latest.command_id,
    });
    const info = await call(third, 'GET', `/sessions/${ids.sessionId}/info`);
    expect(info.body).toMatchObject({ revision: before.body.revision + 1, redo_available: true });
    const redo = await call(third, 'POST', `/sessions/${ids.sessionId}/redo`, {});
    expect(redo.status, JSON.stringify(redo.body)).toBe(200);
    expect(redo.body).toMatchObject({
      redone_command_id: latest.command_id,
      revision: before.body.revision + 2,
    });
    console.info(
      `[DUR1] checks after the first restart: ${Date.now() - t1} ms; starts: ${startups.join(', ')} ms`,
    );
  });

  it('[DUR2] SIGTERM during a command stream exits 0 promptly and loses nothing acknowledged', {
    timeout: 90_000,
  }, async () => {
    const dataDir = newDataDir();
    const first = await startChild(dataDir);
    const ids = await createProject(first, 'festival', 'Graceful Festival');

    let termAt = 0;
    const stream = await runStream({
      ...first,
      ...ids,
      restWorkers: 4,
      socketWorkers: 2,
      after: 150,
      onThreshold: () => {
        termAt = Date.now();
        first.proc.kill('SIGTERM');
      },
    });
    const { code, signal } = await first.exited;
    const exitMs = Date.now() - termAt;
    expect({ code, signal }, first.output()).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(10_000);
    expect(stream.unexpected).toEqual([]);
    expect(stream.acked.length).toBeGreaterThanOrEqual(150);

    const second = await startChild(dataDir);
    const { revision } = await verifyRestored(second, ids, stream);
    console.info(
      `[DUR2] ${stream.acked.length} acknowledged; exit 0 ${exitMs} ms after SIGTERM; revision ${revision}`,
    );

    // an idle server stops at once too
    const t0 = Date.now();
    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
