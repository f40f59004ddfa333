import {
  type Actor,
  dirtyNodeIds,
  entryEvents,
  type GraphEvent,
  type HistoryEntry,
  type JsonObject,
  loadTemplate,
  Project,
  type RevisionResult,
  TalusError,
  type Template,
  type TreeGraph,
  touchesRoots,
} from '@talus/core';
import type { UndoScope } from '@talus/protocol';
import type { Logger } from 'pino';
import { CommitQueue } from './commit-queue.js';
import type { Metrics } from './metrics.js';
import { type Delivery, RevisionSequencer } from './sequencer.js';
import { type Session, SessionRegistry } from './sessions.js';
import { type ProjectRow, RevisionConflictError, type RevisionWrite, type Store } from './store/store.js';
import type { TemplateCatalog } from './templates.js';

export type { Session } from './sessions.js';

/** Where the hub sends what happened: the Socket.IO namespace, or nothing (REST-only, tests, the CLI). */
export interface Publisher {
  /** A committed revision's events, in order, to this process's sockets in the session. */
  revision(d: Delivery): void;
  /** Tell the other server processes about a revision committed here (no-op with one process). */
  notify(d: Delivery): void;
  /** Any other event to everyone in the session, on every process. */
  room(sessionId: string, event: string, payload: JsonObject): void;
  /** Disconnect everyone from the session's room (the session ended). */
  closeRoom(sessionId: string): void;
  /** Sockets in the session, on every process. */
  clients(sessionId: string): Promise<number>;
  /** Sockets in the session on this process. */
  localClients(sessionId: string): number;
}

export interface CommandRequest {
  command_type: unknown;
  data?: unknown;
  command_id?: string | undefined;
  expected_revision?: number | undefined;
  include_graph?: boolean | undefined;
}

export interface UndoRequest {
  scope?: UndoScope | undefined;
  command_id?: string | undefined;
  expected_revision?: number | undefined;
}

interface Loaded {
  project: Project;
  row: Omit<ProjectRow, 'roots' | 'revision' | 'name' | 'updated_at'>;
  /** The last revision made durable: events and catch-up never go past it. */
  committed: number;
  /** Whether `project:loaded` has reached the session since the project was loaded into memory. */
  announced: boolean;
  /** Serializes catching up with the store (several processes). */
  catchingUp: Promise<void>;
}

/** A revision on its way to the store. */
interface Pending {
  loaded: Loaded;
  write: RevisionWrite;
  delivery: Delivery;
}

/** How often a command is retried when another process stored the same revision first. */
const MAX_ATTEMPTS = 50;

const now = () => new Date().toISOString();
const notFound = (projectId: string) =>
  new TalusError('PROJECT_NOT_FOUND', 'no such project', { project_id: projectId.slice(0, 100) });

/**
 * The engine: projects in memory, sessions, and the one command pipeline every transport calls —
 * validate and apply (core) → commit (store, in groups) → publish → acknowledge.
 *
 * With a store shared by several processes (PostgreSQL), each process keeps its copy of a project current
 * by reading the revisions others stored before it uses the project, and a commit that finds its revision
 * taken (another process was first) is retried from scratch after catching up.
 */
export class Hub {
  readonly sessions: SessionRegistry;
  private readonly loaded = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded | undefined>>();
  private readonly commits: CommitQueue<Pending>;
  private readonly sequencer: RevisionSequencer;
  /** Whether other processes write to the same store. */
  private readonly shared: boolean;
  publisher: Publisher | null = null;

  constructor(
    readonly store: Store,
    readonly templates: TemplateCatalog,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly historyKeep = 0,
  ) {
    this.sessions = new SessionRegistry(store, metrics);
    this.shared = store.kind === 'postgres';
    this.sequencer = new RevisionSequencer(
      (d) => this.publisher?.revision(d),
      (projectId, after) => this.deliveriesSince(projectId, after),
      (err) => this.log.error({ err }, 'could not fill a gap in the revisions'),
    );
    this.commits = new CommitQueue<Pending>(
      store,
      {
        current: (p) => this.loaded.get(p.loaded.project.id) === p.loaded,
        // memory is ahead of the store: drop the copies, they reload (and catch up) on next use
        failed: (batch) => {
          for (const p of batch) this.loaded.delete(p.loaded.project.id);
        },
        committed: (p) => this.published(p),
      },
      log,
      metrics,
    );
  }

  async start(): Promise<void> {
    await this.sessions.start();
  }

  // ---- sessions -----------------------------------------------------------------------------------------

  session(id: unknown): Promise<Session> {
    return this.sessions.get(id);
  }

  async createSession(): Promise<Session> {
    return this.sessions.create(null);
  }

  async listSessions(): Promise<Array<{ session: Session; clients: number }>> {
    const all = await this.sessions.list();
    return Promise.all(
      all.map(async (session) => ({ session, clients: await this.clients(session.row.session_id) })),
    );
  }

  clients(sessionId: string): Promise<number> {
    return this.publisher ? this.publisher.clients(sessionId) : Promise.resolve(0);
  }

  cleanupSessions(hours: number) {
    return this.sessions.cleanup(hours, (sid) => this.clients(sid));
  }

  touchSession(s: Session): void {
    this.sessions.touch(s);
  }

  persistActivity(): Promise<void> {
    return this.sessions.persistActivity();
  }

  /** The project of a session, current with the store (409 CONFLICT when the session has none yet). */
  async projectOfSession(s: Session): Promise<Loaded> {
    if (!s.row.project_id) {
      // another process may have loaded a project into it
      const row = this.shared ? await this.store.getSession(s.row.session_id) : undefined;
      if (row?.project_id) s.row.project_id = row.project_id;
      else throw new TalusError('CONFLICT', 'this session has no project yet');
    }
    return this.fresh(s.row.project_id);
  }

  async sessionOf(projectId: string): Promise<Session | undefined> {
    return this.sessions.ofProject(projectId);
  }

  // ---- projects -----------------------------------------------------------------------------------------

  /** A project in memory and current with the store, loading it on first use. */
  async fresh(projectId: string): Promise<Loaded> {
    const l = await this.load(projectId);
    if (this.shared) await this.catchUp(l);
    return l;
  }

  private async load(projectId: string): Promise<Loaded> {
    const hit = this.loaded.get(projectId);
    if (hit) return hit;
    let pending = this.loading.get(projectId);
    if (!pending) {
      pending = this.loadFromStore(projectId).finally(() => this.loading.delete(projectId));
      this.loading.set(projectId, pending);
    }
    const l = await pending;
    if (!l) throw notFound(projectId);
    return l;
  }

  private async loadFromStore(projectId: string): Promise<Loaded | undefined> {
    if (projectId.length > 100) return undefined;
    const stored = await this.store.loadProject(projectId);
    if (!stored) return undefined;
    const { row } = stored;
    const load = loadTemplate(row.template_id, row.template, `project ${row.id}`);
    if (!load.ok) throw new TalusError('INTERNAL', `the stored template of project ${row.id} does not load`);
    const project = Project.restore(
      {
        id: row.id,
        name: row.name,
        template: load.template,
        created_at: row.created_at,
        updated_at: row.updated_at,
      },
      stored.nodes,
      row.roots,
      row.revision,
      stored.history,
    );
    return this.keep(project, row);
  }

  private keep(project: Project, row: ProjectRow): Loaded {
    const l: Loaded = {
      project,
      row: projectHeader(row),
      committed: project.revision,
      announced: false,
      catchingUp: Promise.resolve(),
    };
    this.loaded.set(project.id, l);
    return l;
  }

  /**
   * Apply what other processes stored since this copy's revision. A copy with local revisions still on
   * their way to the store is left alone: their commit will find out, and retry.
   */
  private catchUp(l: Loaded): Promise<void> {
    l.catchingUp = l.catchingUp.then(async () => {
      const id = l.project.id;
      const stored = await this.store.currentRevision(id);
      if (stored === undefined) {
        this.loaded.delete(id);
        throw notFound(id);
      }
      if (stored <= l.committed || l.project.revision !== l.committed) return;
      const entries = await this.store.loadEntriesSince(id, l.committed);
      if (l.project.revision !== l.committed || this.loaded.get(id) !== l) return;
      const sessionId = (await this.sessions.ofProject(id))?.row.session_id ?? null;
      for (const e of entries) {
        if (e.revision !== l.committed + 1) break;
        l.project.applyCommitted(e);
        l.committed = e.revision;
        void this.sequencer.offer(this.delivery(l, e, sessionId));
      }
    });
    return l.catchingUp;
  }

  /** Create a project from a template at revision 0, in the given session or a new one. */
  async createProject(templateId: string, name: string, sessionId?: string) {
    const template = this.templates.require(templateId);
    const session = sessionId === undefined ? undefined : await this.session(sessionId);
    if (session?.row.project_id) throw new TalusError('CONFLICT', 'this session already has a project');
    const at = now();
    const project = Project.create({
      id: globalThis.crypto.randomUUID(),
      name,
      template,
      created_at: at,
      updated_at: at,
    });
    return this.adopt(project, template, {}, session, []);
  }

  /**
   * Store a project built elsewhere (create, import) and attach it to a session: the given one (which must
   * have no project) or a new one.
   */
  async adopt(
    project: Project,
    template: Template,
    extras: JsonObject,
    session: Session | undefined,
    history: HistoryEntry[],
  ) {
    if (session?.row.project_id) throw new TalusError('CONFLICT', 'this session already has a project');
    const row: ProjectRow = {
      id: project.id,
      name: project.name,
      template_id: template.id,
      template_version: template.version,
      template: this.templates.source(template),
      extras,
      revision: project.revision,
      roots: [...project.graph.roots],
      created_at: project.created_at,
      updated_at: project.updated_at,
    };
    await this.store.createProject({ row, nodes: [...project.graph.walk()], history });
    const loaded = this.keep(project, row);
    let s = session;
    if (s) {
      await this.sessions.attach(s, project.id);
      this.announceLoaded(loaded, s);
    } else {
      s = await this.sessions.create(project.id);
      loaded.announced = true; // a new session has no sockets to tell
    }
    return { session: s, loaded };
  }

  /** The project's live session, created if none, so everyone opening a project shares one. */
  async openProject(projectId: string): Promise<{ session: Session; loaded: Loaded }> {
    const loaded = await this.fresh(projectId);
    const session = (await this.sessions.ofProject(projectId)) ?? (await this.sessions.create(projectId));
    return { session, loaded };
  }

  /**
   * Send `project:loaded` to the session once per load into memory: when the project is loaded for a
   * session with sockets in it (an import), or to the first sockets joining after it was loaded.
   */
  announceLoaded(loaded: Loaded, s: Session): void {
    if (loaded.announced || s.row.project_id !== loaded.project.id) return;
    loaded.announced = true;
    this.publisher?.room(s.row.session_id, 'project:loaded', {
      project_id: loaded.project.id,
      revision: loaded.committed,
    });
  }

  /** This process's sockets of a project have seen everything up to `revision` (they joined there). */
  trackDelivered(projectId: string, revision: number): void {
    this.sequencer.track(projectId, revision);
  }

  async listProjects() {
    const rows = await this.store.listProjects();
    return rows.map((r) => {
      const live = this.loaded.get(r.id);
      if (!live || live.committed < r.revision) return r;
      return { ...r, name: live.project.name, revision: live.committed, updated_at: live.project.updated_at };
    });
  }

  async renameProject(projectId: string, name: string): Promise<void> {
    const at = now();
    if (!(await this.store.renameProject(projectId, name, at))) throw notFound(projectId);
    const loaded = this.loaded.get(projectId);
    if (loaded) {
      loaded.project.name = name;
      loaded.project.updated_at = at;
    }
  }

  async deleteProject(projectId: string): Promise<void> {
    await this.settle();
    if (!(await this.store.deleteProject(projectId))) throw notFound(projectId);
    this.loaded.delete(projectId);
    this.sequencer.forget(projectId);
    const s = await this.sessions.ofProject(projectId);
    if (s) {
      this.publisher?.room(s.row.session_id, 'project:deleted', { project_id: projectId });
      this.publisher?.closeRoom(s.row.session_id);
      await this.sessions.remove(s.row.session_id);
    }
  }

  // ---- the command pipeline -------------------------------------------------------------------------------

  /** Execute a command in a session, as `actor`; resolves once it is durable and broadcast. */
  async execute(sessionId: unknown, req: CommandRequest, actor: Actor) {
    const type = typeof req.command_type === 'string' ? req.command_type.slice(0, 40) : 'invalid';
    return this.measured(type, async () => {
      const ctx = this.context(actor, req.command_id);
      const { loaded, result, events } = await this.attempt(sessionId, (project) =>
        project.execute(req.command_type, req.data, ctx, { expected_revision: req.expected_revision }),
      );
      const e = result.entry;
      return {
        answer: {
          success: true as const,
          command_id: e.command_id,
          revision: e.revision,
          ...(e.node_id !== undefined ? { node_id: e.node_id } : {}),
          ...(e.node_ids !== undefined ? { node_ids: e.node_ids } : {}),
          events,
          ...(req.include_graph === true ? { graph: this.tree(loaded) } : {}),
        },
        replayed: result.replayed,
      };
    });
  }

  async undoRedo(kind: 'undo' | 'redo', sessionId: unknown, req: UndoRequest, actor: Actor) {
    return this.measured(kind === 'undo' ? 'Undo' : 'Redo', async () => {
      const ctx = this.context(actor, req.command_id);
      const opts = { expected_revision: req.expected_revision };
      const scope = req.scope ?? 'session';
      const { result, events } = await this.attempt(sessionId, (project) =>
        kind === 'undo' ? project.undo(scope, ctx, opts) : project.redo(scope, ctx, opts),
      );
      const e = result.entry;
      return {
        answer: {
          success: true as const,
          command_id: e.command_id,
          ...(kind === 'undo'
            ? { undone_command_id: e.undone_command_id! }
            : { redone_command_id: e.redone_command_id! }),
          revision: e.revision,
          events,
        },
        replayed: result.replayed,
      };
    });
  }

  private async measured<T>(type: string, fn: () => Promise<{ answer: T; replayed: boolean }>): Promise<T> {
    const stop = this.metrics.commandLatency.startTimer({ command_type: type });
    try {
      const { answer, replayed } = await fn();
      this.metrics.commands.inc({ command_type: type, outcome: replayed ? 'replayed' : 'applied' });
      return answer;
    } catch (err) {
      this.metrics.commands.inc({ command_type: type, outcome: 'refused' });
      throw err;
    } finally {
      stop();
    }
  }

  /**
   * Run one request against the session's project and make it durable; when another process stored the
   * revision first, catch up and run it again (the command is validated again on the new state).
   */
  private async attempt(sessionId: unknown, run: (project: Project) => RevisionResult) {
    for (let attempt = 1; ; attempt++) {
      const session = await this.session(sessionId);
      const loaded = await this.projectOfSession(session);
      const result = run(loaded.project);
      try {
        const events = await this.commitAndPublish(loaded, result, session);
        return { loaded, result, events };
      } catch (err) {
        if (!(err instanceof RevisionConflictError)) throw err;
        if (attempt >= MAX_ATTEMPTS) {
          throw new TalusError(
            'CONFLICT',
            'the project is too busy right now: other processes keep changing it; retry',
          );
        }
        // back off with jitter, so that processes racing for one project spread out
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 * attempt)));
      }
    }
  }

  private context(actor: Actor, commandId: string | undefined) {
    return { actor, now: now(), command_id: commandId ?? globalThis.crypto.randomUUID() };
  }

  /** The graph in tree form. */
  tree(loaded: Loaded): TreeGraph {
    return { revision: loaded.project.revision, roots: loaded.project.graph.toTree() };
  }

  private delivery(l: Loaded, e: HistoryEntry, sessionId: string | null): Delivery {
    return {
      projectId: l.project.id,
      sessionId,
      revision: e.revision,
      events: entryEvents(e, l.project.template, { session_id: sessionId, project_id: l.project.id }),
    };
  }

  private commitAndPublish(loaded: Loaded, result: RevisionResult, session: Session): Promise<GraphEvent[]> {
    this.sessions.touch(session);
    const delivery = this.delivery(loaded, result.entry, session.row.session_id);
    if (result.replayed) {
      // the first answer again; if the first is still on its way to disk, answer after it lands
      const inFlight = this.commits.waiting((p) => p.write.entry.command_id === result.entry.command_id);
      return inFlight ? this.settle().then(() => delivery.events) : Promise.resolve(delivery.events);
    }
    const { project } = loaded;
    const e = result.entry;
    const upserts = [];
    const deletes = [];
    for (const id of dirtyNodeIds(e.changes)) {
      const node = project.graph.get(id);
      if (node) upserts.push(structuredClone(node));
      else deletes.push(id);
    }
    const write: RevisionWrite = {
      project_id: project.id,
      entry: structuredClone(e),
      target: result.target ? structuredClone(result.target) : undefined,
      upserts,
      deletes,
      roots: touchesRoots(e.changes) ? [...project.graph.roots] : undefined,
      revision: e.revision,
      updated_at: e.timestamp,
      // entries past TALUS_HISTORY_KEEP leave memory now and the store in the same transaction (a failed
      // commit drops this copy of the project, so memory never stays ahead of the store)
      history_floor:
        this.historyKeep > 0 && project.prune(this.historyKeep).length > 0 ? project.historyFloor : undefined,
    };
    return this.commits.enqueue({ loaded, write, delivery }).then(() => delivery.events);
  }

  /** A revision is durable: tell the other processes, and deliver it to this process's sockets in order. */
  private published(p: Pending): Promise<void> {
    p.loaded.committed = Math.max(p.loaded.committed, p.write.revision);
    try {
      this.publisher?.notify(p.delivery);
    } catch (err) {
      // the other processes still find the revision in the store when they fill the gap
      this.log.error({ err }, 'could not notify the other processes of a revision');
    }
    // acknowledged once this process's sockets have the revision (they get the revisions in order)
    return this.sequencer.offer(p.delivery);
  }

  /** A revision another process committed (its notice over Redis): deliver it to this process's sockets. */
  remoteRevision(d: Delivery): void {
    // only what this process's sockets wait for: a project none of them has is none of its business
    const watched = this.sequencer.delivered(d.projectId) !== undefined;
    if (watched || (d.sessionId !== null && (this.publisher?.localClients(d.sessionId) ?? 0) > 0)) {
      void this.sequencer.offer(d);
    }
  }

  private async deliveriesSince(projectId: string, after: number): Promise<Delivery[]> {
    const l = await this.fresh(projectId);
    const sessionId = (await this.sessions.ofProject(projectId))?.row.session_id ?? null;
    return (l.project.entriesSince(after) ?? [])
      .filter((e) => e.revision <= l.committed)
      .map((e) => this.delivery(l, e, sessionId));
  }

  /** Wait until everything queued so far is committed. */
  settle(): Promise<void> {
    return this.commits.settle();
  }

  /** Events of every committed revision after `since`, in order (410 HISTORY_TRUNCATED outside the history). */
  eventsSince(
    loaded: Loaded,
    since: number,
    sessionId: string | null,
  ): { revision: number; events: GraphEvent[] } {
    const entries = since <= loaded.committed ? loaded.project.entriesSince(since) : undefined;
    if (!entries) {
      throw new TalusError('HISTORY_TRUNCATED', `revision ${since} is outside the kept history`, {
        revision: loaded.committed,
      });
    }
    const events: GraphEvent[] = [];
    for (const e of entries) {
      if (e.revision > loaded.committed) break;
      events.push(
        ...entryEvents(e, loaded.project.template, { session_id: sessionId, project_id: loaded.project.id }),
      );
    }
    return { revision: loaded.committed, events };
  }

  async saveSnapshot(loaded: Loaded, sessionId: string): Promise<number> {
    await this.settle();
    await this.store.snapshot();
    this.publisher?.room(sessionId, 'project:saved', {
      project_id: loaded.project.id,
      revision: loaded.committed,
    });
    return loaded.committed;
  }

  async close(): Promise<void> {
    await this.settle();
    await this.sessions.persistActivity();
    this.sequencer.close();
  }
}

function projectHeader(row: ProjectRow): Loaded['row'] {
  return {
    id: row.id,
    template_id: row.template_id,
    template_version: row.template_version,
    template: row.template,
    extras: row.extras,
    created_at: row.created_at,
  };
}

export type { Loaded };
