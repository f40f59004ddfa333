import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ack,
  call,
  command,
  connect,
  createProject,
  eventsNamed,
  flatten,
  startServer,
  type TestServer,
  type TestSocket,
  waitFor,
} from './helpers.js';

let server: TestServer;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server.close();
});

async function joined(sessionId: string, name: string, extra: Record<string, unknown> = {}) {
  const s = await connect(server, { name });
  sockets.push(s);
  const a = await ack(s, 'join_session', { session_id: sessionId, ...extra });
  expect(a).toMatchObject({ ok: true });
  return s;
}

/** The graph events a socket received, as `revision:event` strings in arrival order. */
const trace = (s: TestSocket) =>
  s.received
    .filter((e) => typeof e.payload?.revision === 'number' && e.event !== 'joined')
    .map((e) => `${e.payload.revision}:${e.event}`);

describe('collaboration', () => {
  it('[COL1] ten clients see every command from REST and sockets, in revision order, with full payloads', async () => {
    const { sessionId, projectId, rootId } = await createProject(server);
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => joined(sessionId, `user${i}`)));
    const [alice, bob] = clients as [TestSocket, TestSocket];
    const c1 = await ack(alice, 'execute_command', {
      session_id: sessionId,
      command_type: 'CreateNode',
      data: { parent_id: rootId, blueprint_type_id: 'stage', name: 'Main' },
    });
    expect(c1).toMatchObject({ ok: true, revision: 1 });
    const r2 = await command(server, sessionId, 'UpdateProperty', {
      node_id: c1.node_id,
      property_id: 'capacity',
      value: 900,
    });
    expect(r2.status).toBe(200);
    const c3 = await ack(bob, 'execute_command', {
      session_id: sessionId,
      command_type: 'MoveNode',
      data: { node_id: c1.node_id, parent_id: rootId, index: 0 },
    });
    expect(c3.ok).toBe(true);
    for (const s of clients) {
      await waitFor(s, 'command:executed', (p) => p.revision === 3);
      expect(trace(s)).toEqual([
        '1:command:executing',
        '1:node-created',
        '1:command:executed',
        '2:command:executing',
        '2:property-changed',
        '2:command:executed',
        '3:command:executing',
        '3:node-moved',
        '3:command:executed',
      ]);
    }
    const created = eventsNamed(bob, 'node-created')[0];
    expect(created).toMatchObject({
      session_id: sessionId,
      project_id: projectId,
      revision: 1,
      command_id: c1.command_id,
      actor: { id: 'user0', name: 'user0' },
      node_id: c1.node_id,
      parent_id: rootId,
      blueprint_type_id: 'stage',
      name: 'Main',
      index: 0,
    });
    expect(created.node).toMatchObject({ id: c1.node_id, children: [], properties: { name: 'Main' } });
    expect(created.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const changed = eventsNamed(alice, 'property-changed')[0];
    expect(changed).toMatchObject({
      node_id: c1.node_id,
      property_id: 'capacity',
      old_value: null,
      new_value: 900,
    });
    expect(changed.actor).toEqual({ id: 'local', name: 'Local user' });
    expect(eventsNamed(alice, 'node-moved')[0]).toMatchObject({
      old_parent_id: rootId,
      old_index: 0,
      parent_id: rootId,
      index: 0,
    });
  });

  it("[COL2] the sender has the revision's events before its ack; the ack carries them", async () => {
    const { sessionId, rootId } = await createProject(server);
    const s = await joined(sessionId, 'Ann');
    const seen: string[] = [];
    s.onAny((e: string) => seen.push(e));
    const a = await ack(s, 'execute_command', {
      session_id: sessionId,
      command_type: 'CreateNode',
      data: { parent_id: rootId, blueprint_type_id: 'vendor' },
    });
    expect(seen).toEqual(['command:executing', 'node-created', 'command:executed']);
    expect(a.events.map((e: { event: string }) => e.event)).toEqual(seen);
  });

  it('[COL3] command:failed reaches only the caller; refused commands broadcast nothing', async () => {
    const { sessionId, rootId } = await createProject(server);
    const [a, b] = [await joined(sessionId, 'A'), await joined(sessionId, 'B')];
    const r = await ack(a, 'execute_command', {
      session_id: sessionId,
      command_id: 'will-fail',
      command_type: 'CreateNode',
      data: { parent_id: rootId, blueprint_type_id: 'task' },
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_COMMAND' } });
    await waitFor(
      a,
      'command:failed',
      (p) => p.command_id === 'will-fail' && p.error.code === 'INVALID_COMMAND',
    );
    const u = await ack(a, 'undo', { session_id: sessionId });
    expect(u).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_UNDO' } });
    await waitFor(a, 'command:failed', (p) => p.command_type === 'Undo');
    await ack(b, 'ping');
    expect(eventsNamed(b, 'command:failed')).toEqual([]);
    expect(trace(b)).toEqual([]);
  });

  it('[COL4] clients of another session receive nothing', async () => {
    const one = await createProject(server);
    const two = await createProject(server);
    const watcher = await joined(two.sessionId, 'Watcher');
    await command(server, one.sessionId, 'CreateNode', { parent_id: one.rootId, blueprint_type_id: 'stage' });
    await command(server, two.sessionId, 'CreateNode', { parent_id: two.rootId, blueprint_type_id: 'stage' });
    await waitFor(watcher, 'command:executed');
    expect(trace(watcher).every((t) => t.startsWith('1:'))).toBe(true);
    expect(eventsNamed(watcher, 'node-created')).toHaveLength(1);
    expect(eventsNamed(watcher, 'node-created')[0].project_id).toBe(two.projectId);
  });

  it('[COL5] batched sockets get one revision event per revision with the same events', async () => {
    const { sessionId, rootId } = await createProject(server);
    const plain = await joined(sessionId, 'Plain');
    const batched = await joined(sessionId, 'Batched', { batched: true });
    await command(server, sessionId, 'CreateNode', { parent_id: rootId, blueprint_type_id: 'stage' });
    await command(server, sessionId, 'CreateNode', { parent_id: rootId, blueprint_type_id: 'area' });
    await waitFor(plain, 'command:executed', (p) => p.revision === 2);
    const revisions = await (async () => {
      await waitFor(batched, 'revision', (p) => p.revision === 2);
      return eventsNamed(batched, 'revision');
    })();
    expect(revisions.map((r) => r.revision)).toEqual([1, 2]);
    const plainEvents = plain.received
      .filter((e) => e.payload?.revision >= 1 && e.event !== 'joined')
      .map((e) => e.payload);
    expect(revisions.flatMap((r) => r.events)).toEqual(plainEvents);
    expect(eventsNamed(batched, 'node-created')).toEqual([]);
  });

  it('[COL6] joins, leaves and disconnects are announced with active_clients; info and list agree', async () => {
    const { sessionId } = await createProject(server);
    const a = await joined(sessionId, 'A');
    const b = await joined(sessionId, 'B');
    expect(await waitFor(a, 'session:connected', (p) => p.user.name === 'B')).toMatchObject({
      active_clients: 2,
    });
    expect((await call(server, 'GET', `/sessions/${sessionId}/info`)).body).toMatchObject({
      active_clients: 2,
    });
    expect(await ack(b, 'leave_session', { session_id: sessionId })).toMatchObject({ ok: true });
    await waitFor(b, 'left', (p) => p.session_id === sessionId);
    expect(await waitFor(a, 'session:disconnected', (p) => p.user.name === 'B')).toMatchObject({
      active_clients: 1,
    });
    const c = await joined(sessionId, 'C');
    c.close();
    await waitFor(a, 'session:disconnected', (p) => p.user.name === 'C');
    const list = await call(server, 'GET', '/sessions');
    expect(list.body.sessions.find((s: { session_id: string }) => s.session_id === sessionId)).toMatchObject({
      active_clients: 1,
      has_project: true,
    });
  });

  it('[COL7] presence: selections reach the others with a stable colour; leaving removes the client', async () => {
    const { sessionId, rootId } = await createProject(server);
    const [a, b, c] = [
      await joined(sessionId, 'Ann'),
      await joined(sessionId, 'Ben'),
      await joined(sessionId, 'Cy'),
    ];
    expect(
      await ack(b, 'presence', {
        session_id: sessionId,
        selected_node_id: rootId,
        editing_property_id: 'name',
      }),
    ).toEqual({
      ok: true,
    });
    const seen = await waitFor(a, 'presence', (p) =>
      p.clients.some(
        (x: any) =>
          x.user.name === 'Ben' && x.selected_node_id === rootId && x.editing_property_id === 'name',
      ),
    );
    expect(seen.clients).toHaveLength(3);
    expect(new Set(seen.clients.map((x: any) => x.color)).size).toBeGreaterThan(0);
    c.close();
    await waitFor(
      a,
      'presence',
      (p) => p.clients.length === 2 && !p.clients.some((x: any) => x.user.name === 'Cy'),
    );
    const before = eventsNamed(a, 'presence').length;
    for (let i = 0; i < 30; i++) b.emit('presence', { session_id: sessionId, selected_node_id: `${i}` });
    await waitFor(a, 'presence', (p) => p.clients.some((x: any) => x.selected_node_id === '29'));
    expect(eventsNamed(a, 'presence').length - before).toBeLessThan(30);
  });

  it('[COL8] REST undo/redo are broadcast with command:undo / command:redo and restored nodes', async () => {
    const { sessionId, rootId } = await createProject(server);
    const s = await joined(sessionId, 'S');
    const created = await command(server, sessionId, 'CreateNode', {
      parent_id: rootId,
      blueprint_type_id: 'stage',
    });
    await command(server, sessionId, 'DeleteNode', { node_id: created.body.node_id });
    const u = await call(server, 'POST', `/sessions/${sessionId}/undo`, {});
    expect(u.body).toMatchObject({ success: true, revision: 3 });
    await waitFor(
      s,
      'command:undo',
      (p) => p.revision === 3 && p.undone_command_id === u.body.undone_command_id,
    );
    expect(eventsNamed(s, 'node-created').filter((e) => e.revision === 3)).toHaveLength(1);
    const r = await call(server, 'POST', `/sessions/${sessionId}/redo`, { scope: 'session' });
    expect(r.body).toMatchObject({ success: true, revision: 4, redone_command_id: u.body.undone_command_id });
    await waitFor(s, 'command:redo', (p) => p.revision === 4);
    const g = await call(server, 'GET', `/sessions/${sessionId}/graph`);
    expect(flatten(g.body as any).has(created.body.node_id)).toBe(false);
  });

  it("[COL9] a socket's events run in the order it sent them: commands sent right after a join (or a leave) see it", async () => {
    const { sessionId, rootId } = await createProject(server);
    const data = { parent_id: rootId, blueprint_type_id: 'stage' };
    for (let i = 0; i < 10; i++) {
      const s = await connect(server, { name: `Quick ${i}` });
      sockets.push(s);
      // no waiting for the join's answer: the command must still find the socket joined
      const join = ack(s, 'join_session', { session_id: sessionId, batched: i % 2 === 0 });
      const exec = ack(s, 'execute_command', { session_id: sessionId, command_type: 'CreateNode', data });
      expect(await join).toMatchObject({ ok: true });
      expect(await exec).toMatchObject({ ok: true, success: true });
      // and a command sent right after a leave finds it gone
      const leave = ack(s, 'leave_session', { session_id: sessionId });
      const late = ack(s, 'execute_command', { session_id: sessionId, command_type: 'CreateNode', data });
      expect(await leave).toMatchObject({ ok: true });
      expect(await late).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    const g = await call(server, 'GET', `/sessions/${sessionId}/graph`);
    expect(g.body.revision).toBe(10);
  });

  it('[COL10] a declared name (X-Talus-User, auth.name) is UTF-8, trimmed and cut to 100 characters', async () => {
    const { sessionId, projectId, rootId } = await createProject(server);
    const s = await joined(sessionId, `  ${'é'.repeat(150)}  `);
    const data = { parent_id: rootId, blueprint_type_id: 'stage' };
    // a header carries bytes: the name's UTF-8 bytes, as curl sends them and the SDK encodes them
    const utf8 = (name: string) => Buffer.from(name, 'utf8').toString('latin1');
    const names = ['Zoë 🎉', '张伟', 'x'.repeat(10_000), `${'😀'.repeat(99)}ab`];
    for (const name of names) {
      await call(
        server,
        'POST',
        '/commands/execute',
        { session_id: sessionId, command_type: 'CreateNode', data },
        {
          'x-talus-user': utf8(name),
        },
      );
    }
    await ack(s, 'execute_command', { session_id: sessionId, command_type: 'CreateNode', data });
    const history = await call(server, 'GET', `/projects/${projectId}/history`);
    const actors = history.body.history.map((e: { actor: { name: string } }) => e.actor.name).reverse();
    expect(actors).toEqual(['Zoë 🎉', '张伟', 'x'.repeat(100), `${'😀'.repeat(99)}a`, 'é'.repeat(100)]);
  });
});
