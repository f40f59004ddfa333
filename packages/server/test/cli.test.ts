import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers.js';

const run = promisify(execFile);
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'talus-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Run the built `talus` CLI (npm test builds first); resolves with its exit code and output. */
async function talus(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: {
        ...process.env,
        TALUS_DATA_DIR: dataDir,
        TALUS_TEMPLATES_DIR: join(FIXTURES, 'templates'),
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('talus CLI', () => {
  it('[CLI1] import, export and backup work on the store; exit codes are 0, 1 (failure) and 2 (usage)', async () => {
    const imported = await talus(['import', join(FIXTURES, 'projects', 'budget_smoke_test_project.json')]);
    expect(imported.code).toBe(0);
    const { project_id, node_count, revision } = JSON.parse(imported.stdout);
    expect({ node_count, revision }).toEqual({ node_count: 11, revision: 0 });

    const out = join(dataDir, 'export.json');
    expect((await talus(['export', project_id, '-o', out])).code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file).toMatchObject({
      format: 'talus-tally/1',
      project: { project_id, template_id: 'budget_smoke_test' },
    });
    expect(file.nodes).toHaveLength(11);

    const reimported = await talus(['import', out]);
    expect(JSON.parse(reimported.stdout).node_count).toBe(11);

    const copy = join(dataDir, 'backup.db');
    expect((await talus(['backup', copy])).code).toBe(0);
    expect(statSync(copy).size).toBeGreaterThan(0);
    const db = new Database(copy, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM projects').get() as { n: number }).n).toBe(2);
    db.close();

    const missing = await talus(['export', 'no-such-project']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/PROJECT_NOT_FOUND/);
    expect((await talus(['import', '/nonexistent.json'])).code).toBe(1);
    expect((await talus(['frobnicate'])).code).toBe(2);
    expect((await talus(['export', 'x'], { TALUS_PORT: 'ninety' })).code).toBe(2);
    const help = await talus(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/import/);
  });
});
