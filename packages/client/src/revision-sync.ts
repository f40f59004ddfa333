import type { EventsAnswer, ProjectAnswer } from './answers.js';
import { isTalusError } from './errors.js';
import { MirrorGraph, MirrorMismatch } from './mirror-graph.js';
import { type GraphEvent, REVISION_END_EVENTS } from './types.js';

/** What the revision sync needs from its mirror. */
export interface RevisionSyncHooks {
  /** `GET /projects/{id}`. */
  fetchProject(): Promise<ProjectAnswer>;
  /** `GET /projects/{id}/events?since=`. */
  fetchEvents(since: number): Promise<EventsAnswer>;
  /** A revision was applied; `nodeIds` are the nodes whose record changed. */
  applied(revision: number, events: GraphEvent[], nodeIds: string[]): void;
  /** The graph was replaced by `project` (with `announce`, tell the listeners: a resync). */
  reloaded(project: ProjectAnswer, previousRevision: number, announce: boolean): void;
  /** Whether to retry a failed catch-up by itself (while live; otherwise the reconnection catches up). */
  live(): boolean;
  /** How long to wait before such a retry. */
  retryDelay(): number;
}

/**
 * Applies revisions to the mirrored graph exactly once and in order, from whichever source they come (the
 * socket, a join's replay, `/events`): the next revision is applied, an old one ignored, one further
 * ahead kept while the gap before it is fetched; a reload replaces everything when the server says so
 * (`resync_required`, 410 `HISTORY_TRUNCATED`) or an event does not fit.
 */
export class RevisionSync {
  readonly graph = new MirrorGraph();
  /** The revision the graph shows (-1 before the first load). */
  revision = -1;
  /** The server asked for a reload, or an event did not fit: nothing more is applied until one is done. */
  needResync = false;
  /** Revisions received ahead of the next one, waiting for the gap before them to be filled. */
  private readonly ahead = new Map<number, GraphEvent[]>();
  private reloading: Promise<void> | undefined;
  private repairing: Promise<void> | undefined;
  /** Events of the revision being received one by one (sockets joined without `batched`). */
  private partial: { revision: number; events: GraphEvent[] } | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly hooks: RevisionSyncHooks) {}

  /** One revision from the socket or a catch-up: applied if it is the next one, else kept or ignored. */
  receive(revision: number, events: GraphEvent[]): void {
    if (this.closed || revision <= this.revision) return; // already applied
    if (this.reloading || this.needResync || revision !== this.revision + 1) {
      this.ahead.set(revision, events);
      if (!this.reloading && !this.needResync) void this.repair();
      return;
    }
    if (this.apply(revision, events)) this.drain();
  }

  /** One event of a socket joined without `batched`: gathered until the event that ends its revision. */
  receiveEvent(e: GraphEvent): void {
    // a revision cut short (not expected): dropped, the gap repair fetches it whole
    if (this.partial && this.partial.revision !== e.revision) this.partial = undefined;
    this.partial ??= { revision: e.revision, events: [] };
    this.partial.events.push(e);
    if (REVISION_END_EVENTS.has(e.event)) {
      const { revision, events } = this.partial;
      this.partial = undefined;
      this.receive(revision, events);
    }
  }

  /** The connection dropped: a revision half received is dropped (the rejoin replays it whole). */
  connectionLost(): void {
    this.partial = undefined;
  }

  /**
   * Fill the gap after `revision` from `/events` (410 `HISTORY_TRUNCATED`: reload). One at a time; never
   * rejects: after a failure the next event, answer or reconnection tries again.
   */
  repair(): Promise<void> {
    if (this.repairing) return this.repairing;
    if (this.reloading) return this.reloading.catch(() => {});
    if (this.closed || this.revision < 0 || this.needResync) return Promise.resolve();
    const since = this.revision;
    const run = (async () => {
      let answer: EventsAnswer;
      try {
        answer = await this.hooks.fetchEvents(since);
      } catch (err) {
        this.repairing = undefined;
        if (isTalusError(err) && err.code === 'HISTORY_TRUNCATED') {
          this.needResync = true;
          await this.reload(true).catch(() => this.retrySoon(() => this.reloadInBackground()));
        } else {
          this.retrySoon(() => void this.repair());
        }
        return;
      }
      this.repairing = undefined;
      for (const [revision, events] of byRevision(answer.events)) this.receive(revision, events);
      if (this.ahead.size > 0 && this.revision === since) this.retrySoon(() => void this.repair());
    })();
    this.repairing = run;
    return run;
  }

  /** Replace the graph with `GET /projects/{id}`; with `announce`, the mirror emits `resync`. */
  reload(announce: boolean): Promise<void> {
    if (this.reloading) return this.reloading;
    const run = (async () => {
      try {
        const project = await this.hooks.fetchProject();
        if (this.closed) return;
        const previous = this.revision;
        this.graph.load(project.graph);
        this.revision = project.graph.revision;
        this.needResync = false;
        for (const r of [...this.ahead.keys()]) if (r <= this.revision) this.ahead.delete(r);
        this.hooks.reloaded(project, previous, announce);
      } finally {
        this.reloading = undefined;
      }
      this.drain();
    })();
    this.reloading = run;
    return run;
  }

  /** Reload without waiting; retried while live if it fails. */
  reloadInBackground(): void {
    this.needResync = true;
    this.reload(true).catch(() => this.retrySoon(() => this.reloadInBackground()));
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Apply what was kept ahead and is now next; repair a gap that remains. */
  private drain(): void {
    for (;;) {
      if (this.reloading || this.needResync) return;
      const next = this.ahead.get(this.revision + 1);
      if (!next) break;
      this.ahead.delete(this.revision + 1);
      if (!this.apply(this.revision + 1, next)) return;
    }
    for (const r of [...this.ahead.keys()]) if (r <= this.revision) this.ahead.delete(r);
    if (this.ahead.size > 0) void this.repair();
  }

  private apply(revision: number, events: GraphEvent[]): boolean {
    const touched = new Set<string>();
    try {
      for (const e of events) this.graph.apply(e, touched);
    } catch (err) {
      if (!(err instanceof MirrorMismatch)) throw err;
      // the graph may be half changed: it is replaced as a whole
      this.reloadInBackground();
      return false;
    }
    this.revision = revision;
    this.hooks.applied(revision, events, [...touched]);
    return true;
  }

  /** Try again a little later, while live (a reconnection catches up by itself). */
  private retrySoon(fn: () => void): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.hooks.live()) fn();
    }, this.hooks.retryDelay());
  }
}

/** Group a catch-up's events by revision, in order. */
function byRevision(events: readonly GraphEvent[]): Array<[number, GraphEvent[]]> {
  const out: Array<[number, GraphEvent[]]> = [];
  for (const e of events) {
    const last = out.at(-1);
    if (last && last[0] === e.revision) last[1].push(e);
    else out.push([e.revision, [e]]);
  }
  return out;
}
