/**
 * Test support for the client SDK: real servers (the server's own helpers), a way to cut a mirror's
 * connection from the server side, a gate that refuses reconnections until opened, and a recorder that
 * checks each revision is applied exactly once and in order.
 */
import type { ProjectMirror, TalusClient, TreeGraph } from '@talus/client';
import { expect } from 'vitest';
import type { TestServer } from '../../server/test/helpers.js';

export { createProject, startServer, type TestServer } from '../../server/test/helpers.js';

/** Poll `pred` every few milliseconds until it holds; fail with `label` after `ms`. */
export async function until(pred: () => boolean, label: string, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The server's socket of a mirror (by the client id the server gave it). */
export function serverSocket(server: TestServer, mirror: ProjectMirror) {
  const id = mirror.clientId;
  return id === null ? undefined : server.talus.io.of('/graph').sockets.get(id);
}

/** Cut a mirror's connection from the server side (as a network failure or a proxy would). */
export function cut(server: TestServer, mirror: ProjectMirror): boolean {
  const s = serverSocket(server, mirror);
  if (!s) return false;
  s.disconnect(true);
  return true;
}

/**
 * A gate in front of the server's `/graph` namespace: while closed, new connections from the named users
 * (all when none is named) are refused, so a cut mirror stays away until the test opens it again.
 */
export function gate(server: TestServer) {
  let closedFor: Set<string> | 'all' | null = null;
  server.talus.io.of('/graph').use((socket, next) => {
    const name = (socket.handshake.auth as { name?: unknown }).name;
    const refused =
      closedFor === 'all' || (closedFor !== null && typeof name === 'string' && closedFor.has(name));
    next(refused ? new Error('the test keeps this client out') : undefined);
  });
  return {
    close(...names: string[]) {
      closedFor = names.length > 0 ? new Set(names) : 'all';
    },
    open() {
      closedFor = null;
    },
  };
}

/**
 * Record what a mirror applies and check, as it happens, that every `change` is the revision after the
 * previous one (or after a `resync`), with events of that revision only.
 */
export function record(mirror: ProjectMirror) {
  const applied: number[] = [];
  const resyncs: number[] = [];
  const states: string[] = [];
  const errors: string[] = [];
  let last = mirror.revision;
  mirror.on('change', (c) => {
    if (c.revision !== last + 1) errors.push(`revision ${c.revision} after ${last}`);
    if (!c.events.every((e) => e.revision === c.revision))
      errors.push(`revision ${c.revision}: foreign events`);
    if (c.events.at(-1)?.event.startsWith('command:') !== true) errors.push(`revision ${c.revision}: torn`);
    last = c.revision;
    applied.push(c.revision);
  });
  mirror.on('resync', (r) => {
    resyncs.push(r.revision);
    last = r.revision;
  });
  mirror.on('state', (s) => states.push(s));
  return { applied, resyncs, states, errors };
}

/** Wait until the mirror is live at the server's current revision, then check it equals the server's graph. */
export async function expectInSync(
  client: TalusClient,
  mirror: ProjectMirror,
  ms = 30_000,
): Promise<TreeGraph> {
  let graph: TreeGraph | undefined;
  const t0 = Date.now();
  for (;;) {
    const answer = await client.getProject(mirror.projectId);
    graph = answer.graph;
    await until(
      () => mirror.state === 'live' && mirror.revision >= answer.revision,
      `mirror live at ${answer.revision}`,
      Math.max(1, ms - (Date.now() - t0)),
    );
    // quiet: nothing changed meanwhile, so the mirror and the answer describe the same revision
    if (mirror.revision === answer.revision) break;
  }
  expect(mirror.toTree()).toEqual(graph);
  return graph;
}

/** `1, 2, …, n` after `from`. */
export const revisionsAfter = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + 1 + i);

/** The command ids of a project's whole history, newest first (every page). */
export async function historyIds(client: TalusClient, projectId: string): Promise<string[]> {
  const ids: string[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await client.projectHistory(projectId, {
      limit: 1000,
      ...(before !== undefined ? { before } : {}),
    });
    ids.push(...page.history.map((h) => h.command_id));
    if (page.next_before === null) return ids;
    before = page.next_before;
  }
}
