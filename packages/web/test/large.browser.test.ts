import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createProject, startServer, type TestServer } from '../../server/test/helpers.js';
import { chromiumAvailable, ensureWebBuilt, eventually, launchBrowser, newUser, shot } from './browser.js';
import { ProjectUi } from './ui.js';

/** A talus-tally/1 file of `phases` phases with `jobs` jobs each under the root of an exported project. */
function bigFile(exported: any, phases: number, jobs: number) {
  const root = exported.nodes[0];
  const now = new Date().toISOString();
  const node = (name: string, type: string, parent: string) => ({
    id: randomUUID(),
    blueprint_type_id: type,
    name,
    properties: { name },
    parent_id: parent,
    children: [] as string[],
    metadata: {},
    created_at: now,
    updated_at: now,
  });
  const nodes: any[] = [{ ...root, children: [] }];
  for (let p = 1; p <= phases; p++) {
    const phase = node(`Phase ${p}`, 'phase', root.id);
    nodes[0].children.push(phase.id);
    nodes.push(phase);
    for (let j = 1; j <= jobs; j++) {
      const job = node(`Job ${p}.${j}`, 'job', phase.id);
      phase.children.push(job.id);
      nodes.push(job);
    }
  }
  return { ...exported, nodes };
}

const run = chromiumAvailable();

describe.runIf(run)('web UI: a 10,001-node project', () => {
  let server: TestServer;
  let browser: Browser;
  let projectId: string;

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    const p = await createProject(server, 'vehicle_build', 'Fleet');
    const exported = (await call(server, 'GET', `/projects/${p.projectId}/export`)).body;
    const imported = await call(server, 'POST', '/projects/import', bigFile(exported, 100, 99));
    expect(imported.status).toBe(201);
    expect(imported.body.node_count).toBe(10_001);
    projectId = imported.body.project_id;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('[WEB9] opens, expands all and moves through 10,001 nodes without freezing; only visible rows are drawn', async () => {
    const { page } = await newUser(browser, 'Ada');
    const ui = new ProjectUi(page);
    const t0 = Date.now();
    await page.goto(`${server.base}/projects/${projectId}`);
    await ui.waitLive(20_000);
    await ui.row('Phase 1').waitFor();
    const opened = Date.now() - t0;
    expect(opened, `opened in ${opened} ms`).toBeLessThan(10_000);

    const t1 = Date.now();
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.locator('[data-testid="tree"][data-row-count="10001"]').waitFor();
    const expandedIn = Date.now() - t1;
    expect(expandedIn, `expanded in ${expandedIn} ms`).toBeLessThan(3000);
    // virtualized: a screenful of rows in the DOM, not 10,000
    expect(await page.getByRole('treeitem').count()).toBeLessThan(80);

    await ui.row('Fleet').click();
    await page.getByTestId('tree').focus();
    const t2 = Date.now();
    await page.keyboard.press('End');
    await ui.row('Job 100.99').waitFor();
    expect(await ui.row('Job 100.99').getAttribute('aria-selected')).toBe('true');
    const jumped = Date.now() - t2;
    expect(jumped, `End took ${jumped} ms`).toBeLessThan(1500);

    // a burst of key presses stays responsive
    const t3 = Date.now();
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowUp');
    await eventually(async () =>
      expect(await ui.row('Job 100.79').getAttribute('aria-selected')).toBe('true'),
    );
    const stepped = Date.now() - t3;
    expect(stepped, `20 moves took ${stepped} ms`).toBeLessThan(3000);

    // ← goes to the parent, scrolled into view; a change there shows at once
    await page.keyboard.press('ArrowLeft');
    await eventually(async () =>
      expect(await ui.row('Phase 100').getAttribute('aria-selected')).toBe('true'),
    );
    await ui.addChild('Phase 100', 'Shop Job', 'Job 100.100');
    await shot(page, '13-large-project');
    await page.close();
  });
});
