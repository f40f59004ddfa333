import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../../server/test/auth-helpers.js';
import { call, startServer, type TestServer } from '../../server/test/helpers.js';
import { chromiumAvailable, ensureWebBuilt, eventually, launchBrowser, newUser, shot } from './browser.js';
import { ProjectUi, projectIdOf } from './ui.js';

/**
 * Accounts on (TALUS_AUTH=on): the first account is made in the browser, signs in, creates a project and
 * adds a viewer; the viewer's UI refuses changes and says why.
 */
const run = chromiumAvailable();

describe.runIf(run)('web UI with accounts', () => {
  let server: TestServer;
  let browser: Browser;
  let owner: Page;
  let viewer: Page;
  let projectId: string;

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer({ auth: true });
    browser = await launchBrowser();
    owner = (await newUser(browser)).page;
    viewer = (await newUser(browser)).page;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('[WEB-AUTH1] walks the first user through creating the first account, then signs them in', async () => {
    await owner.goto(`${server.base}/`);
    await owner.getByRole('heading', { name: 'Create the first account' }).waitFor();
    await owner.getByLabel('Username').fill('Olivia'); // typed in capitals: lower-cased as the rules want
    expect(await owner.getByLabel('Username').inputValue()).toBe('olivia');
    await owner.getByLabel('Your name (shown to others)').fill('Olivia Owner');
    await owner.getByLabel('Password', { exact: true }).fill('short');
    await owner.getByLabel('Password again').fill('short');
    await owner.getByRole('button', { name: 'Create account and sign in' }).click();
    await owner.getByText('At least 10 characters').waitFor(); // explained, not sent
    await shot(owner, '20-first-account');
    await owner.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await owner.getByLabel('Password again').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Create account and sign in' }).click();
    await owner.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(await owner.getByTestId('account-menu').textContent()).toContain('Olivia Owner');
  });

  it('[WEB-AUTH2] the owner creates a project and adds a viewer in the members dialog', async () => {
    await owner.getByRole('button', { name: 'New project' }).click();
    await owner.getByLabel('Project name').fill('Release 2.0');
    await owner.getByRole('radio', { name: /Software Release/ }).check();
    await owner.getByRole('button', { name: 'Create project' }).click();
    const ui = new ProjectUi(owner);
    await ui.waitLive();
    projectId = projectIdOf(owner);
    expect(await owner.locator('.role-badge').textContent()).toBe('owner');

    // the administrator makes an account for Victor (REST, as `talus users add` would)
    const login = await call(server, 'POST', '/auth/login', { username: 'olivia', password: PASSWORD });
    const made = await call(
      server,
      'POST',
      '/users',
      { username: 'victor', password: PASSWORD, name: 'Victor Viewer' },
      { authorization: `Bearer ${login.body.token}` },
    );
    expect(made.status).toBe(201);

    await owner.getByRole('button', { name: 'Members' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Members' });
    await dialog.getByLabel('Username').fill('victor');
    await dialog.getByLabel('Role', { exact: true }).selectOption('viewer');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.getByText('@victor').waitFor();
    expect(await dialog.getByLabel('Role of victor').inputValue()).toBe('viewer');
    await shot(owner, '21-members');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('[WEB-AUTH3] the viewer signs in and sees the project read-only: controls disabled, the reason shown', async () => {
    await viewer.goto(`${server.base}/projects/${projectId}`);
    await viewer.getByRole('heading', { name: 'Sign in' }).waitFor();
    await viewer.getByLabel('Username').fill('victor');
    await viewer.getByLabel('Password').fill('not the password');
    await viewer.getByRole('button', { name: 'Sign in' }).click();
    await viewer
      .getByRole('alert')
      .filter({ hasText: /username or password|invalid|wrong/i })
      .waitFor();
    await shot(viewer, '22-sign-in');
    await viewer.getByLabel('Password').fill(PASSWORD);
    await viewer.getByRole('button', { name: 'Sign in' }).click();

    const ui = new ProjectUi(viewer);
    await ui.waitLive();
    const banner = viewer.getByTestId('read-only');
    expect(await banner.textContent()).toContain('You are a viewer of this project');
    expect(await viewer.locator('.role-badge').textContent()).toBe('viewer');
    await ui.select('Release 2.0');
    expect(await viewer.getByTestId('add-child').isDisabled()).toBe(true);
    expect(await viewer.getByTestId('add-child').getAttribute('title')).toContain('viewer');
    expect(await viewer.getByRole('button', { name: 'Undo', exact: true }).isDisabled()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Redo', exact: true }).isDisabled()).toBe(true);
    const inspector = viewer.getByTestId('inspector');
    const editable = inspector.locator('input, textarea, select, button.select__button');
    const count = await editable.count();
    expect(count).toBeGreaterThan(3);
    for (let i = 0; i < count; i++) expect(await editable.nth(i).isDisabled()).toBe(true);
    expect(await ui.row('Release 2.0').getAttribute('draggable')).toBe('false');

    // keys that change things do nothing (Delete, Enter to rename, Ctrl+Z), and say why once
    await viewer.getByTestId('tree').focus();
    await viewer.keyboard.press('Delete');
    await viewer.keyboard.press('Enter');
    expect(await viewer.getByRole('dialog').count()).toBe(0);
    expect(await viewer.getByRole('textbox', { name: /^Rename / }).count()).toBe(0);
    await viewer.keyboard.press('Control+z');
    await ui.toast(/You are a viewer/).waitFor();
    await shot(viewer, '23-viewer-read-only');

    // viewers still follow along: the owner's change shows up
    const owners = new ProjectUi(owner);
    await owners.addChild('Release 2.0', 'Release', 'v2.0.0');
    await viewer.getByRole('treeitem', { name: /^v2\.0\.0,/ }).waitFor({ timeout: 2000 });
  });

  it('[WEB-AUTH4] the API tokens page creates a token shown once and revokes it; sign-out ends the session', async () => {
    await owner.getByTestId('account-menu').click();
    await owner.getByRole('menuitem', { name: 'API tokens' }).click();
    await owner.getByRole('heading', { name: 'API tokens' }).waitFor();
    await owner.getByLabel('New token’s name').fill('nightly export');
    await owner.getByRole('button', { name: 'Create token' }).click();
    const token = (await owner.getByTestId('new-token').textContent())!;
    expect(token.length).toBeGreaterThan(20);
    const me = await call(server, 'GET', '/me', undefined, { authorization: `Bearer ${token}` });
    expect(me.body.user.username).toBe('olivia');
    await shot(owner, '24-tokens');
    await owner.getByRole('button', { name: 'Revoke' }).click();
    await owner.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await owner.getByText('No tokens yet.').waitFor();
    await eventually(async () => {
      const r = await call(server, 'GET', '/me', undefined, { authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
    });

    await owner.getByTestId('account-menu').click();
    await owner.getByRole('menuitem', { name: 'Sign out' }).click();
    await owner.getByRole('heading', { name: 'Sign in' }).waitFor();
    await owner.reload();
    await owner.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
