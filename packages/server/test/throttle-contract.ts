import { expect } from 'vitest';
import type { LoginThrottle } from '../src/auth/throttle.js';

const MIN = 60_000;

/**
 * The behaviour every login throttle (memory, Redis) shares, on a clock the test moves: 10 failures within
 * 15 minutes lock a username for 15 minutes; older failures do not count; a success forgets the failures.
 */
export async function throttleContract(make: (now: () => number) => LoginThrottle): Promise<void> {
  let now = 1_700_000_000_000;
  const t = make(() => now);
  const failures = async (key: string, n: number) => {
    for (let i = 0; i < n; i++) expect(await t.begin(key)).toMatchObject({ lockedFor: 0, locks: false });
  };

  // the 10th attempt would lock; its right password lifts the lockout it started and forgets the failures
  await failures('ada', 9);
  const tenth = await t.begin('ada');
  expect(tenth).toMatchObject({ lockedFor: 0, locks: true });
  await t.succeeded('ada', tenth.id);
  await failures('ada', 9); // counting started again
  now += 16 * MIN; // they leave the window
  await failures('ada', 9);
  expect(await t.begin('ada')).toMatchObject({ lockedFor: 0, locks: true }); // the 10th within 15 minutes
  expect((await t.begin('ada')).lockedFor).toBe(900); // refused, even before the password is checked
  now += 14 * MIN;
  expect((await t.begin('ada')).lockedFor).toBe(60);
  expect((await t.begin('grace')).lockedFor).toBe(0);
  now += MIN;
  expect(await t.begin('ada')).toMatchObject({ lockedFor: 0, locks: false }); // counting starts again

  // a success does not lift a lockout another attempt started
  const first = await t.begin('lin');
  await failures('lin', 8);
  expect((await t.begin('lin')).locks).toBe(true);
  await t.succeeded('lin', first.id);
  expect((await t.begin('lin')).lockedFor).toBe(900);

  // parallel attempts are counted before any password is checked: 10 go on, the rest are refused
  const parallel = await Promise.all(Array.from({ length: 14 }, () => t.begin('ghost')));
  expect(parallel.filter((a) => a.lockedFor === 0)).toHaveLength(10);
  expect(parallel.filter((a) => a.locks)).toHaveLength(1);
  expect(parallel.filter((a) => a.lockedFor === 900)).toHaveLength(4);
}
