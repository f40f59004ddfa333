import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, createProject, startServer, type TestServer } from '../../server/test/helpers.js';
import { chromiumAvailable, ensureWebBuilt, eventually, launchBrowser, newUser, shot } from './browser.js';
import { ProjectUi, serverGraph } from './ui.js';

/**
 * Two people (two browser contexts) on one project: each sees the other's edits and presence within a
 * second, also after one of them lost the connection and got it back.
 */
const run = chromiumAvailable();
const SECOND = 1000;

describe.runIf(run)('web UI: two people on one project', () => {
  let server: TestServer;
  let browser: Browser;
  let ada: { context: BrowserContext; page: Page; ui: ProjectUi };
  let grace: { context: BrowserContext; page: Page; ui: ProjectUi };
  let projectId: string;

  /** Cut Grace's sockets from the server side (as a dropped network would). */
  const cutGrace = () => {
    let cut = 0;
    for (const socket of server.talus.io.of('/graph').sockets.values()) {
      if ((socket.handshake.auth as { name?: string }).name === 'Grace') {
        socket.disconnect(true);
        cut++;
      }
    }
    return cut;
  };

  /** Wait until `check` holds in the page, and fail if that took longer than `ms` after `t0`. */
  const within = async (ms: number, t0: number, what: string, check: () => Promise<unknown>) => {
    await check();
    const took = Date.now() - t0;
    expect(took, `${what} took ${took} ms`).toBeLessThanOrEqual(ms);
  };

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    const p = await createProject(server, 'vehicle_build', 'Shop floor');
    projectId = p.projectId;
    const phase = await command(server, p.sessionId, 'CreateNode', {
      parent_id: p.rootId,
      blueprint_type_id: 'phase',
      name: 'Bodywork',
    });
    await command(server, p.sessionId, 'CreateNode', {
      parent_id: phase.body.node_id,
      blueprint_type_id: 'job',
      name: 'Strip paint',
    });
    browser = await launchBrowser();
    const open = async (name: string) => {
      const u = await newUser(browser, name);
      await u.page.goto(`${server.base}/projects/${projectId}`);
      const ui = new ProjectUi(u.page);
      await ui.waitLive();
      // expand the phase (keyboard: select it, then →)
      await ui.select('Bodywork');
      await u.page.getByTestId('tree').focus();
      await u.page.keyboard.press('ArrowRight');
      await ui.row('Strip paint').waitFor();
      return { ...u, ui };
    };
    ada = await open('Ada');
    grace = await open('Grace');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('[COL1] each sees who else is here and what they selected, within a second', async () => {
    await ada.page.locator('.presence__person[data-user="Grace"]').waitFor({ timeout: 5000 });
    await grace.page.locator('.presence__person[data-user="Ada"]').waitFor({ timeout: 5000 });
    const t0 = Date.now();
    await grace.ui.select('Strip paint');
    await within(SECOND, t0, "Grace's selection at Ada's", () =>
      ada.ui.row('Strip paint').getByTitle('Grace is here').waitFor({ timeout: SECOND }),
    );
    const t1 = Date.now();
    await ada.ui.select('Bodywork');
    await within(SECOND, t1, "Ada's selection at Grace's", () =>
      grace.ui.row('Bodywork').getByTitle('Ada is here').waitFor({ timeout: SECOND }),
    );
  });

  it("[COL2] each sees the other's edits within a second, highlighted", async () => {
    await ada.ui.addChild('Bodywork', 'Shop Job', 'Weld panels');
    const t0 = Date.now();
    await within(SECOND, t0, "Ada's new job at Grace's", () =>
      grace.ui.row('Weld panels').waitFor({ timeout: SECOND }),
    );
    expect(await grace.ui.row('Weld panels').getAttribute('class')).toContain('tree-row--changed');

    // Grace sets a status: Ada's tree shows the new indicator, and her inspector the new value
    await grace.ui.select('Bodywork');
    await ada.ui.select('Bodywork');
    await grace.ui.field('Status').click();
    const t1 = Date.now();
    await grace.page.getByRole('option', { name: 'In Progress', exact: true }).click();
    await within(SECOND, t1, "Grace's status at Ada's", async () => {
      await ada.ui.row('Bodywork').locator('.indicator--partial').waitFor({ timeout: SECOND });
    });
    expect(await ada.ui.field('Status').textContent()).toContain('In Progress');
    await shot(ada.page, '10-collaboration');
  });

  it('[COL3] after a cut connection comes back, both catch up and see each other again', async () => {
    await grace.ui.select('Strip paint');
    await ada.ui.row('Strip paint').getByTitle('Grace is here').waitFor({ timeout: SECOND });

    // cut from the server's side, and keep the network down so that the mirror stays away for a while
    const cut = cutGrace();
    await grace.context.setOffline(true);
    expect(cut).toBeGreaterThan(0);
    await grace.page
      .locator('[data-testid="connection"][data-state="reconnecting"]')
      .waitFor({ timeout: 5000 });
    await ada.page
      .locator('.presence__person[data-user="Grace"]')
      .waitFor({ state: 'detached', timeout: 5000 });

    // while Grace is away: Ada adds a job; Grace renames one (queued until she is back)
    await ada.ui.addChild('Bodywork', 'Shop Job', 'Paint booth prep');
    await grace.ui.field(/^Job/).fill('Strip to metal');
    await grace.ui.field(/^Job/).press('Enter');
    await grace.page.getByTestId('connection').getByText('(1 waiting)').waitFor();
    await shot(grace.page, '11-reconnecting');

    await grace.context.setOffline(false);
    await grace.ui.waitLive(15_000);
    const back = Date.now();
    await within(SECOND, back, "Ada's job at Grace's after the cut", () =>
      grace.ui.row('Paint booth prep').waitFor({ timeout: SECOND }),
    );
    await within(SECOND, back, "Grace's queued rename at Ada's", () =>
      ada.ui.row('Strip to metal').waitFor({ timeout: SECOND }),
    );
    await within(SECOND, back, "Grace's presence at Ada's", () =>
      ada.ui.row('Strip to metal').getByTitle('Grace is here').waitFor({ timeout: SECOND }),
    );

    // and live again both ways
    await grace.ui.addChild('Bodywork', 'Inspection', 'Primer check');
    const t0 = Date.now();
    await within(SECOND, t0, "Grace's inspection at Ada's", () =>
      ada.ui.row('Primer check').waitFor({ timeout: SECOND }),
    );
    await eventually(async () => {
      const g = await serverGraph(server, projectId);
      const names = g.byName('Bodywork').children.map((id: string) => g.nodes.get(id)?.name);
      expect(names).toEqual(['Strip to metal', 'Weld panels', 'Paint booth prep', 'Primer check']);
    });
    await shot(grace.page, '12-after-reconnect');
  });
});
