/**
 * Presence through the SDK: three mirrors see each other join, select nodes, and leave — by closing, and
 * by losing the connection (then coming back with their selection restored and their colour kept).
 */
import { createClient, type PresenceClient, type ProjectMirror } from '@talus/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, cut, gate, startServer, until } from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const names = (m: ProjectMirror) => m.presence.map((c) => c.user.name).sort();
const of = (m: ProjectMirror, name: string): PresenceClient | undefined =>
  m.presence.find((c) => c.user.name === name);

describe('presence', () => {
  it('[SDK4] three mirrors see each other join, select nodes, and leave (disconnect included)', async () => {
    const server = await startServer();
    cleanups.push(() => server.close());
    const { projectId, rootId } = await createProject(server);
    const clients = ['ada', 'bob', 'cy'].map((name) =>
      createClient({ url: server.base, name, reconnect: { initialDelayMs: 50 } }),
    );
    cleanups.push(() => {
      for (const c of clients) c.close();
    });
    const [ada, bob, cy] = await Promise.all(clients.map((c) => c.openProject(projectId)));
    const all = [ada!, bob!, cy!];
    const seen: string[][] = [];
    ada!.on('presence', (list) => seen.push(list.map((c) => c.user.name).sort()));

    // join
    for (const m of all) await until(() => names(m).join() === 'ada,bob,cy', `${m.clientId} sees all three`);
    for (const m of all) expect(m.presence.map((c) => c.client_id)).toContain(m.clientId);

    // select
    const stage = await ada!.execute('CreateNode', { parent_id: rootId, blueprint_type_id: 'stage' });
    ada!.setPresence({ selected_node_id: rootId });
    bob!.setPresence({ selected_node_id: stage.node_id!, editing_property_id: 'capacity' });
    cy!.setPresence({ selected_node_id: stage.node_id! });
    for (const m of all) {
      await until(
        () =>
          of(m, 'ada')?.selected_node_id === rootId &&
          of(m, 'bob')?.selected_node_id === stage.node_id &&
          of(m, 'bob')?.editing_property_id === 'capacity' &&
          of(m, 'cy')?.selected_node_id === stage.node_id,
        'selections',
      );
    }
    const bobColor = of(ada!, 'bob')!.color;
    expect(bobColor).toMatch(/^#[0-9a-f]{6}$/);

    // a burst of updates: the room ends with the latest state
    for (let i = 0; i < 30; i++) cy!.setPresence({ editing_property_id: `p${i}` });
    await until(() => of(ada!, 'cy')?.editing_property_id === 'p29', 'latest presence wins');

    // leave by closing
    cy!.close();
    await until(() => names(ada!).join() === 'ada,bob' && names(bob!).join() === 'ada,bob', 'cy gone');

    // leave by losing the connection; kept out until the gate opens
    const g = gate(server);
    g.close('bob');
    const bobClientId = bob!.clientId;
    cut(server, bob!);
    await until(() => names(ada!).join() === 'ada', 'bob gone after the cut');
    expect(bob!.state).toBe('reconnecting');
    g.open();
    await until(() => bob!.state === 'live', 'bob back');
    await until(
      () =>
        of(ada!, 'bob')?.selected_node_id === stage.node_id &&
        of(ada!, 'bob')?.editing_property_id === 'capacity',
      "bob's selection restored",
    );
    expect(of(ada!, 'bob')!.client_id).not.toBe(bobClientId);
    expect(of(ada!, 'bob')!.color).toBe(bobColor);
    expect(seen).toContainEqual(['ada']);
  });
});
