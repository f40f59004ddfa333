/**
 * The mirror's contract beyond reconnection: per-node notifications and immutable records, unbatched
 * sockets, resync after truncated history, a session cleaned up while away, command time limits, a
 * deleted project.
 */
import { createClient, type MirrorResync, type NodeRecord } from '@talus/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProject,
  cut,
  expectInSync,
  gate,
  record,
  revisionsAfter,
  serverSocket,
  startServer,
  until,
} from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(overrides: Parameters<typeof startServer>[0] = {}, timeoutMs?: number) {
  const server = await startServer(overrides);
  cleanups.push(() => server.close());
  const project = await createProject(server);
  const client = createClient({
    url: server.base,
    name: 'watcher',
    reconnect: { initialDelayMs: 50 },
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  const writer = createClient({ url: server.base, name: 'writer' });
  cleanups.push(() => {
    client.close();
    writer.close();
  });
  return { server, client, writer, ...project };
}

describe('mirror', () => {
  it('[SDK6] per-node listeners fire for the node, its parent and its deletion; records are replaced, not mutated', async () => {
    const { client, writer, sessionId, projectId, rootId } = await setup();
    const mirror = await client.openProject(projectId);
    const rootBefore = mirror.getNode(rootId)!;
    const rootCalls: number[] = [];
    mirror.on('node', rootId, (_node, revision) => rootCalls.push(revision));

    const stage = await mirror.execute('CreateNode', {
      parent_id: rootId,
      blueprint_type_id: 'stage',
      name: 'S',
    });
    expect(rootCalls).toEqual([stage.revision]);
    expect(rootBefore.children).toEqual([]); // the old record is untouched
    expect(mirror.getNode(rootId)!.children).toEqual([stage.node_id]);

    const seen: Array<NodeRecord | undefined> = [];
    const off = mirror.onNode(stage.node_id!, (node) => seen.push(node));
    await writer.execute(sessionId, 'UpdateProperty', {
      node_id: stage.node_id!,
      property_id: 'name',
      value: 'Main',
    });
    await until(() => seen.length === 1, 'rename seen');
    expect(seen[0]).toMatchObject({ name: 'Main', properties: { name: 'Main' } });
    await mirror.execute('DeleteNode', { node_id: stage.node_id! });
    expect(seen.at(-1)).toBeUndefined();
    off();
    await mirror.undo();
    expect(seen).toHaveLength(2);
    expect(mirror.getNode(stage.node_id!)?.name).toBe('Main');
    await expectInSync(writer, mirror);
  });

  it('[SDK1] an unbatched mirror (one socket event per graph event) catches up the same way', async () => {
    const { server, client, writer, sessionId, projectId, rootId } = await setup();
    const mirror = await client.openProject(projectId, { batched: false });
    const rec = record(mirror);
    const start = mirror.revision;
    const g = gate(server);
    g.close('watcher');
    cut(server, mirror);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    const a = await writer.execute(sessionId, 'CreateNode', { parent_id: rootId, blueprint_type_id: 'area' });
    await writer.execute(sessionId, 'CreateNode', { parent_id: a.node_id!, blueprint_type_id: 'task' });
    g.open();
    await expectInSync(writer, mirror);
    await mirror.execute('DeleteNode', { node_id: a.node_id! });
    await mirror.undo();
    const graph = await expectInSync(writer, mirror);
    expect(rec.errors).toEqual([]);
    expect(rec.applied).toEqual(revisionsAfter(start, graph.revision));
  });

  it('[SDK7] a mirror away longer than the kept history reloads and emits resync instead of changes', async () => {
    const { server, client, writer, sessionId, projectId, rootId } = await setup({ historyKeep: 3 });
    const mirror = await client.openProject(projectId);
    const rec = record(mirror);
    const resyncs: MirrorResync[] = [];
    mirror.on('resync', (r) => resyncs.push(r));
    const g = gate(server);
    g.close('watcher');
    cut(server, mirror);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    for (let i = 0; i < 8; i++) {
      await writer.execute(sessionId, 'CreateNode', {
        parent_id: rootId,
        blueprint_type_id: 'vendor',
        name: `v${i}`,
      });
    }
    g.open();
    const graph = await expectInSync(writer, mirror);
    expect(resyncs).toEqual([{ revision: graph.revision, previousRevision: 0 }]);
    expect(rec.applied).toEqual([]);
    expect(rec.errors).toEqual([]);
  });

  it('[SDK8] a session cleaned up while the mirror was away is opened again (rejoin answered INVALID_SESSION)', async () => {
    const { server, client, writer, projectId, rootId } = await setup();
    const mirror = await client.openProject(projectId);
    const before = mirror.sessionId;
    const g = gate(server);
    g.close('watcher');
    cut(server, mirror);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    expect((await writer.cleanupSessions(0)).sessions_removed).toBeGreaterThanOrEqual(1);
    const pending = mirror.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'vendor' });
    g.open();
    const answer = await pending;
    expect(mirror.sessionId).not.toBe(before);
    expect((await writer.openSession(projectId)).session_id).toBe(mirror.sessionId);
    expect(mirror.getNode(answer.node_id!)).toBeDefined();
    await expectInSync(writer, mirror);
  });

  it('[SDK9] a command with no answer within timeoutMs while live rejects with TIMEOUT; refusals carry the code', async () => {
    const { server, client, projectId, rootId } = await setup({}, 5_000);
    const mirror = await client.openProject(projectId);
    await expect(mirror.execute('DeleteNode', { node_id: 'nope' })).rejects.toMatchObject({
      code: 'NODE_NOT_FOUND',
      status: 404,
    });
    await expect(mirror.redo({ scope: 'mine' })).rejects.toMatchObject({
      code: 'NOTHING_TO_REDO',
      status: 400,
    });
    // the server's socket swallows commands from now on
    serverSocket(server, mirror)!.use((packet, next) => {
      if (packet[0] !== 'execute_command') next();
    });
    await expect(
      mirror.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'vendor' }),
    ).rejects.toMatchObject({ code: 'TIMEOUT', status: 0 });
    expect(mirror.pendingCommands).toBe(0);
    expect(mirror.state).toBe('live');
  });

  it('[SDK11] with several URLs, a mirror fails over to one it can reach, and reconnects there', async () => {
    const { server, writer, projectId, rootId } = await setup();
    const client = createClient({
      urls: ['http://127.0.0.1:1', server.base],
      name: 'failover',
      reconnect: { initialDelayMs: 20 },
    });
    cleanups.push(() => client.close());
    const mirror = await client.openProject(projectId);
    cut(server, mirror);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    const answer = await mirror.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'vendor' });
    expect(mirror.getNode(answer.node_id!)).toBeDefined();
    await expectInSync(writer, mirror);
  });

  it('[SDK10] a deleted project takes the mirror offline and rejects what is pending', async () => {
    const { server, client, writer, projectId, rootId } = await setup();
    const mirror = await client.openProject(projectId);
    const deleted: boolean[] = [];
    mirror.on('deleted', () => deleted.push(true));
    const g = gate(server);
    g.close('watcher');
    cut(server, mirror);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    const pending = mirror.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'vendor' });
    await writer.deleteProject(projectId);
    g.open();
    await expect(pending).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND' });
    expect(mirror.state).toBe('offline');

    const other = await createProject(server);
    const live = await client.openProject(other.projectId);
    const livePending = live.execute('CreateNode', { parent_id: other.rootId, blueprint_type_id: 'vendor' });
    live.on('deleted', () => deleted.push(true));
    await writer.deleteProject(other.projectId);
    await until(() => live.state === 'offline', 'offline after delete');
    expect(deleted).toEqual([true]);
    await livePending.catch(() => {}); // answered before the delete, or rejected by it
  });
});
