import { TalusError } from '@talus/core';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import { RevisionConflictError, type RevisionWrite, type Store } from './store/store.js';

/** What a queued revision must carry: the write for the store. */
export interface Queued {
  write: RevisionWrite;
}

export interface CommitQueueHooks<T extends Queued> {
  /** Whether a revision may still be stored: one made on a copy of a project dropped since may not. */
  current(item: T): boolean;
  /** A commit failed: the revisions of `batch` were not stored (memory is ahead of the store). */
  failed(batch: readonly T[]): void;
  /** A revision is durable; what it resolves with is when its maker is answered. */
  committed(item: T): Promise<void>;
}

/**
 * The group commit: revisions made in one event-loop turn are stored in one transaction, then handed on in
 * the order they were made. A revision's promise settles only after its commit, so nothing is announced or
 * acknowledged before it is durable; a failed commit refuses every revision of its group.
 */
export class CommitQueue<T extends Queued> {
  private pending: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  private queued = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly hooks: CommitQueueHooks<T>,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Queue a revision for the next group commit; settles when it is durable and handed on, or refused. */
  enqueue(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.queued) return;
      this.queued = true;
      setImmediate(() => {
        this.queued = false;
        this.flushing = this.flushing
          .then(() => this.flush())
          .catch((err: unknown) => this.log.error({ err }, 'flush failed'));
      });
    });
  }

  /** Whether a queued revision matching `test` is still on its way to the store. */
  waiting(test: (item: T) => boolean): boolean {
    return this.pending.some((p) => test(p.item));
  }

  /** Wait until everything queued so far is committed (or refused). */
  async settle(): Promise<void> {
    while (this.pending.length > 0 || this.queued) {
      await new Promise((r) => setImmediate(r));
      await this.flushing;
    }
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const queued = this.pending;
    this.pending = [];
    const batch: typeof queued = [];
    for (const p of queued) {
      if (this.hooks.current(p.item)) batch.push(p);
      else
        p.reject(
          new RevisionConflictError([p.item.write.project_id], 'made on a copy that was reloaded since'),
        );
    }
    if (batch.length === 0) return;
    try {
      await this.store.commit(batch.map((p) => p.item.write));
    } catch (err) {
      this.hooks.failed(batch.map((p) => p.item));
      if (err instanceof RevisionConflictError) {
        for (const p of batch) p.reject(err);
        return;
      }
      this.log.error({ err }, 'commit failed; the affected projects are reloaded from the store');
      for (const p of batch) p.reject(new TalusError('INTERNAL', 'the change could not be stored'));
      return;
    }
    this.metrics.commitBatch.observe(batch.length);
    for (const p of batch) void this.hooks.committed(p.item).then(p.resolve, p.reject);
  }
}
