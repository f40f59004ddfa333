import { type GraphEvent, TalusError } from '@talus/core';

/** The longest wait between two attempts to fill the same gap. */
const MAX_GAP_RETRY_MS = 5_000;

/** One committed revision of a project, as this process delivers it to its sockets. */
export interface Delivery {
  projectId: string;
  sessionId: string | null;
  revision: number;
  events: GraphEvent[];
}

interface ProjectLine {
  delivered: number;
  waiting: Map<number, Delivery>;
  /** Callers waiting for a revision to be delivered (the sender's ack waits for its own events). */
  watchers: Map<number, Array<() => void>>;
  timer: NodeJS.Timeout | null;
  filling: boolean;
  /** Gap fills that failed in a row (the next waits longer). */
  failures: number;
}

/**
 * Delivers each project's revisions to this process's sockets exactly once and in revision order, whichever
 * process committed them and in whatever order they arrive (local commits, other processes' notices over
 * Redis, catch-up from the store). A revision that arrives before its predecessor waits; if the gap is not
 * filled within `gapMs`, the missing revisions are read from the store.
 */
export class RevisionSequencer {
  private readonly lines = new Map<string, ProjectLine>();

  constructor(
    private readonly emit: (d: Delivery) => void,
    private readonly fill: (projectId: string, after: number) => Promise<Delivery[]>,
    private readonly onError: (err: unknown) => void,
    private readonly gapMs = 200,
  ) {}

  /** Start (or keep) a project's line at a revision already known to this process's sockets. */
  track(projectId: string, revision: number): void {
    const line = this.lines.get(projectId);
    if (!line) {
      this.lines.set(projectId, {
        delivered: revision,
        waiting: new Map(),
        watchers: new Map(),
        timer: null,
        filling: false,
        failures: 0,
      });
    } else if (revision > line.delivered && line.waiting.size === 0) {
      line.delivered = revision;
    }
  }

  delivered(projectId: string): number | undefined {
    return this.lines.get(projectId)?.delivered;
  }

  /** Offer a revision; resolves when it (or a later one) has been delivered here. */
  offer(d: Delivery): Promise<void> {
    const line = this.lines.get(d.projectId);
    if (!line) {
      // no socket of this process has seen the project: nothing to order against, deliver and start here
      this.track(d.projectId, d.revision - 1);
      return this.offer(d);
    }
    if (d.revision <= line.delivered) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      const list = line.watchers.get(d.revision) ?? [];
      list.push(resolve);
      line.watchers.set(d.revision, list);
    });
    line.waiting.set(d.revision, d);
    this.drain(d.projectId, line);
    return done;
  }

  forget(projectId: string): void {
    const line = this.lines.get(projectId);
    if (line?.timer) clearTimeout(line.timer);
    if (line) for (const list of line.watchers.values()) for (const w of list) w();
    this.lines.delete(projectId);
  }

  close(): void {
    for (const id of [...this.lines.keys()]) this.forget(id);
  }

  private drain(projectId: string, line: ProjectLine): void {
    for (;;) {
      const next = line.waiting.get(line.delivered + 1);
      if (!next) break;
      line.waiting.delete(next.revision);
      line.delivered = next.revision;
      this.emit(next);
      for (const w of line.watchers.get(next.revision) ?? []) w();
      line.watchers.delete(next.revision);
    }
    // watchers of revisions already passed (delivered by a fill that skipped the queue)
    for (const [rev, list] of line.watchers) {
      if (rev <= line.delivered) {
        for (const w of list) w();
        line.watchers.delete(rev);
      }
    }
    if (line.waiting.size === 0) {
      if (line.timer) clearTimeout(line.timer);
      line.timer = null;
    } else if (!line.timer) {
      const delay = Math.min(MAX_GAP_RETRY_MS, this.gapMs * 2 ** line.failures);
      line.timer = setTimeout(() => {
        line.timer = null;
        void this.fillGap(projectId, line);
      }, delay);
    }
  }

  private async fillGap(projectId: string, line: ProjectLine): Promise<void> {
    if (line.filling || this.lines.get(projectId) !== line) return;
    line.filling = true;
    try {
      for (const d of await this.fill(projectId, line.delivered)) {
        if (d.revision > line.delivered && !line.waiting.has(d.revision)) line.waiting.set(d.revision, d);
      }
      line.failures = 0;
    } catch (err) {
      if (err instanceof TalusError && err.code === 'PROJECT_NOT_FOUND') {
        this.forget(projectId); // deleted meanwhile: nothing more will come
        return;
      }
      line.failures++;
      this.onError(err);
    } finally {
      line.filling = false;
    }
    this.drain(projectId, line);
  }
}
