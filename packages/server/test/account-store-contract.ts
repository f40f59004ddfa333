import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountStore, HasAccounts, TokenRow, UserRow } from '../src/store/account-store.js';
import type { ProjectRow, Store } from '../src/store/store.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

const user = (username: string, extra: Partial<UserRow> = {}): UserRow => ({
  id: `u-${username}`,
  username,
  name: username.toUpperCase(),
  password_hash: `scrypt$hash-of-${username}`,
  admin: false,
  created_at: at(0),
  ...extra,
});

const token = (id: string, userId: string, extra: Partial<TokenRow> = {}): TokenRow => ({
  id,
  user_id: userId,
  name: `token ${id}`,
  token_hash: `hash-${id}`,
  created_at: at(1),
  last_used_at: null,
  ...extra,
});

const project = (id: string): ProjectRow => ({
  id,
  name: `Project ${id}`,
  template_id: 'festival',
  template_version: '1.0',
  template: { name: 'T', node_types: [] },
  extras: {},
  revision: 0,
  roots: [],
  created_at: at(0),
  updated_at: at(0),
});

export type AccountTestStore = Store & HasAccounts;

/**
 * The behaviour every account store must have (memory, SQLite, PostgreSQL): one suite, run against each.
 * `make` gives a fresh, empty store; `reopen` (when the store persists) a new instance on the same data.
 */
export function accountStoreContract(
  name: string,
  make: () => Promise<AccountTestStore>,
  reopen?: (old: AccountTestStore) => Promise<AccountTestStore>,
) {
  describe(`account store contract: ${name}`, () => {
    let store: AccountTestStore;
    let a: AccountStore;
    beforeEach(async () => {
      store = await make();
      a = store.accounts;
    });
    afterEach(async () => {
      await store.close();
    });

    const addProject = (id: string) => store.createProject({ row: project(id), nodes: [], history: [] });

    it('[ACC1] users: created once per username, found by id and username, counted and listed by username', async () => {
      expect(await a.countUsers()).toBe(0);
      expect(await a.createUser(user('grace', { admin: true }))).toBe('created');
      expect(await a.createUser(user('ada'))).toBe('created');
      expect(await a.createUser(user('ada', { id: 'another' }))).toBe('username-taken');
      expect(await a.countUsers()).toBe(2);
      expect(await a.getUser('u-grace')).toEqual(user('grace', { admin: true }));
      expect(await a.getUserByUsername('ada')).toEqual(user('ada'));
      expect(await a.getUser('nobody')).toBeUndefined();
      expect(await a.getUserByUsername('nobody')).toBeUndefined();
      expect((await a.listUsers()).map((u) => [u.username, u.admin])).toEqual([
        ['ada', false],
        ['grace', true],
      ]);
    });

    it('[ACC2] the first sign-up: onlyIfFirst creates an account only while none exists, even concurrently', async () => {
      const results = await Promise.all([
        a.createUser(user('first', { admin: true }), { onlyIfFirst: true }),
        a.createUser(user('second', { admin: true }), { onlyIfFirst: true }),
      ]);
      expect(results.sort()).toEqual(['created', 'not-first']);
      expect(await a.countUsers()).toBe(1);
      expect(await a.createUser(user('third'), { onlyIfFirst: true })).toBe('not-first');
      expect(await a.createUser(user('third'))).toBe('created');
    });

    it('[ACC3] tokens: created, listed per user oldest first, found by hash, touched, deleted', async () => {
      await a.createUser(user('ada'));
      await a.createUser(user('bob'));
      await a.createToken(token('t2', 'u-ada', { created_at: at(5) }));
      await a.createToken(token('t1', 'u-ada', { created_at: at(2) }));
      await a.createToken(token('t3', 'u-bob'));
      expect((await a.listTokens('u-ada')).map((t) => t.id)).toEqual(['t1', 't2']);
      expect(await a.getTokenByHash('hash-t3')).toEqual(token('t3', 'u-bob'));
      expect(await a.getTokenByHash('hash-nope')).toBeUndefined();
      await a.touchToken('t1', at(9));
      expect((await a.getTokenByHash('hash-t1'))?.last_used_at).toBe(at(9));
      expect(await a.deleteToken('t1')).toBe(true);
      expect(await a.deleteToken('t1')).toBe(false);
      expect(await a.getTokenByHash('hash-t1')).toBeUndefined();
      expect((await a.listTokens('u-ada')).map((t) => t.id)).toEqual(['t2']);
    });

    it('[ACC4] login sessions: created, found by hash, ended, and removed once expired', async () => {
      await a.createUser(user('ada'));
      const s1 = { id_hash: 'h1', user_id: 'u-ada', created_at: at(0), expires_at: at(10) };
      const s2 = { id_hash: 'h2', user_id: 'u-ada', created_at: at(0), expires_at: at(30) };
      await a.createLoginSession(s1);
      await a.createLoginSession(s2);
      expect(await a.getLoginSession('h1')).toEqual(s1);
      expect(await a.deleteExpiredLoginSessions(at(20))).toBe(1);
      expect(await a.getLoginSession('h1')).toBeUndefined();
      expect(await a.deleteLoginSession('h2')).toBe(true);
      expect(await a.deleteLoginSession('h2')).toBe(false);
      expect(await a.getLoginSession('h2')).toBeUndefined();
    });

    it('[ACC5] members: added, role changed, listed by username, memberships per user; the last owner stays', async () => {
      for (const u of ['ada', 'bob', 'cy']) await a.createUser(user(u));
      await addProject('p1');
      await addProject('p2');
      expect(await a.setMember('p1', 'u-bob', 'owner')).toBe('ok');
      expect(await a.setMember('p1', 'u-ada', 'viewer')).toBe('ok');
      expect(await a.setMember('p2', 'u-ada', 'editor')).toBe('ok');
      expect(await a.getMemberRole('p1', 'u-ada')).toBe('viewer');
      expect(await a.getMemberRole('p1', 'u-cy')).toBeUndefined();
      expect(await a.listMembers('p1')).toEqual([
        { user_id: 'u-ada', username: 'ada', name: 'ADA', role: 'viewer' },
        { user_id: 'u-bob', username: 'bob', name: 'BOB', role: 'owner' },
      ]);
      expect(await a.membershipsOf('u-ada')).toEqual([
        { project_id: 'p1', role: 'viewer' },
        { project_id: 'p2', role: 'editor' },
      ]);
      // the only owner can be neither demoted nor removed
      expect(await a.setMember('p1', 'u-bob', 'editor')).toBe('last-owner');
      expect(await a.removeMember('p1', 'u-bob')).toBe('last-owner');
      expect(await a.getMemberRole('p1', 'u-bob')).toBe('owner');
      // with a second owner, one of them may go
      expect(await a.setMember('p1', 'u-ada', 'owner')).toBe('ok');
      expect(await a.setMember('p1', 'u-bob', 'viewer')).toBe('ok');
      expect(await a.removeMember('p1', 'u-bob')).toBe('ok');
      expect(await a.removeMember('p1', 'u-bob')).toBe('not-member');
      expect(await a.removeMember('p1', 'u-ada')).toBe('last-owner');
      // a project with no owner at all is not guarded
      expect(await a.setMember('p2', 'u-ada', 'viewer')).toBe('ok');
      expect(await a.removeMember('p2', 'u-ada')).toBe('ok');
    });

    it('[ACC6] two owners demoting each other at once: one stays owner', async () => {
      await a.createUser(user('ada'));
      await a.createUser(user('bob'));
      await addProject('p1');
      await a.setMember('p1', 'u-ada', 'owner');
      await a.setMember('p1', 'u-bob', 'owner');
      const results = await Promise.all([
        a.setMember('p1', 'u-ada', 'editor'),
        a.removeMember('p1', 'u-bob'),
      ]);
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r === 'last-owner')).toHaveLength(1);
      expect((await a.listMembers('p1')).filter((m) => m.role === 'owner')).toHaveLength(1);
    });

    it('[ACC7] deleting a project removes its members', async () => {
      await a.createUser(user('ada'));
      await addProject('p1');
      await addProject('p2');
      await a.setMember('p1', 'u-ada', 'owner');
      await a.setMember('p2', 'u-ada', 'viewer');
      expect(await store.deleteProject('p1')).toBe(true);
      expect(await a.listMembers('p1')).toEqual([]);
      expect(await a.getMemberRole('p1', 'u-ada')).toBeUndefined();
      expect(await a.membershipsOf('u-ada')).toEqual([{ project_id: 'p2', role: 'viewer' }]);
    });

    if (reopen) {
      it('[ACC8] accounts, tokens, login sessions and members survive a reopen', async () => {
        await a.createUser(user('ada', { admin: true }));
        await a.createToken(token('t1', 'u-ada'));
        await a.createLoginSession({ id_hash: 'h', user_id: 'u-ada', created_at: at(0), expires_at: at(99) });
        await addProject('p1');
        await a.setMember('p1', 'u-ada', 'owner');
        store = await reopen(store);
        a = store.accounts;
        expect(await a.getUserByUsername('ada')).toEqual(user('ada', { admin: true }));
        expect((await a.getTokenByHash('hash-t1'))?.id).toBe('t1');
        expect((await a.getLoginSession('h'))?.user_id).toBe('u-ada');
        expect(await a.getMemberRole('p1', 'u-ada')).toBe('owner');
      });
    }
  });
}
