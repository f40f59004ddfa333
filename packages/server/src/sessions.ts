import { TalusError } from '@talus/core';
import type { Metrics } from './metrics.js';
import type { SessionRow, Store } from './store/store.js';

/** A session: the live room of one project. Its sockets are counted by the transport (across processes). */
export interface Session {
  row: SessionRow;
}

const SESSION_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const now = () => new Date().toISOString();

/**
 * The sessions this process knows, backed by the store: a session created by another server process is
 * found on first use, and a project's session is the store's (one per project, shared by every process).
 */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly touched = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
  ) {}

  async start(): Promise<void> {
    for (const row of await this.store.listSessions()) this.byId.set(row.session_id, { row });
    this.metrics.sessions.set(this.byId.size);
  }

  /** A session by id; INVALID_SESSION for an unknown or malformed id. */
  async get(id: unknown): Promise<Session> {
    const valid = typeof id === 'string' && SESSION_ID_RE.test(id);
    let s = valid ? this.byId.get(id) : undefined;
    if (!s && valid) {
      const row = await this.store.getSession(id);
      if (row) s = this.remember(row);
    }
    if (!s) {
      throw new TalusError('INVALID_SESSION', 'unknown session', {
        session_id: typeof id === 'string' ? id.slice(0, 64) : null,
      });
    }
    return s;
  }

  /** The session of a project, if it has one now. */
  async ofProject(projectId: string): Promise<Session | undefined> {
    for (const s of this.byId.values()) if (s.row.project_id === projectId) return s;
    const row = await this.store.findSessionByProject(projectId);
    return row ? this.remember(row) : undefined;
  }

  /** Known sessions without a store read (for events and cleanup of this process's view). */
  cached(projectId: string): Session | undefined {
    for (const s of this.byId.values()) if (s.row.project_id === projectId) return s;
    return undefined;
  }

  async list(): Promise<Session[]> {
    const rows = await this.store.listSessions();
    for (const row of rows) {
      const s = this.byId.get(row.session_id);
      if (!s) this.remember(row);
      else if (row.last_activity > s.row.last_activity) s.row.last_activity = row.last_activity;
    }
    const live = new Set(rows.map((r) => r.session_id));
    return [...this.byId.values()].filter((s) => live.has(s.row.session_id));
  }

  /**
   * A new session, empty or for a project. For a project that already has one (opened meanwhile by another
   * process), that one is returned instead: the store keeps one session per project.
   */
  async create(projectId: string | null): Promise<Session> {
    const at = now();
    const row: SessionRow = {
      session_id: globalThis.crypto.randomUUID(),
      project_id: projectId,
      created_at: at,
      last_activity: at,
    };
    try {
      await this.store.saveSession(row);
    } catch (err) {
      const existing = projectId ? await this.store.findSessionByProject(projectId) : undefined;
      if (existing) return this.remember(existing);
      throw err;
    }
    return this.remember(row);
  }

  /** Give an empty session its project. */
  async attach(s: Session, projectId: string): Promise<void> {
    s.row.project_id = projectId;
    this.touch(s);
    await this.store.saveSession(s.row);
  }

  touch(s: Session): void {
    s.row.last_activity = now();
    this.touched.add(s.row.session_id);
  }

  /** Persist `last_activity` of sessions touched since the last call (called on a timer and at close). */
  async persistActivity(): Promise<void> {
    if (this.touched.size === 0) return;
    const ids = [...this.touched];
    this.touched.clear();
    for (const id of ids) {
      const s = this.byId.get(id);
      if (s) await this.store.touchSessions([id], s.row.last_activity);
    }
  }

  /** Remove sessions with no sockets (anywhere) idle longer than `hours`. */
  async cleanup(hours: number, clients: (sessionId: string) => Promise<number>) {
    const cutoff = Date.now() - hours * 3_600_000;
    const doomed: string[] = [];
    for (const s of await this.list()) {
      if (Date.parse(s.row.last_activity) > cutoff) continue;
      if ((await clients(s.row.session_id)) === 0) doomed.push(s.row.session_id);
    }
    await this.store.deleteSessions(doomed);
    for (const id of doomed) this.drop(id);
    return { sessions_removed: doomed.length, active_sessions: this.byId.size };
  }

  async remove(id: string): Promise<void> {
    await this.store.deleteSessions([id]);
    this.drop(id);
  }

  private remember(row: SessionRow): Session {
    const s = { row };
    this.byId.set(row.session_id, s);
    this.metrics.sessions.set(this.byId.size);
    return s;
  }

  private drop(id: string): void {
    this.byId.delete(id);
    this.touched.delete(id);
    this.metrics.sessions.set(this.byId.size);
  }
}
