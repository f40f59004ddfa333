import type { Locator, Page } from 'playwright-core';
import { call, flatten } from '../../server/test/helpers.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The project workspace as a person uses it: rows by name, the add-child menu, inspector fields. */
export class ProjectUi {
  constructor(readonly page: Page) {}

  /** The tree row of a node (its accessible name starts with the node's name). */
  row(name: string): Locator {
    return this.page.getByRole('treeitem', { name: new RegExp(`^${esc(name)},`) });
  }

  async select(name: string): Promise<void> {
    await this.row(name).click();
    await this.page.getByTestId('inspector').getByRole('heading', { name, exact: true }).waitFor();
  }

  /** The names of the types the add-child menu offers for a node. */
  async offeredTypes(parent: string): Promise<string[]> {
    await this.select(parent);
    await this.page.getByTestId('add-child').click();
    const items = await this.page.getByRole('menuitem').allTextContents();
    await this.page.keyboard.press('Escape');
    return items;
  }

  /** Add a child through the toolbar menu, naming it in the new row. */
  async addChild(parent: string, typeLabel: string, name: string): Promise<void> {
    await this.select(parent);
    await this.page.getByTestId('add-child').click();
    await this.page.getByRole('menuitem', { name: typeLabel, exact: true }).click();
    const box = this.page.getByRole('textbox', { name: /^Name of the new / });
    await box.fill(name);
    await box.press('Enter');
    await this.row(name).waitFor();
  }

  /** An inspector field by its label. */
  field(label: string | RegExp): Locator {
    return this.page.getByTestId('inspector').getByLabel(label, { exact: typeof label === 'string' });
  }

  /** The inspector's message under a field. */
  fieldError(propertyId: string): Locator {
    return this.page.locator(`[data-property-id="${propertyId}"] .prop__error`);
  }

  connection(): Locator {
    return this.page.getByTestId('connection');
  }

  async waitLive(timeout = 10_000): Promise<void> {
    await this.page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout });
  }

  toast(text: string | RegExp): Locator {
    return this.page.locator('.toast', { hasText: text });
  }
}

/** The project as the server has it: nodes by id and a lookup by name. */
export async function serverGraph(server: { api: string }, projectId: string) {
  const r = await call(server, 'GET', `/projects/${projectId}`);
  if (r.status !== 200) throw new Error(`GET project: ${r.status}`);
  const nodes = flatten(r.body.graph);
  const byName = (name: string) => {
    const n = [...nodes.values()].find((x) => x.name === name);
    if (!n) throw new Error(`no node named ${name}`);
    return n;
  };
  return { revision: r.body.revision as number, nodes, byName };
}

/** The project id in the page's address (`/projects/{id}`). */
export function projectIdOf(page: Page): string {
  const m = /\/projects\/([^/?#]+)/.exec(page.url());
  if (!m?.[1]) throw new Error(`not on a project page: ${page.url()}`);
  return decodeURIComponent(m[1]);
}
