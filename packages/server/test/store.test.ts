import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/store/memory-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { storeContract } from './store-contract.js';

storeContract('memory', async () => new MemoryStore());

const dirs = new WeakMap<object, string>();
storeContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talus-store-'));
    const s = await SqliteStore.open(dir);
    dirs.set(s, dir);
    return s;
  },
  async (old) => {
    const dir = dirs.get(old)!;
    await old.close();
    const s = await SqliteStore.open(dir);
    dirs.set(s, dir);
    return s;
  },
);

describe('SQLite migrations', () => {
  it('[STO11] the schema is versioned by Kysely migrations, applied once and recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talus-migrate-'));
    try {
      await (await SqliteStore.open(dir)).close();
      const again = await SqliteStore.open(dir);
      await again.close();
      const db = new Database(join(dir, 'talus.db'), { readonly: true });
      const names = (
        db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as Array<{ name: string }>
      ).map((r) => r.name);
      db.close();
      expect(names).toEqual(['0001_initial', '0002_accounts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
