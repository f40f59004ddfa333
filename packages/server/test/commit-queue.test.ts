import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CommitQueue, type Queued } from '../src/commit-queue.js';
import { createMetrics } from '../src/metrics.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { RevisionConflictError, type RevisionWrite } from '../src/store/store.js';
import { row, write } from './store-contract.js';

interface Item extends Queued {
  name: string;
  current: boolean;
}

/** A memory store that records its commits and can be told to fail the next one. */
class RecordingStore extends MemoryStore {
  commits: number[] = [];
  failNext: Error | null = null;
  override async commit(writes: readonly RevisionWrite[]): Promise<void> {
    this.commits.push(writes.length);
    const fail = this.failNext;
    this.failNext = null;
    if (fail) throw fail;
    return super.commit(writes);
  }
}

async function setup() {
  const store = new RecordingStore();
  await store.createProject({ row: row('p1'), nodes: [], history: [] });
  const handed: string[] = [];
  const failed: string[][] = [];
  const queue = new CommitQueue<Item>(
    store,
    {
      current: (i) => i.current,
      failed: (batch) => failed.push(batch.map((i) => i.name)),
      committed: async (i) => {
        handed.push(i.name);
      },
    },
    pino({ level: 'silent' }),
    createMetrics(),
  );
  const item = (name: string, revision: number, current = true): Item => ({
    name,
    current,
    write: write('p1', revision),
  });
  return { store, queue, item, handed, failed };
}

describe('group commit', () => {
  it('[GC1] revisions queued in one turn are stored in one transaction, then handed on in order', async () => {
    const { store, queue, item, handed } = await setup();
    await Promise.all([1, 2, 3].map((r) => queue.enqueue(item(`r${r}`, r))));
    expect(store.commits).toEqual([3]);
    expect(handed).toEqual(['r1', 'r2', 'r3']);
    await queue.enqueue(item('r4', 4));
    expect(store.commits).toEqual([3, 1]);
    expect(await store.currentRevision('p1')).toBe(4);
  });

  it('[GC2] a failed commit refuses its whole group (INTERNAL, or the conflict as is) and hands nothing on', async () => {
    const { store, queue, item, handed, failed } = await setup();
    store.failNext = new Error('disk full');
    const answers = await Promise.allSettled([queue.enqueue(item('a', 1)), queue.enqueue(item('b', 2))]);
    expect(answers.map((a) => a.status === 'rejected' && (a.reason as { code?: string }).code)).toEqual([
      'INTERNAL',
      'INTERNAL',
    ]);
    expect(failed).toEqual([['a', 'b']]);
    expect(handed).toEqual([]);
    expect(await store.currentRevision('p1')).toBe(0);

    const conflict = new RevisionConflictError(['p1'], 'taken');
    store.failNext = conflict;
    await expect(queue.enqueue(item('c', 1))).rejects.toBe(conflict);
    // a revision made on a copy that is no longer current never reaches the store
    const stale = queue.enqueue(item('d', 1, false));
    await expect(stale).rejects.toBeInstanceOf(RevisionConflictError);
    expect(store.commits).toEqual([2, 1]);
    await queue.settle();
  });

  it('[GC3] settle waits for everything queued so far; waiting() sees what is still on its way', async () => {
    const { queue, item, handed } = await setup();
    const first = queue.enqueue(item('x', 1));
    expect(queue.waiting((i) => i.name === 'x')).toBe(true);
    await queue.settle();
    expect(handed).toEqual(['x']);
    expect(queue.waiting((i) => i.name === 'x')).toBe(false);
    await first;
  });
});
