import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '@talus/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorBody } from '../src/errors.js';
import { ack, call, command, connect, createProject, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ historyKeep: 5 });
});
afterAll(async () => server.close());

const expectError = (r: { status: number; body: any }, status: number, code: string) => {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code });
  expect(typeof r.body.error.message).toBe('string');
  expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/);
};

describe('error codes over HTTP', () => {
  it('[ERR1] INVALID_REQUEST for malformed bodies, unknown or mistyped fields, lengths', async () => {
    expectError(await call(server, 'POST', '/commands/execute', '{not json'), 400, 'INVALID_REQUEST');
    expectError(await call(server, 'POST', '/commands/execute', '[]'), 400, 'INVALID_REQUEST');
    expectError(await call(server, 'POST', '/projects', { template_id: 'festival' }), 400, 'INVALID_REQUEST');
    expectError(
      await call(server, 'POST', '/projects', { template_id: 'festival', project_name: 'x', colour: 'red' }),
      400,
      'INVALID_REQUEST',
    );
    expectError(
      await call(server, 'POST', '/projects', { template_id: 'festival', project_name: 'y'.repeat(201) }),
      400,
      'INVALID_REQUEST',
    );
    expectError(
      await call(server, 'POST', '/sessions/cleanup', { max_inactive_hours: 'soon' }),
      400,
      'INVALID_REQUEST',
    );
    const { sessionId } = await createProject(server);
    expectError(
      await call(server, 'POST', '/commands/execute', {
        session_id: sessionId,
        command_type: 'CreateNode',
        data: {},
        expected_revision: '0',
      }),
      400,
      'INVALID_REQUEST',
    );
  });

  it('[ERR2] INVALID_COMMAND for anything about command_type or data', async () => {
    const { sessionId, rootId } = await createProject(server);
    expectError(await command(server, sessionId, 'Teleport', {}), 400, 'INVALID_COMMAND');
    expectError(await command(server, sessionId, 'CreateNode', 'x'), 400, 'INVALID_COMMAND');
    expectError(
      await command(server, sessionId, 'CreateNode', { parent_id: rootId, blueprint_type_id: 'act' }),
      400,
      'INVALID_COMMAND',
    );
    expectError(
      await command(server, sessionId, 'UpdateProperty', {
        node_id: rootId,
        property_id: 'budget',
        value: 1.234,
      }),
      400,
      'INVALID_COMMAND',
    );
  });

  it('[ERR3] INVALID_TEMPLATE, TEMPLATE_NOT_FOUND', async () => {
    expectError(await call(server, 'GET', '/templates/bad_festival/schema'), 400, 'INVALID_TEMPLATE');
    const bad = await call(server, 'POST', '/projects', { template_id: 'bad_festival', project_name: 'x' });
    expectError(bad, 400, 'INVALID_TEMPLATE');
    expect(bad.body.error.details.problems.length).toBe(2);
    expectError(await call(server, 'GET', '/templates/nope/schema'), 404, 'TEMPLATE_NOT_FOUND');
    expectError(
      await call(server, 'POST', '/projects', { template_id: '../../etc/passwd', project_name: 'x' }),
      404,
      'TEMPLATE_NOT_FOUND',
    );
  });

  it('[ERR4] NOTHING_TO_UNDO, NOTHING_TO_REDO', async () => {
    const { sessionId } = await createProject(server);
    expectError(await call(server, 'POST', `/sessions/${sessionId}/undo`, {}), 400, 'NOTHING_TO_UNDO');
    expectError(await call(server, 'POST', `/sessions/${sessionId}/redo`), 400, 'NOTHING_TO_REDO');
  });

  it('[ERR5] INVALID_SESSION for unknown and malformed session ids everywhere', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', '%00', 'a'.repeat(150)]) {
      expectError(await call(server, 'GET', `/sessions/${id}/info`), 404, 'INVALID_SESSION');
      expectError(await call(server, 'GET', `/graph?session_id=${id}`), 404, 'INVALID_SESSION');
      expectError(await call(server, 'POST', `/sessions/${id}/undo`, {}), 404, 'INVALID_SESSION');
      expectError(await command(server, id, 'DeleteNode', { node_id: 'x' }), 404, 'INVALID_SESSION');
    }
  });

  it('[ERR6] PROJECT_NOT_FOUND, NODE_NOT_FOUND', async () => {
    expectError(await call(server, 'GET', '/projects/nope'), 404, 'PROJECT_NOT_FOUND');
    expectError(await call(server, 'DELETE', '/projects/nope'), 404, 'PROJECT_NOT_FOUND');
    const { sessionId } = await createProject(server);
    expectError(await command(server, sessionId, 'DeleteNode', { node_id: 'ghost' }), 404, 'NODE_NOT_FOUND');
  });

  it('[ERR7] CONFLICT: stale expected_revision, reused command id, session with or without a project', async () => {
    const { sessionId, rootId } = await createProject(server);
    expectError(
      await command(
        server,
        sessionId,
        'CreateNode',
        { parent_id: rootId, blueprint_type_id: 'stage' },
        { expected_revision: 9 },
      ),
      409,
      'CONFLICT',
    );
    await command(
      server,
      sessionId,
      'CreateNode',
      { parent_id: rootId, blueprint_type_id: 'stage' },
      { command_id: 'dup' },
    );
    expectError(
      await command(
        server,
        sessionId,
        'CreateNode',
        { parent_id: rootId, blueprint_type_id: 'area' },
        { command_id: 'dup' },
      ),
      409,
      'CONFLICT',
    );
    expectError(
      await call(server, 'POST', '/projects', {
        template_id: 'festival',
        project_name: 'x',
        session_id: sessionId,
      }),
      409,
      'CONFLICT',
    );
    const empty = await call(server, 'POST', '/sessions');
    expectError(await call(server, 'GET', `/sessions/${empty.body.session_id}/graph`), 409, 'CONFLICT');
  });

  it('[ERR8] HISTORY_TRUNCATED outside the kept history (TALUS_HISTORY_KEEP=5)', async () => {
    const { sessionId, projectId, rootId } = await createProject(server);
    for (let i = 0; i < 8; i++)
      await command(server, sessionId, 'UpdateProperty', {
        node_id: rootId,
        property_id: 'expected_attendance',
        value: i,
      });
    const old = await call(server, 'GET', `/sessions/${sessionId}/events?since=1`);
    expectError(old, 410, 'HISTORY_TRUNCATED');
    expect(old.body.error.details.revision).toBe(8);
    expectError(
      await call(server, 'GET', `/sessions/${sessionId}/events?since=99`),
      410,
      'HISTORY_TRUNCATED',
    );
    const recent = await call(server, 'GET', `/sessions/${sessionId}/events?since=5`);
    expect(recent.status).toBe(200);
    expect(new Set(recent.body.events.map((e: { revision: number }) => e.revision))).toEqual(
      new Set([6, 7, 8]),
    );
    // the store keeps the same five entries (dropped in the commits' own transactions)
    const db = new Database(join(server.dataDir, 'talus.db'), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT revision FROM history WHERE project_id = ? ORDER BY revision')
        .all(projectId) as Array<{ revision: number }>;
      expect(rows.map((r) => r.revision)).toEqual([4, 5, 6, 7, 8]);
    } finally {
      db.close();
    }
  });

  it('[ERR1b] JSON bodies: an empty one is no body; a bad one is refused saying why, changing nothing', async () => {
    const { sessionId } = await createProject(server);
    const json = { 'content-type': 'application/json' };
    // clients that send Content-Type: application/json on every request, body or not
    expectError(await call(server, 'POST', `/sessions/${sessionId}/undo`, '', json), 400, 'NOTHING_TO_UNDO');
    expect((await call(server, 'POST', '/sessions', '', json)).status).toBe(201);
    expect((await call(server, 'POST', '/sessions', '  \n', json)).status).toBe(201);
    // a route that needs a body still says so
    expectError(await call(server, 'POST', '/commands/execute', '', json), 400, 'INVALID_REQUEST');
    const bad = await call(server, 'POST', '/commands/execute', '{"session_id": ');
    expectError(bad, 400, 'INVALID_REQUEST');
    expect(bad.body.error.message).toMatch(/^the body is not valid JSON: /);
    const poisoned = await call(
      server,
      'POST',
      '/commands/execute',
      `{"session_id":"${sessionId}","command_type":"CreateNode","data":{"__proto__":{"x":1}}}`,
    );
    expectError(poisoned, 400, 'INVALID_REQUEST');
    expect(poisoned.body.error.message).toMatch(/__proto__/);
    expect((await call(server, 'GET', `/sessions/${sessionId}/graph`)).body.revision).toBe(0);
  });

  it('[ERR9] PAYLOAD_TOO_LARGE for bodies over 1 MiB', async () => {
    expectError(
      await call(server, 'POST', '/projects', {
        template_id: 'festival',
        project_name: 'x'.repeat(2_000_000),
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('[ERR10] unexpected errors become INTERNAL with no message or stack; the catalogue maps statuses', () => {
    expect(toErrorBody(new Error('secret detail at /srv/app.js:12'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
    });
    expect(ERROR_CATALOGUE.RATE_LIMITED.status).toBe(429);
    expect(ERROR_CATALOGUE.UNAUTHORIZED.status).toBe(401);
  });

  it('[ERR11] docs/errors.md lists exactly the catalogue, with its statuses', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERROR_CATALOGUE).map(([code, { status }]) => [code, status]));
  });
});

describe('error codes over the socket', () => {
  it('[ERR12] acks carry the same envelope; FORBIDDEN before joining; INVALID_SESSION for unknown sessions', async () => {
    const { sessionId, rootId } = await createProject(server);
    const s = await connect(server, { name: 'Sock' });
    try {
      const data = { parent_id: rootId, blueprint_type_id: 'stage' };
      expect(
        await ack(s, 'execute_command', { session_id: sessionId, command_type: 'CreateNode', data }),
      ).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await ack(s, 'join_session', { session_id: 'unknown' })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_SESSION' },
      });
      for (const p of [null, 42, 'x', [], { session_id: {} }]) {
        expect(await ack(s, 'join_session', p)).toMatchObject({
          ok: false,
          error: { code: 'INVALID_REQUEST' },
        });
      }
      await ack(s, 'join_session', { session_id: sessionId });
      expect(
        await ack(s, 'execute_command', { session_id: sessionId, command_type: 'Nope', data: {} }),
      ).toMatchObject({
        ok: false,
        error: { code: 'INVALID_COMMAND' },
      });
      expect(await ack(s, 'redo', { session_id: sessionId })).toMatchObject({
        ok: false,
        error: { code: 'NOTHING_TO_REDO' },
      });
      expect(
        await ack(s, 'execute_command', {
          session_id: sessionId,
          command_type: 'CreateNode',
          data,
          expected_revision: 7,
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT' },
      });
    } finally {
      s.close();
    }
  });

  it('[ERR14] an unknown event sent with an acknowledgement is answered INVALID_REQUEST', async () => {
    const s = await connect(server);
    try {
      expect(await ack(s, 'bogus_event', {})).toMatchObject({
        ok: false,
        error: { code: 'INVALID_REQUEST', message: 'unknown event "bogus_event"' },
      });
      expect(await ack(s, 'ping')).toMatchObject({ ok: true }); // the socket carries on
    } finally {
      s.close();
    }
  });

  it('[ERR13] RATE_LIMITED when a socket sends faster than its bucket allows', async () => {
    const limited = await startServer({ socketEventsPerSec: 5 });
    const s = await connect(limited);
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => ack(s, 'ping')));
      const codes = answers.map((a) => (a.ok ? 'ok' : a.error.code));
      expect(codes.filter((c) => c === 'ok').length).toBe(10);
      expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBe(20);
    } finally {
      s.close();
      await limited.close();
    }
  });
});
