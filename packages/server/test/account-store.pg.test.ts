import { afterAll, describe, it } from 'vitest';
import { accountStoreContract } from './account-store-contract.js';
import { pgAvailable, pgStores } from './pg-helpers.js';

const available = await pgAvailable();

const stores = pgStores();

if (!available) {
  describe.skip('account store contract: postgres (PostgreSQL unavailable, see the message above)', () => {
    it('needs PostgreSQL', () => {});
  });
} else {
  afterAll(async () => {
    await stores.dropAll();
  });

  accountStoreContract('postgres', stores.make, stores.reopen);
}
