/**
 * A mirror survives its connection: cut by the server, or the server process restarted on the same data,
 * while others keep changing the project. It ends equal to the server's graph, having applied each
 * revision exactly once and in order, and commands caught in the cut are applied exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ProjectMirror, type TalusClient } from '@talus/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProject,
  cut,
  expectInSync,
  gate,
  historyIds,
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

async function setup(overrides: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer(overrides);
  cleanups.push(() => server.close());
  const project = await createProject(server);
  const client = createClient({ url: server.base, name: 'watcher', reconnect: { initialDelayMs: 50 } });
  const writer = createClient({ url: server.base, name: 'writer' });
  cleanups.push(() => {
    client.close();
    writer.close();
  });
  const { session_id } = await writer.openSession(project.projectId);
  return { server, client, writer, session: session_id, ...project };
}

/** Changes of every kind, made over REST by another client. */
async function makeChanges(writer: TalusClient, session: string, rootId: string, tag: string) {
  const stage = await writer.execute(session, 'CreateNode', {
    parent_id: rootId,
    blueprint_type_id: 'stage',
    name: `Stage ${tag}`,
  });
  const act = await writer.execute(session, 'CreateNode', {
    parent_id: stage.node_id!,
    blueprint_type_id: 'act',
    properties: { fee: 1200.5 },
  });
  await writer.execute(session, 'UpdateProperty', {
    node_id: act.node_id!,
    property_id: 'name',
    value: `Act ${tag}`,
  });
  await writer.execute(session, 'UpdateProperty', {
    node_id: stage.node_id!,
    property_id: 'capacity',
    value: 900,
  });
  const area = await writer.execute(session, 'CreateNode', { parent_id: rootId, blueprint_type_id: 'area' });
  const inner = await writer.execute(session, 'CreateNode', {
    parent_id: area.node_id!,
    blueprint_type_id: 'area',
  });
  await writer.execute(session, 'MoveNode', { node_id: inner.node_id!, parent_id: rootId, index: 0 });
  await writer.execute(session, 'DeleteProperty', { node_id: stage.node_id!, property_id: 'capacity' });
  await writer.execute(session, 'DeleteNode', { node_id: stage.node_id! });
  await writer.undo(session); // the stage and its act come back
  await writer
    .execute(session, 'UnlinkNode', { parent_id: area.node_id!, child_id: inner.node_id! })
    .catch(() => {
      // already a root after the move: refused, changes nothing
    });
  await writer.execute(session, 'LinkNode', { parent_id: area.node_id!, child_id: inner.node_id! });
  await writer.execute(session, 'UnlinkNode', { parent_id: area.node_id!, child_id: inner.node_id! });
}

describe('reconnection', () => {
  it('[SDK1] a mirror cut by the server while others change the project catches up exactly once, in order', async () => {
    const { server, client, writer, session, projectId, rootId } = await setup();
    const mirror = await client.openProject(projectId);
    const rec = record(mirror);
    const start = mirror.revision;

    await makeChanges(writer, session, rootId, 'before');
    await expectInSync(writer, mirror);

    const g = gate(server);
    g.close('watcher');
    expect(cut(server, mirror)).toBe(true);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    await makeChanges(writer, session, rootId, 'while cut');
    const missed = (await writer.getProject(projectId)).revision;
    expect(mirror.revision).toBeLessThan(missed);
    g.open();

    await expectInSync(writer, mirror);
    await makeChanges(writer, session, rootId, 'after');
    const graph = await expectInSync(writer, mirror);

    expect(rec.errors).toEqual([]);
    expect(rec.resyncs).toEqual([]);
    expect(rec.applied).toEqual(revisionsAfter(start, graph.revision));
    expect(rec.states).toContain('reconnecting');
    expect(rec.states.at(-1)).toBe('live');
  });

  it('[SDK1] a gap in the live stream is repaired from /events', async () => {
    const { server, client, writer, session, projectId, rootId } = await setup();
    const mirror = await client.openProject(projectId);
    const rec = record(mirror);
    const start = mirror.revision;
    // the mirror's socket leaves the room: it misses revisions without knowing, until one arrives again
    const s = serverSocket(server, mirror)!;
    const rooms = [...s.rooms].filter((r) => r !== s.id);
    for (const r of rooms) s.leave(r);
    await makeChanges(writer, session, rootId, 'unheard');
    expect(mirror.revision).toBe(start);
    for (const r of rooms) s.join(r);
    await writer.execute(session, 'CreateNode', { parent_id: rootId, blueprint_type_id: 'vendor' });
    const graph = await expectInSync(writer, mirror);
    expect(rec.errors).toEqual([]);
    expect(rec.applied).toEqual(revisionsAfter(start, graph.revision));
  });

  it('[SDK2] a mirror survives a server restart on the same data and port', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'talus-client-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let server = await startServer({ dataDir });
    const port = Number(new URL(server.base).port);
    cleanups.push(() => server.close());
    const { projectId, rootId, sessionId } = await createProject(server);
    const client = createClient({ url: server.base, name: 'watcher', reconnect: { initialDelayMs: 50 } });
    const writer = createClient({ url: server.base, name: 'writer' });
    cleanups.push(() => {
      client.close();
      writer.close();
    });
    const mirror = await client.openProject(projectId);
    const rec = record(mirror);
    const start = mirror.revision;
    await makeChanges(writer, sessionId, rootId, 'before');
    await expectInSync(writer, mirror);

    await server.close();
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    // issued while the server is down: queued, sent once the mirror is back
    const queued = mirror.execute('CreateNode', {
      parent_id: rootId,
      blueprint_type_id: 'vendor',
      name: 'Queued',
    });

    server = await startServer({ dataDir, port });
    const g = gate(server);
    g.close('watcher');
    await makeChanges(writer, sessionId, rootId, 'after restart');
    g.open();

    const answer = await queued;
    expect(mirror.getNode(answer.node_id!)?.name).toBe('Queued');
    expect(mirror.revision).toBeGreaterThanOrEqual(answer.revision);
    const graph = await expectInSync(writer, mirror);
    expect(rec.errors).toEqual([]);
    expect(rec.resyncs).toEqual([]);
    expect(rec.applied).toEqual(revisionsAfter(start, graph.revision));
    expect((await historyIds(writer, projectId)).filter((id) => id === answer.command_id)).toHaveLength(1);
  });

  it('[SDK3] a command sent just before the connection drops is applied exactly once; its caller gets the answer', async () => {
    const { server, client, writer, projectId, rootId } = await setup();
    const mirror = await client.openProject(projectId);
    const rec = record(mirror);
    const start = mirror.revision;

    // (a) cut as the command leaves: the server most likely never read it, and it is sent again
    const first = mirror.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'stage', name: 'A' });
    cut(server, mirror);
    const a = await first;
    expect(mirror.getNode(a.node_id!)?.name).toBe('A');

    // (b) cut after the server applied and broadcast it, before its acknowledgement left: the server's
    // socket acknowledges only once the revision is committed and published; that ack is replaced by a cut
    const cutBeforeAck = (event: string) => {
      const s = serverSocket(server, mirror)!;
      s.use((packet, next) => {
        const last = packet.length - 1;
        if (packet[0] === event && typeof packet[last] === 'function')
          packet[last] = () => s.disconnect(true);
        next();
      });
    };
    cutBeforeAck('execute_command');
    const b = await mirror.execute(
      'CreateNode',
      { parent_id: rootId, blueprint_type_id: 'stage', name: 'B' },
      { command_id: 'fixed-id-b' },
    );
    expect(b.command_id).toBe('fixed-id-b');
    expect(mirror.getNode(b.node_id!)?.name).toBe('B');

    // the same for an undo
    cutBeforeAck('undo');
    const u = await mirror.undo({ command_id: 'fixed-undo' });
    expect(u.undone_command_id).toBe('fixed-id-b');
    expect(mirror.getNode(b.node_id!)).toBeUndefined();

    const graph = await expectInSync(writer, mirror);
    const ids = await historyIds(writer, projectId);
    for (const id of [a.command_id, 'fixed-id-b', 'fixed-undo'])
      expect(ids.filter((x) => x === id)).toHaveLength(1);
    expect(graph.revision).toBe(start + 3);
    expect(rec.errors).toEqual([]);
    expect(rec.applied).toEqual(revisionsAfter(start, graph.revision));
    expect(rec.states.filter((s) => s === 'reconnecting').length).toBeGreaterThanOrEqual(3);
  });

  it('[SDK3] commands issued while reconnecting are sent in order once live; close() rejects with CLOSED', async () => {
    const { server, client, projectId, rootId } = await setup();
    const mirror: ProjectMirror = await client.openProject(projectId);
    const g = gate(server);
    g.close('watcher');
    cut(server, mirror);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    const names = ['one', 'two', 'three'];
    const sent = names.map((name) =>
      mirror.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'vendor', name }),
    );
    expect(mirror.pendingCommands).toBe(3);
    g.open();
    const answers = await Promise.all(sent);
    expect(answers.map((a) => a.revision)).toEqual([
      answers[0]!.revision,
      answers[0]!.revision + 1,
      answers[0]!.revision + 2,
    ]);
    expect(mirror.roots().length).toBe(1);
    const root = mirror.getNode(rootId)!;
    expect(root.children.slice(-3).map((id) => mirror.getNode(id)?.name)).toEqual(names);

    g.close('watcher');
    cut(server, mirror);
    await until(() => mirror.state === 'reconnecting', 'reconnecting');
    const doomed = mirror.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'vendor' });
    mirror.close();
    await expect(doomed).rejects.toMatchObject({ code: 'CLOSED', status: 0 });
    expect(mirror.state).toBe('offline');
    await expect(mirror.execute('DeleteNode', { node_id: rootId })).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
