import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ClientPresence,
  newPresence,
  PresenceBroadcaster,
  presenceInterval,
} from '../src/socket/presence.js';

const clients = (n: number): ClientPresence[] =>
  Array.from({ length: n }, (_, i) => newPresence(`c${i}`, { id: `u${i}`, name: `U${i}` }));

afterEach(() => {
  vi.useRealTimers();
});

describe('presence throttle', () => {
  it('[PRES1] lists are spaced 50 ms per 25 clients: presence traffic stays linear in the session size', async () => {
    expect([0, 1, 25, 26, 100, 1000].map(presenceInterval)).toEqual([50, 50, 50, 100, 200, 2000]);
    vi.useFakeTimers();
    let room = clients(100);
    const sent: number[] = [];
    const b = new PresenceBroadcaster(
      async () => room,
      (_sid, payload) => sent.push((payload.clients as unknown[]).length),
      (err) => {
        throw err;
      },
    );
    b.schedule('s', null); // the first list of a session comes after 50 ms
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toEqual([100]);
    // a burst of changes in a 100-client session: one list, 200 ms later, with the latest state
    for (let i = 0; i < 30; i++) b.schedule('s', null);
    await vi.advanceTimersByTimeAsync(199);
    expect(sent).toEqual([100]);
    room = clients(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([100, 3]);
    // the session is small again: back to 50 ms
    b.schedule('s', null);
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toEqual([100, 3, 3]);
    b.close();
  });
});
