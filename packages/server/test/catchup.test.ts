import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ack,
  call,
  command,
  connect,
  createProject,
  eventsNamed,
  FIXTURES,
  flatten,
  startServer,
  type TestServer,
  waitFor,
} from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'talus-restart-'));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Apply a replayed event stream to a flat copy of the graph (id → node in id form). */
function applyEvents(nodes: Map<string, any>, events: any[]) {
  const siblings = (parent: string | null) =>
    parent === null ? null : (nodes.get(parent).children as string[]);
  for (const e of events) {
    switch (e.event) {
      case 'node-created':
        nodes.set(e.node_id, { ...e.node, children: [...e.node.children] });
        siblings(e.parent_id)?.splice(e.index, 0, e.node_id);
        break;
      case 'node-deleted':
        for (const id of e.deleted_ids) nodes.delete(id);
        for (const n of nodes.values()) n.children = n.children.filter((c: string) => c !== e.node_id);
        break;
      case 'node-moved': {
        const n = nodes.get(e.node_id);
        const from = siblings(e.old_parent_id);
        if (from) from.splice(from.indexOf(e.node_id), 1);
        siblings(e.parent_id)?.splice(e.index, 0, e.node_id);
        n.parent_id = e.parent_id;
        break;
      }
      case 'property-changed':
      case 'property-deleted': {
        const n = nodes.get(e.node_id);
        const value = e.event === 'property-changed' ? e.new_value : null;
        if (e.property_id === 'name') n.name = value;
        if (value === null) delete n.properties[e.property_id];
        else n.properties[e.property_id] = value;
        break;
      }
    }
  }
}

const comparable = (nodes: Map<string, any>) =>
  JSON.stringify(
    [...nodes.values()]
      .map(({ updated_at: _u, created_at: _c, ...n }) => n)
      .sort((a, b) => a.id.localeCompare(b.id)),
  );

describe('catch-up', () => {
  it('[CAT1] a client away for 100 changes rejoins with since_revision and ends identical to the server', async () => {
    const server = await startServer();
    servers.push(server);
    const { sessionId, rootId } = await createProject(server);
    const away = await connect(server, { name: 'Away' });
    await ack(away, 'join_session', { session_id: sessionId });
    const stage = await command(server, sessionId, 'CreateNode', {
      parent_id: rootId,
      blueprint_type_id: 'stage',
    });
    await waitFor(away, 'command:executed', (p) => p.revision === 1);
    const mirror = flatten((await call(server, 'GET', `/graph?session_id=${sessionId}`)).body as any);
    away.close();
    const ids = [stage.body.node_id as string];
    for (let i = 0; i < 100; i++) {
      const pick = ids[i % ids.length]!;
      if (i % 4 === 0) {
        const r = await command(server, sessionId, 'CreateNode', {
          parent_id: stage.body.node_id,
          blueprint_type_id: 'act',
          name: `a${i}`,
        });
        ids.push(r.body.node_id);
      } else if (i % 4 === 1) {
        await command(server, sessionId, 'UpdateProperty', {
          node_id: pick,
          property_id: 'name',
          value: `n${i}`,
        });
      } else if (i % 4 === 2 && ids.length > 2) {
        await command(server, sessionId, 'MoveNode', {
          node_id: ids.at(-1),
          parent_id: stage.body.node_id,
          index: 0,
        });
      } else {
        await call(server, 'POST', `/sessions/${sessionId}/undo`, {});
      }
    }
    const current = (await call(server, 'GET', `/sessions/${sessionId}/info`)).body.revision as number;
    expect(current).toBeGreaterThan(90);
    const back = await connect(server, { name: 'Away' });
    const joined = await ack(back, 'join_session', { session_id: sessionId, since_revision: 1 });
    expect(joined).toMatchObject({ ok: true, revision: current });
    const joinedAt = back.received.findIndex((e) => e.event === 'joined');
    const replayed = back.received.slice(0, joinedAt);
    const revisions = [...new Set(replayed.map((e) => e.payload.revision))];
    expect(revisions).toEqual(Array.from({ length: current - 1 }, (_, i) => i + 2));
    applyEvents(
      mirror,
      replayed.map((e) => ({ event: e.event, ...e.payload })),
    );
    const server_ = flatten((await call(server, 'GET', `/graph?session_id=${sessionId}`)).body as any);
    expect(comparable(mirror)).toBe(comparable(server_));
    const rest = await call(server, 'GET', `/sessions/${sessionId}/events?since=1`);
    expect(rest.body.events).toHaveLength(replayed.length);
    back.close();
  });

  it('[CAT2] joining at the current revision replays nothing; from a revision the server never had: resync_required', async () => {
    const server = await startServer();
    servers.push(server);
    const { sessionId, rootId, projectId } = await createProject(server);
    await command(server, sessionId, 'CreateNode', { parent_id: rootId, blueprint_type_id: 'stage' });
    const s = await connect(server);
    await ack(s, 'join_session', { session_id: sessionId, since_revision: 1 });
    expect(s.received.map((e) => e.event)).toEqual(['joined', 'session:connected']);
    const f = await connect(server);
    expect(await ack(f, 'join_session', { session_id: sessionId, since_revision: 50 })).toMatchObject({
      ok: true,
      revision: 1,
    });
    expect(await waitFor(f, 'resync_required')).toMatchObject({ session_id: sessionId, revision: 1 });
    const byProject = await call(server, 'GET', `/projects/${projectId}/events?since=0`);
    expect(byProject.body.revision).toBe(1);
    expect(byProject.body.events.map((e: any) => e.event)).toEqual([
      'command:executing',
      'node-created',
      'command:executed',
    ]);
    s.close();
    f.close();
  });
});

describe('restart', () => {
  it('[DUR0] a restart on the same data restores projects, revisions, sessions and history; undo keeps working', async () => {
    const first = await startServer({ dataDir });
    const { sessionId, projectId, rootId } = await createProject(first, 'festival', 'Persisted');
    const stage = await command(first, sessionId, 'CreateNode', {
      parent_id: rootId,
      blueprint_type_id: 'stage',
    });
    await command(first, sessionId, 'UpdateProperty', {
      node_id: stage.body.node_id,
      property_id: 'capacity',
      value: 120,
    });
    const before = await call(first, 'GET', `/projects/${projectId}`);
    await first.close();

    const second = await startServer({ dataDir });
    servers.push(second);
    const after = await call(second, 'GET', `/projects/${projectId}`);
    expect(after.body).toEqual(before.body);
    expect((await call(second, 'GET', `/sessions/${sessionId}/info`)).body).toMatchObject({
      project_id: projectId,
      revision: 2,
      undo_available: true,
    });
    const watcher = await connect(second);
    await ack(watcher, 'join_session', { session_id: sessionId });
    expect(await waitFor(watcher, 'project:loaded')).toMatchObject({
      session_id: sessionId,
      project_id: projectId,
      revision: 2,
    });
    const u = await call(second, 'POST', `/sessions/${sessionId}/undo`, {});
    expect(u.body).toMatchObject({ success: true, revision: 3 });
    await waitFor(watcher, 'command:undo');
    const g = flatten((await call(second, 'GET', `/graph?session_id=${sessionId}`)).body as any);
    expect(g.get(stage.body.node_id).properties.capacity).toBeUndefined();
    const history = await call(second, 'GET', `/projects/${projectId}/history`);
    expect(history.body.history.map((e: any) => e.kind)).toEqual(['undo', 'command', 'command']);
    expect(eventsNamed(watcher, 'property-deleted')).toHaveLength(1);
    watcher.close();
  });
});

describe('import and export', () => {
  it('[IMP-HTTP1] an original project file imports whole and exports to a file that imports back the same', async () => {
    const server = await startServer({ templatesDirs: [join(FIXTURES, 'templates')] });
    servers.push(server);
    const doc = JSON.parse(readFileSync(join(FIXTURES, 'projects', 'ProtonTherapy.json'), 'utf8'));
    const imported = await call(server, 'POST', '/projects/import', doc);
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ revision: 0, node_count: 250 });
    const exported = await call(server, 'GET', `/projects/${imported.body.project_id}/export`);
    expect(exported.body.format).toBe('talus-tally/1');
    const again = await call(server, 'POST', '/projects/import', exported.body);
    expect(again.status).toBe(201);
    const reexported = await call(server, 'GET', `/projects/${again.body.project_id}/export`);
    const strip = (f: any) => ({ ...f, exported_at: null, project: { ...f.project, project_id: null } });
    expect(strip(reexported.body)).toEqual(strip(exported.body));
  });

  it('[IMP-HTTP2] load-graph imports into an empty session; a non-forest file is refused whole', async () => {
    const server = await startServer({ templatesDirs: [join(FIXTURES, 'templates')] });
    servers.push(server);
    const doc = JSON.parse(
      readFileSync(join(FIXTURES, 'projects', 'budget_smoke_test_project.json'), 'utf8'),
    );
    const empty = await call(server, 'POST', '/sessions');
    const loaded = await call(server, 'POST', `/sessions/${empty.body.session_id}/load-graph`, doc);
    expect(loaded.status).toBe(200);
    expect(flatten(loaded.body.graph).size).toBe(11);
    const twice = await call(server, 'POST', `/sessions/${empty.body.session_id}/load-graph`, doc);
    expect(twice.body.error.code).toBe('CONFLICT');
    const broken = structuredClone(doc);
    broken.graph.nodes[1].children.push(broken.graph.nodes[0].id);
    const before = (await call(server, 'GET', '/projects')).body.projects.length;
    const refused = await call(server, 'POST', '/projects/import', broken);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_REQUEST');
    expect((await call(server, 'GET', '/projects')).body.projects.length).toBe(before);
    const unknown = await call(server, 'POST', '/projects/import?template_id=nope', doc);
    expect(unknown.body.error.code).toBe('TEMPLATE_NOT_FOUND');
  });

  it('[IMP-HTTP4] original files name their template at the top or (older files) in graph.template_id', async () => {
    const server = await startServer({ templatesDirs: [join(FIXTURES, 'templates')] });
    servers.push(server);
    const doc = JSON.parse(readFileSync(join(FIXTURES, 'projects', 'orphan_test_project.json'), 'utf8'));
    expect(doc.template_id).toBeUndefined();
    const imported = await call(server, 'POST', '/projects/import', doc);
    expect(imported.status).toBe(201);
    const project = await call(server, 'GET', `/projects/${imported.body.project_id}`);
    expect(project.body.template_id).toBe('orphan_test');
    // an original file of the wrong shape is refused as such, not as a file of another format
    const bad = await call(server, 'POST', '/projects/import', {
      template_id: 'orphan_test',
      graph: { nodes: {} },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/graph\.nodes/),
    });
  });

  it('[IMP-HTTP3] an export with history imports with its revision and history, and undo works on it', async () => {
    const server = await startServer();
    servers.push(server);
    const { sessionId, projectId, rootId } = await createProject(server);
    await command(server, sessionId, 'CreateNode', {
      parent_id: rootId,
      blueprint_type_id: 'stage',
      name: 'Kept',
    });
    await command(server, sessionId, 'CreateNode', {
      parent_id: rootId,
      blueprint_type_id: 'area',
      name: 'Undone later',
    });
    const file = (await call(server, 'GET', `/projects/${projectId}/export?history=true`)).body;
    expect(file.history).toHaveLength(2);
    const imported = await call(server, 'POST', '/projects/import', file);
    expect(imported.body.revision).toBe(2);
    const u = await call(server, 'POST', `/sessions/${imported.body.session_id}/undo`, {});
    expect(u.body).toMatchObject({ success: true, revision: 3 });
    const names = [
      ...flatten((await call(server, 'GET', `/projects/${imported.body.project_id}`)).body.graph).values(),
    ].map((n) => n.name);
    expect(names).toContain('Kept');
    expect(names).not.toContain('Undone later');
  });
});
