import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MemoryStore } from '../src/store/memory-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { accountStoreContract } from './account-store-contract.js';

accountStoreContract('memory', async () => new MemoryStore());

const dirs = new WeakMap<object, string>();
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
accountStoreContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talus-accounts-'));
    made.push(dir);
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
