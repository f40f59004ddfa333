/**
 * Watch a project: connect, open a live mirror, print each change as it is applied.
 *
 *   npx tsx packages/client/examples/watch.ts <project-id> [--url http://127.0.0.1:5000] [--name me] [--token T]
 *
 * Without a project id it lists the projects. Stop with Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { createClient, type GraphEvent, isTalusError, type ProjectMirror } from '../src/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.TALUS_URL ?? 'http://127.0.0.1:5000' },
    name: { type: 'string' },
    token: { type: 'string' },
  },
});

const client = createClient({
  url: values.url,
  ...(values.name !== undefined ? { name: values.name } : {}),
  ...(values.token !== undefined ? { token: values.token } : {}),
});

/** One line per graph event, named after the node where the mirror knows it. */
function describe(mirror: ProjectMirror, e: GraphEvent): string | undefined {
  const name = (id: string | null) => (id === null ? '(roots)' : `"${mirror.getNode(id)?.name ?? id}"`);
  switch (e.event) {
    case 'node-created':
      return `created ${e.blueprint_type_id} "${e.name}" under ${name(e.parent_id)}`;
    case 'node-deleted':
      return `deleted ${e.deleted_ids.length} node(s) from ${e.node_id}`;
    case 'node-moved':
      return `moved ${name(e.node_id)} to ${name(e.parent_id)} at ${e.index}`;
    case 'node-linked':
      return `linked ${name(e.child_id)} under ${name(e.parent_id)}`;
    case 'node-unlinked':
      return `unlinked ${name(e.child_id)} from ${name(e.parent_id)}`;
    case 'property-changed':
      return `${name(e.node_id)}.${e.property_id}: ${JSON.stringify(e.old_value)} -> ${JSON.stringify(e.new_value)}`;
    case 'property-deleted':
      return `${name(e.node_id)}.${e.property_id} cleared`;
    default:
      return undefined;
  }
}

async function main(): Promise<void> {
  const projectId = positionals[0];
  if (projectId === undefined) {
    const { projects } = await client.listProjects();
    for (const p of projects) console.log(`${p.project_id}  r${p.revision}  ${p.name}`);
    client.close();
    return;
  }
  const mirror = await client.openProject(projectId);
  console.log(`${mirror.name}: revision ${mirror.revision}, ${mirror.roots().length} root(s) — watching`);
  mirror.on('state', (state) => console.log(`[${state}]`));
  mirror.on('resync', ({ revision }) => console.log(`reloaded at revision ${revision}`));
  mirror.on('change', ({ revision, events }) => {
    const actor = events[0]?.actor.name ?? '?';
    const kind = events.at(-1)?.event.replace('command:', '') ?? '';
    console.log(`r${revision} ${kind} by ${actor}`);
    for (const e of events) {
      const line = describe(mirror, e);
      if (line) console.log(`  ${line}`);
    }
  });
  mirror.on('presence', (clients) =>
    console.log(
      `here: ${clients.map((c) => `${c.user.name}${c.selected_node_id ? ' (selecting)' : ''}`).join(', ')}`,
    ),
  );
  process.once('SIGINT', () => {
    client.close();
  });
}

main().catch((err: unknown) => {
  console.error(isTalusError(err) ? `${err.code} (${err.status}): ${err.message}` : err);
  client.close();
  process.exitCode = 1;
});
