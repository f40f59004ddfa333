/**
 * The REST half of the SDK against the real server: every call, typed answers, refusals as TalusError with
 * the catalogue's code and status, credentials headers, fail-over between URLs, and the catalogue in step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  backoffDelay,
  createClient,
  isTalusError,
  SERVER_ERROR_STATUS,
  statusOf,
  TalusError,
} from '@talus/client';
import { ERROR_CATALOGUE } from '@talus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_TEMPLATES } from '../../server/test/helpers.js';
import { startServer, type TestServer } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('REST client', () => {
  it('[SDK-REST] covers sessions, projects, commands, undo/redo, history, events, export/import, templates', async () => {
    const seen: Array<Record<string, string>> = [];
    const client = createClient({
      url: `${server.base}/`,
      name: 'ada',
      fetch: (input, init) => {
        seen.push({ ...(init.headers as Record<string, string>) });
        return fetch(input, init);
      },
    });
    expect(await client.health()).toMatchObject({ status: 'ok' });

    const templates = await client.listTemplates();
    expect(templates.templates.map((t) => t.id)).toContain('festival');
    const schema = await client.templateSchema('festival');
    expect(schema.node_types.find((t) => t.id === 'festival')?.allowed_children).toContain('stage');

    const created = await client.createProject({ template_id: 'festival', project_name: 'Summer' });
    const root = created.graph.roots[0]!;
    expect(root.name).toBe('Summer');
    const opened = await client.openSession(created.project_id);
    expect(opened.session_id).toBe(created.session_id);

    const stage = await client.execute(created.session_id, 'CreateNode', {
      parent_id: root.id,
      blueprint_type_id: 'stage',
      name: 'Main',
    });
    expect(stage.node_id).toBeDefined();
    expect(stage.events.at(-1)?.event).toBe('command:executed');
    const again = await client.execute(
      created.session_id,
      'CreateNode',
      { parent_id: root.id, blueprint_type_id: 'stage', name: 'Main' },
      { command_id: stage.command_id },
    );
    expect(again.revision).toBe(stage.revision); // a replay: the first answer

    const undone = await client.undo(created.session_id, { scope: 'mine' });
    expect(undone.undone_command_id).toBe(stage.command_id);
    const redone = await client.redo(created.session_id);
    expect(redone.redone_command_id).toBe(stage.command_id);

    const info = await client.sessionInfo(created.session_id);
    expect(info).toMatchObject({ has_project: true, revision: 3, node_count: 2 });
    expect((await client.listSessions()).sessions.map((s) => s.session_id)).toContain(created.session_id);
    expect((await client.sessionGraph(created.session_id)).revision).toBe(3);
    expect((await client.sessionEvents(created.session_id, 1)).events.map((e) => e.revision)).toContain(3);
    expect((await client.projectEvents(created.project_id, 0)).revision).toBe(3);
    const history = await client.projectHistory(created.project_id, { limit: 2 });
    expect(history.history.map((h) => h.kind)).toEqual(['redo', 'undo']);
    expect(history.next_before).toBe(2);
    expect((await client.saveSession(created.session_id)).revision).toBe(3);

    expect((await client.listProjects()).projects.map((p) => p.project_id)).toContain(created.project_id);
    expect(await client.renameProject(created.project_id, 'Winter')).toEqual({
      project_id: created.project_id,
      name: 'Winter',
    });
    const file = await client.exportProject(created.project_id);
    expect(file.format).toBe('talus-tally/1');
    expect(file.nodes).toHaveLength(2);
    const imported = await client.importProject(file);
    expect(imported.node_count).toBe(2);
    const empty = await client.createSession();
    const loaded = await client.loadGraph(empty.session_id, file);
    expect(loaded.graph.roots[0]?.children[0]?.name).toBe('Main');
    expect((await client.getProject(imported.project_id)).graph.roots[0]?.children).toHaveLength(1);

    const yaml = readFileSync(join(CONFORMANCE_TEMPLATES, 'festival.yaml'), 'utf8');
    expect(await client.uploadTemplate('festival_copy', yaml)).toEqual({ template_id: 'festival_copy' });
    expect((await client.cleanupSessions(1_000)).sessions_removed).toBe(0);

    await client.deleteProject(imported.project_id);
    const gone = await client.getProject(imported.project_id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(TalusError);
    expect(gone).toMatchObject({ code: 'PROJECT_NOT_FOUND', status: 404 });

    expect(seen.every((h) => h['x-talus-user'] === 'ada' && h.authorization === undefined)).toBe(true);
    client.close();
  });

  it('[SDK-REST] refusals are TalusErrors with the catalogue code, status and details', async () => {
    const client = createClient({ url: server.base });
    const { session_id, graph } = await client.createProject({ template_id: 'festival', project_name: 'P' });
    const bad = await client
      .execute(session_id, 'CreateNode', { parent_id: graph.roots[0]!.id, blueprint_type_id: 'nope' })
      .catch((e: unknown) => e);
    expect(isTalusError(bad)).toBe(true);
    expect(bad).toMatchObject({ code: 'INVALID_COMMAND', status: 400 });
    await expect(client.undo(session_id)).rejects.toMatchObject({ code: 'NOTHING_TO_UNDO', status: 400 });
    await expect(client.sessionInfo('nope')).rejects.toMatchObject({ code: 'INVALID_SESSION', status: 404 });
    await expect(client.templateSchema('bad_festival')).rejects.toMatchObject({
      code: 'INVALID_TEMPLATE',
      details: { problems: expect.any(Array) },
    });
    await expect(client.projectEvents(graph.roots[0]!.id, 0)).rejects.toMatchObject({
      code: 'PROJECT_NOT_FOUND',
    });
    client.close();
  });

  it('[SDK-REST] a token is sent as a bearer; several URLs fail over; TIMEOUT and CLOSED are client codes', async () => {
    const headers: Array<Record<string, string>> = [];
    const client = createClient({
      urls: ['http://127.0.0.1:1', server.base],
      token: 'secret',
      name: 'ignored',
      fetch: (input, init) => {
        headers.push({ ...(init.headers as Record<string, string>) });
        return fetch(input, init);
      },
    });
    expect((await client.health()).status).toBe('ok');
    expect(client.url).toBe(server.base);
    expect(headers.at(-1)).toMatchObject({ authorization: 'Bearer secret' });
    expect(headers.at(-1)?.['x-talus-user']).toBeUndefined();

    const down = createClient({ url: 'http://127.0.0.1:1' });
    await expect(down.health()).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 0 });
    // a fetch that never answers (and ignores the abort signal): the client's own time limit applies
    const slow = createClient({
      url: server.base,
      timeoutMs: 50,
      fetch: () => new Promise<Response>(() => {}),
    });
    await expect(slow.health()).rejects.toMatchObject({ code: 'TIMEOUT', status: 0 });
    const never = createClient({ url: server.base, fetch: () => new Promise<Response>(() => {}) });
    const closing = never.health();
    never.close();
    await expect(closing).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(never.openProject('x')).rejects.toMatchObject({ code: 'CLOSED' });
    slow.close();
    client.close();
    down.close();
  });

  it('[SDK-ERR] the client catalogue is the server catalogue', () => {
    expect(SERVER_ERROR_STATUS).toEqual(
      Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([code, { status }]) => [code, status])),
    );
    expect(statusOf('TIMEOUT')).toBe(0);
    expect(statusOf('CONFLICT')).toBe(409);
  });

  it('[SDK-BACKOFF] exponential with jitter, never over 5 s', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const lo = backoffDelay(attempt, {}, () => 0);
      const hi = backoffDelay(attempt, {}, () => 1);
      expect(hi).toBeLessThanOrEqual(5_000);
      expect(lo).toBeGreaterThanOrEqual(hi / 2);
      if (attempt > 0 && hi < 5_000) expect(hi).toBe(2 * backoffDelay(attempt - 1, {}, () => 1));
    }
    expect(backoffDelay(100, { maxDelayMs: 60_000 }, () => 1)).toBe(5_000);
  });

  it('[SDK-OPEN] opening a project that does not exist rejects with PROJECT_NOT_FOUND', async () => {
    const client = createClient({ url: server.base });
    await expect(client.openProject('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'PROJECT_NOT_FOUND',
      status: 404,
    });
    client.close();
  });

  it('[SDK-NAME] a declared name in any script reaches the server intact', async () => {
    const client = createClient({ url: server.base, name: '张伟 Zoë 🎉' });
    const { session_id, graph } = await client.createProject({ template_id: 'festival', project_name: 'N' });
    const answer = await client.execute(session_id, 'CreateNode', {
      parent_id: graph.roots[0]!.id,
      blueprint_type_id: 'stage',
    });
    const creating = answer.events.find((e) => e.event === 'command:executing');
    expect(creating?.actor).toEqual({ id: '张伟 Zoë 🎉', name: '张伟 Zoë 🎉' });
    client.close();
  });
});
