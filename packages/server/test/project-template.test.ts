import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, command, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const yaml = (extra: string) => `name: Kitchen
node_types:
- id: kitchen
  label: Kitchen
  features: [is_root]
  allowed_children: [cabinet${extra ? ', area' : ''}]
  properties:
  - { id: name, label: Name, type: text, required: true }
- id: cabinet
  label: Cabinet
  allowed_children: []
  properties:
  - { id: name, label: Name, type: text, required: true }
${extra}`;

const upload = (text: string) =>
  call(server, 'POST', '/templates?id=kitchen', text, { 'content-type': 'application/yaml' });

describe('a project keeps its copy of the template', () => {
  it('[PRJ2] later template changes alter neither its rules nor its schema (GET /projects/{id}/schema)', async () => {
    expect((await upload(yaml(''))).status).toBe(201);
    const created = await call(server, 'POST', '/projects', { template_id: 'kitchen', project_name: 'Home' });
    const { session_id, project_id } = created.body;
    const root = created.body.graph.roots[0].id;
    const area =
      '- id: area\n  label: Area\n  allowed_children: []\n  properties:\n  - { id: name, label: Name, type: text, required: true }\n';
    expect((await upload(yaml(area))).status).toBe(201);
    const installed = await call(server, 'GET', '/templates/kitchen/schema');
    expect(installed.body.node_types.map((t: { id: string }) => t.id)).toContain('area');
    const own = await call(server, 'GET', `/projects/${project_id}/schema`);
    expect(own.status).toBe(200);
    expect(own.body.node_types.map((t: { id: string }) => t.id)).toEqual(['kitchen', 'cabinet']);
    const refused = await command(server, session_id, 'CreateNode', {
      parent_id: root,
      blueprint_type_id: 'area',
    });
    expect(refused.body.error.code).toBe('INVALID_COMMAND');
    expect((await call(server, 'GET', '/projects/nope/schema')).body.error.code).toBe('PROJECT_NOT_FOUND');
  });
});
