import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, FIXTURES, startServer, type TestServer } from '../../server/test/helpers.js';
import { chromiumAvailable, ensureWebBuilt, eventually, launchBrowser, newUser, shot } from './browser.js';
import { ProjectUi, projectIdOf, serverGraph } from './ui.js';

/**
 * The web UI in real Chromium against the real server (local mode): create a project from a built-in
 * template, build its tree, edit every property type, undo/redo, keyboard, reload, import/export.
 * The steps build on each other, in order.
 */
const run = chromiumAvailable();

describe.runIf(run)('web UI: one person editing a project', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let ui: ProjectUi;
  let projectId: string;

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer({ templatesDirs: [join(FIXTURES, 'templates')] });
    browser = await launchBrowser();
    page = (await newUser(browser, 'Ada')).page;
    ui = new ProjectUi(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('[WEB1] opens on the project list without a login (local mode) and creates a project from a template', async () => {
    await page.goto(`${server.base}/`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(await page.getByText('Local mode').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByText(/Plan and track a restomod or vehicle build/).waitFor(); // descriptions shown
    await dialog.getByLabel('Project name').fill('1969 Camaro');
    await dialog.getByRole('radio', { name: /Vehicle Build/ }).check();
    await shot(page, '01-new-project');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await ui.row('1969 Camaro').waitFor();
    await ui.waitLive();
    projectId = projectIdOf(page);
    const g = await serverGraph(server, projectId);
    expect(g.byName('1969 Camaro').blueprint_type_id).toBe('build');
  });

  it('[WEB2] adds children through a menu of only the allowed types', async () => {
    expect(await ui.offeredTypes('1969 Camaro')).toEqual(['Phase', 'Parts Inventory', 'Inspection', 'Crew']);
    await ui.addChild('1969 Camaro', 'Phase', 'Bodywork');
    expect(await ui.offeredTypes('Bodywork')).toEqual(['Shop Job', 'Inspection']);
    await ui.addChild('Bodywork', 'Shop Job', 'Strip paint');
    await ui.addChild('Bodywork', 'Shop Job', 'Weld panels');
    await ui.addChild('1969 Camaro', 'Parts Inventory', 'Parts');
    await ui.addChild('Parts', 'Part', 'Brake pads');
    await ui.addChild('1969 Camaro', 'Crew', 'Shop crew');
    await ui.addChild('Shop crew', 'Crew Member', 'Dana');
    // a shop job takes no children: the button says so and is disabled
    await ui.select('Strip paint');
    const add = page.getByTestId('add-child');
    expect(await add.isDisabled()).toBe(true);
    expect(await add.getAttribute('title')).toBe('A Shop Job has no child types');

    const g = await serverGraph(server, projectId);
    const parentOf = (name: string) => g.nodes.get(g.byName(name).parent_id)?.name;
    expect(parentOf('Bodywork')).toBe('1969 Camaro');
    expect(parentOf('Strip paint')).toBe('Bodywork');
    expect(parentOf('Brake pads')).toBe('Parts');
    expect(parentOf('Dana')).toBe('Shop crew');
    expect(g.byName('Brake pads').blueprint_type_id).toBe('part');
    await shot(page, '02-tree');
  });

  it('[WEB3] refuses a drop that allowed_children forbids, visibly; an allowed drag reorders', async () => {
    const before = await serverGraph(server, projectId);
    // hover a forbidden drop: the row is marked with the reason while dragging
    const part = ui.row('Brake pads');
    const phase = ui.row('Bodywork');
    await part.hover();
    await page.mouse.down();
    const box = (await phase.boundingBox())!;
    await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width / 3 + 4, box.y + box.height / 2, { steps: 2 });
    await page.locator('.tree-row--drop-refused').waitFor();
    expect(await page.locator('.tree-row__refusal').textContent()).toContain('A Phase cannot contain a Part');
    await shot(page, '03-refused-drop');
    await page.mouse.up();
    await ui.toast(/Not moved: A Phase cannot contain a Part/).waitFor();
    const after = await serverGraph(server, projectId);
    expect(after.revision).toBe(before.revision);
    expect(after.byName('Brake pads').parent_id).toBe(before.byName('Parts').id);

    // drag "Weld panels" onto the top edge of "Strip paint": it goes first
    const target = (await ui.row('Strip paint').boundingBox())!;
    await ui
      .row('Weld panels')
      .dragTo(ui.row('Strip paint'), { targetPosition: { x: target.width / 3, y: 3 } });
    await eventually(async () => {
      const g = await serverGraph(server, projectId);
      const kids = g.byName('Bodywork').children.map((id: string) => g.nodes.get(id)?.name);
      expect(kids).toEqual(['Weld panels', 'Strip paint']);
    });
  });

  it('[WEB4] edits every property type in the inspector; invalid input is explained and never sent', async () => {
    await ui.select('Brake pads');
    await ui.field('Part Number / SKU').fill('BP-1234');
    await ui.field('Part Number / SKU').press('Enter');
    await ui.field('Quantity').fill('4');
    await ui.field('Quantity').press('Tab');
    await ui.field('Unit Cost').fill('1,250.5');
    await ui.field('Unit Cost').press('Tab');
    await ui.field('Has Core Charge').check();
    await ui.field('Ordered On').fill('2026-03-15');
    await ui.field('Status').click();
    const options = await page.getByRole('option').allTextContents();
    expect(options).toEqual(['Not set', 'Wishlist', 'Ordered', 'Received', 'Installed', 'Backordered']);
    await page.getByRole('option', { name: 'Ordered', exact: true }).click();
    await ui.field('Fitment Notes').fill('Front axle.\nUse the ceramic set.');
    await ui.field('Fitment Notes').blur();

    const g = await eventually(async () => {
      const g = await serverGraph(server, projectId);
      expect(g.byName('Brake pads').properties.fitment_notes).toBe('Front axle.\nUse the ceramic set.');
      return g;
    });
    const p = g.byName('Brake pads').properties;
    expect(p.part_number).toBe('BP-1234');
    expect(p.quantity).toBe(4);
    expect(p.unit_cost).toBe(1250.5);
    expect(p.core_charge).toBe(true);
    expect(p.ordered_on).toBe('2026-03-15');
    const schema = (await call(server, 'GET', '/templates/vehicle_build/schema')).body;
    const status = schema.node_types
      .find((t: any) => t.id === 'part')
      .properties.find((x: any) => x.id === 'status');
    expect(p.status).toBe(status.options.find((o: any) => o.name === 'Ordered').uuid); // stored as the option's uuid
    expect(await ui.field('Unit Cost').inputValue()).toBe('$1,250.50'); // currency shown formatted
    // the status indicator in the tree follows the select
    expect(await ui.row('Brake pads').getAttribute('aria-label')).toContain('Status: Ordered');
    await eventually(async () =>
      expect(await ui.row('Brake pads').locator('.indicator--partial').count()).toBe(1),
    );

    // node_reference: the picker offers only nodes of the target type
    await ui.select('Strip paint');
    const partPicker = ui.field('Main Part Used');
    expect(await partPicker.locator('option').allTextContents()).toEqual(['— No Part —', 'Brake pads']);
    await partPicker.selectOption({ label: 'Brake pads' });
    await ui.field('Assigned To').selectOption({ label: 'Dana' });
    await ui.field('Shop Notes').fill('Media blast, not chemical stripper.');
    await ui.field('Shop Notes').blur();
    const g2 = await eventually(async () => {
      const g2 = await serverGraph(server, projectId);
      expect(g2.byName('Strip paint').properties.assigned_to).toBe(g2.byName('Dana').id);
      return g2;
    });
    expect(g2.byName('Strip paint').properties.part_used).toBe(g2.byName('Brake pads').id);

    // invalid input: explained next to the field, nothing sent
    const revision = g2.revision;
    await ui.field('Labor Rate (per hour)').fill('85.123');
    await ui.field('Labor Rate (per hour)').press('Enter');
    expect(await ui.fieldError('labor_rate').textContent()).toMatch(/at most 2 decimals/);
    expect(await ui.field('Labor Rate (per hour)').getAttribute('aria-invalid')).toBe('true');
    await ui.field('Estimated Hours').fill('a dozen');
    await ui.field('Estimated Hours').press('Enter');
    expect(await ui.fieldError('estimated_hours').textContent()).toMatch(/Enter a number/);
    const name = ui.field(/^Job/);
    await name.fill('');
    await name.press('Enter');
    expect(await ui.fieldError('name').textContent()).toMatch(/required/);
    await shot(page, '04-inspector-invalid');
    await ui.field('Labor Rate (per hour)').fill('85.50');
    await ui.field('Labor Rate (per hour)').press('Enter');
    await ui.field('Estimated Hours').fill('12');
    await ui.field('Estimated Hours').press('Enter');
    await name.fill('Strip paint');
    await name.press('Enter');
    await eventually(async () => {
      const g3 = await serverGraph(server, projectId);
      expect(g3.byName('Strip paint').properties.labor_rate).toBe(85.5);
      expect(g3.byName('Strip paint').properties.estimated_hours).toBe(12);
      // exactly the two valid changes were sent: the invalid ones never reached the server
      expect(g3.revision).toBe(revision + 2);
    });
    await shot(page, '05-inspector');
  });

  it('[WEB5] undoes and redoes with the buttons and Ctrl+Z / Ctrl+Shift+Z; the history says who did what', async () => {
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await eventually(async () => {
      const g = await serverGraph(server, projectId);
      expect(g.byName('Strip paint').properties.estimated_hours).toBe(0);
    });
    await eventually(async () => expect(await ui.field('Estimated Hours').inputValue()).toBe('0'));
    await ui.row('Strip paint').click(); // the keys go to the page, not a text field
    await page.keyboard.press('Control+Shift+Z');
    await eventually(async () => expect(await ui.field('Estimated Hours').inputValue()).toBe('12'));
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+Z');
    await eventually(async () => {
      const g = await serverGraph(server, projectId);
      expect(g.byName('Strip paint').properties.estimated_hours).toBe(0);
      expect(g.byName('Strip paint').properties.labor_rate).toBeUndefined();
    });
    await page.getByRole('button', { name: 'Redo', exact: true }).click();
    await page.getByRole('button', { name: 'Redo', exact: true }).click();
    await eventually(async () => {
      const g = await serverGraph(server, projectId);
      expect(g.byName('Strip paint').properties.labor_rate).toBe(85.5);
      expect(g.byName('Strip paint').properties.estimated_hours).toBe(12);
    });
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText('redid: set Labor Rate (per hour) of “Strip paint” to $85.50').waitFor();
    const newest = history.locator('.history__item').first();
    expect(await newest.locator('.history__who').textContent()).toBe('Ada');
    // the second redo re-applied the first undone change: the estimate
    expect(await newest.locator('.history__what').textContent()).toBe(
      'redid: set Estimated Hours of “Strip paint” to 12',
    );
    await shot(page, '06-history');
  });

  it('[WEB6] keyboard: arrows move, Enter renames, Delete asks and deletes', async () => {
    // a click on a row is enough for the keys to work (the tree keeps the focus)
    await ui.row('Weld panels').click();
    await page.keyboard.press('ArrowDown');
    expect(await ui.row('Strip paint').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowLeft'); // to the parent
    expect(await ui.row('Bodywork').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowLeft'); // collapse
    expect(await ui.row('Bodywork').getAttribute('aria-expanded')).toBe('false');
    expect(await ui.row('Strip paint').count()).toBe(0);
    await page.keyboard.press('ArrowRight'); // expand
    await ui.row('Strip paint').waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.type('Body & Paint');
    await page.keyboard.press('Enter');
    await ui.row('Body & Paint').waitFor();
    await ui.row('Weld panels').click();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete “Weld panels”?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await eventually(async () => expect(await ui.row('Weld panels').count()).toBe(0));
    // the selection moves to the next sibling (else the previous one, else the parent)
    expect(await ui.row('Strip paint').getAttribute('aria-selected')).toBe('true');
    const g = await serverGraph(server, projectId);
    expect([...g.nodes.values()].some((n) => n.name === 'Weld panels')).toBe(false);
    expect(g.byName('Body & Paint').blueprint_type_id).toBe('phase');
  });

  it('[WEB7] after a reload everything is still there, with the tree expanded as it was', async () => {
    await page.reload();
    await ui.waitLive();
    // expanded state remembered: children of Body & Paint, Parts and Shop crew show without a click
    for (const name of ['Body & Paint', 'Strip paint', 'Parts', 'Brake pads', 'Shop crew', 'Dana']) {
      await ui.row(name).waitFor();
    }
    await ui.select('Brake pads');
    expect(await ui.field('Part Number / SKU').inputValue()).toBe('BP-1234');
    expect(await ui.field('Quantity').inputValue()).toBe('4');
    expect(await ui.field('Unit Cost').inputValue()).toBe('$1,250.50');
    expect(await ui.field('Has Core Charge').isChecked()).toBe(true);
    expect(await ui.field('Ordered On').inputValue()).toBe('2026-03-15');
    expect(await ui.field('Status').textContent()).toContain('Ordered');
    expect(await ui.field('Fitment Notes').inputValue()).toBe('Front axle.\nUse the ceramic set.');
    await ui.select('Strip paint');
    expect(await ui.field('Main Part Used').inputValue()).not.toBe('');
    expect(await ui.field('Labor Rate (per hour)').inputValue()).toBe('$85.50');
    await shot(page, '07-project-view');
  });

  it("[WEB10] at 800×600 the page fits: no sideways scroll, the bar's items whole and apart, the name shown", async () => {
    await page.setViewportSize({ width: 800, height: 600 });
    try {
      // with the history panel and without it (two clicks leave it as it was)
      for (const pass of [1, 2]) {
        const historyButton = page.getByRole('button', { name: 'History' });
        const withHistory = (await historyButton.getAttribute('aria-pressed')) === 'true';
        const widths = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
        }));
        expect(widths.scroll, `history ${withHistory}`).toBeLessThanOrEqual(widths.client);
        const header = page.locator('.app-header');
        const boxes = await header
          .locator('.brand, .app-header__middle > *, .app-header__end > *')
          .evaluateAll((els) =>
            // what a narrow bar hides on purpose (labels, the mode badge) is not there to measure
            els
              .filter((el) => getComputedStyle(el).display !== 'none')
              .map((el) => {
                const r = el.getBoundingClientRect();
                return { what: el.className, left: r.left, right: r.right, width: r.width };
              }),
          );
        for (const b of boxes) expect(b.width, b.what).toBeGreaterThan(0);
        for (let i = 1; i < boxes.length; i++) {
          expect(boxes[i]!.left, `${boxes[i - 1]!.what} / ${boxes[i]!.what}`).toBeGreaterThanOrEqual(
            boxes[i - 1]!.right - 0.5,
          );
        }
        const name = await header.locator('.breadcrumb__current').boundingBox();
        expect(name!.width).toBeGreaterThan(30);
        expect(boxes.at(-1)!.right).toBeLessThanOrEqual(800);
        await shot(page, `07b-narrow-${pass}`);
        await historyButton.click();
      }
    } finally {
      await page.setViewportSize({ width: 1360, height: 820 });
    }
  });

  it('[WEB8] the project list: rename, export, import (original and Talus Tally files), delete with confirmation', async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    const row = page.locator(`[data-project-id="${projectId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Vehicle Build');
    await row.getByRole('button', { name: 'Rename 1969 Camaro' }).click();
    await row.getByRole('textbox').fill('Camaro restomod');
    await row.getByRole('textbox').press('Enter');
    await page.getByRole('link', { name: 'Camaro restomod' }).waitFor();

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export Camaro restomod' }).click();
    const file = await (await download).path();
    expect(file).toBeTruthy();

    // the export comes back as a new project
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByLabel('Project file').setInputFiles(file!);
    await page.getByRole('dialog').getByRole('button', { name: 'Import' }).click();
    await ui.row('1969 Camaro').waitFor();
    await ui.waitLive();
    const imported = await serverGraph(server, projectIdOf(page));
    expect(imported.byName('Brake pads').properties.part_number).toBe('BP-1234');

    // an original desktop-app file
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('button', { name: 'Import' }).click();
    await page
      .getByLabel('Project file')
      .setInputFiles(join(FIXTURES, 'projects', 'budget_smoke_test_project.json'));
    await page.getByRole('dialog').getByRole('button', { name: 'Import' }).click();
    await ui.row('Budget Smoke Test Project').waitFor();

    // an older file with a type and properties the template dropped: their values are shown, read-only
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('button', { name: 'Import' }).click();
    await page
      .getByLabel('Project file')
      .setInputFiles(join(FIXTURES, 'projects', 'orphan_test_project.json'));
    await page.getByRole('dialog').getByRole('button', { name: 'Import' }).click();
    await ui.row('Old Widget Panel').waitFor();
    await ui.select('Old Widget Panel');
    const kept = page.getByRole('region', { name: 'Kept from the file' });
    expect(await kept.locator('dt').allTextContents()).toEqual([
      'widget_mode',
      'widget_version',
      'legacy_config',
    ]);
    expect(await kept.locator('dd').allTextContents()).toEqual(['advanced', '2.3.1', 'auto']);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await ui.select('Spec out architecture');
    expect(await kept.locator('dt').allTextContents()).toEqual(['risk_level', 'sprint_estimate']);
    await shot(page, '08-kept-values');

    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByTestId('project-row').first().waitFor();
    await shot(page, '08-projects');
    const rows = page.getByTestId('project-row');
    const count = await rows.count();
    await page.getByRole('button', { name: 'Delete Budget Smoke Test Project' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Budget Smoke Test Project”?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await rows.count()).toBe(count);
    await page.getByRole('button', { name: 'Delete Budget Smoke Test Project' }).click();
    await dialog.getByRole('button', { name: 'Delete project' }).click();
    await eventually(async () => expect(await rows.count()).toBe(count - 1));
  });
});
