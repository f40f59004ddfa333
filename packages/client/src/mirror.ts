import { io, type Socket } from 'socket.io-client';
import type {
  EventsAnswer,
  ExecuteAnswer,
  ProjectAnswer,
  ProjectOpened,
  RedoAnswer,
  UndoAnswer,
} from './answers.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { type CommandEvent, CommandQueue, type SendCommand } from './command-queue.js';
import { Emitter, reportAsync } from './emitter.js';
import { fromEnvelope, isTalusError, TalusError } from './errors.js';
import type { Http } from './http.js';
import { newCommandId } from './ids.js';
import { RevisionSync } from './revision-sync.js';
import { ackOrLost, connected } from './socket-calls.js';
import {
  type CommandDataMap,
  type CommandType,
  type ExecuteOptions,
  GRAPH_EVENT_NAMES,
  type GraphEvent,
  type NodeRecord,
  type PresenceClient,
  type PresenceEvent,
  type PresenceUpdate,
  type RevisionPacket,
  type TreeGraph,
  type UndoOptions,
} from './types.js';

/**
 * `connecting`: first connection; `live`: joined and caught up; `reconnecting`: the connection was lost and
 * the mirror is retrying; `offline`: closed, or stopped retrying (the project is gone, access was refused).
 */
export type MirrorState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** One applied revision: its events in order and the ids of the nodes whose record changed. */
export interface MirrorChange {
  revision: number;
  events: GraphEvent[];
  nodeIds: string[];
}

/** A full reload replaced the graph (`resync_required`, `HISTORY_TRUNCATED`, or an event that did not fit). */
export interface MirrorResync {
  revision: number;
  previousRevision: number;
}

/** Listeners of `ProjectMirror.on`. */
export type MirrorEvents = {
  /** Once per revision, in order, after the mirror applied it. */
  change: (change: MirrorChange) => void;
  /** After a full reload, instead of `change` calls for the skipped revisions. */
  resync: (resync: MirrorResync) => void;
  state: (state: MirrorState, previous: MirrorState) => void;
  /** Everyone in the session (this mirror included) with their selection. */
  presence: (clients: PresenceClient[]) => void;
  /** The project was deleted; the mirror is offline. */
  deleted: () => void;
};

/** Per-node notification: the node as it is now (undefined once deleted) and the revision that changed it. */
export type NodeListener = (node: NodeRecord | undefined, revision: number) => void;

export interface OpenProjectOptions {
  /** Ask the server for one `revision` packet per revision (default true). */
  batched?: boolean;
}

/** What a mirror gets from its client. */
export interface MirrorContext {
  http: Http;
  auth: { token: string } | { name: string } | Record<string, never>;
  timeoutMs: number;
  backoff: BackoffOptions;
  onClose: (mirror: ProjectMirror) => void;
}

/** Presence updates are sent at most this often; the server throttles its broadcasts too. */
const PRESENCE_INTERVAL_MS = 50;
/** The longest a connection attempt or a join may take before the next try (or the next URL). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Codes after which retrying cannot help: the mirror goes offline. */
const FATAL = new Set(['PROJECT_NOT_FOUND', 'UNAUTHORIZED', 'FORBIDDEN', 'CLOSED']);

const enc = encodeURIComponent;

/**
 * A live copy of one project: the graph at `revision`, updated once per revision, in order, whatever the
 * network does. See docs/client.md for the reconnection and exactly-once design.
 */
export class ProjectMirror {
  private readonly emitter = new Emitter<MirrorEvents>();
  private readonly nodeListeners = new Map<string, Set<NodeListener>>();
  private readonly commands: CommandQueue;
  private readonly sync: RevisionSync;
  private readonly http: Http;
  private _state: MirrorState = 'connecting';
  private _name = '';
  private _clientId: string | null = null;
  private _presence: PresenceClient[] = [];
  private session: string | undefined;
  private socket: Socket | undefined;
  private closed = false;
  private everLive = false;
  private readonly presenceWanted: PresenceUpdate = {};
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPresenceAt = 0;
  private wake: (() => void) | undefined;
  private firstLive: { resolve: () => void; reject: (e: TalusError) => void } | undefined;

  constructor(
    readonly projectId: string,
    private readonly context: MirrorContext,
    private readonly options: Required<OpenProjectOptions>,
  ) {
    this.http = context.http;
    const path = `/projects/${encodeURIComponent(projectId)}`;
    this.sync = new RevisionSync({
      fetchProject: () => this.http.request<ProjectAnswer>('GET', path, { failover: true }),
      fetchEvents: (since) =>
        this.http.request<EventsAnswer>('GET', `${path}/events`, { query: { since }, failover: true }),
      applied: (revision, events, nodeIds) => {
        this.emitter.emit('change', { revision, events, nodeIds });
        this.notifyNodes(nodeIds, revision);
        this.commands.reached(revision);
      },
      reloaded: (project, previousRevision, announce) => {
        this._name = project.name;
        if (announce) {
          this.emitter.emit('resync', { revision: project.graph.revision, previousRevision });
          this.notifyNodes([...this.nodeListeners.keys()], project.graph.revision);
        }
        this.commands.reached(project.graph.revision);
      },
      live: () => this._state === 'live',
      retryDelay: () => backoffDelay(2, this.context.backoff),
    });
    this.commands = new CommandQueue(context.timeoutMs, {
      revision: () => this.sync.revision,
      answeredAhead: () => {
        void this.sync.repair();
      },
      sessionLost: () => {
        this.session = undefined;
        this.socket?.disconnect();
      },
    });
  }

  /** The revision the mirror shows (-1 before the first load). */
  get revision(): number {
    return this.sync.revision;
  }

  get state(): MirrorState {
    return this._state;
  }

  /** The project's name when it was last loaded. */
  get name(): string {
    return this._name;
  }

  /** The project's live session (undefined until opened). */
  get sessionId(): string | undefined {
    return this.session;
  }

  /** This mirror's socket id in the session (as presence lists it), while connected. */
  get clientId(): string | null {
    return this._clientId;
  }

  /** The last presence list received. */
  get presence(): readonly PresenceClient[] {
    return this._presence;
  }

  /** Commands issued and not yet answered (or answered, waiting for the mirror to show their revision). */
  get pendingCommands(): number {
    return this.commands.size;
  }

  /** A node in id form; treat it as immutable (a change replaces the record). */
  getNode(id: string): NodeRecord | undefined {
    return this.sync.graph.get(id);
  }

  /** Root ids, in order. */
  roots(): readonly string[] {
    return this.sync.graph.roots();
  }

  /** The graph in tree form, as `GET /projects/{id}` answers it at the same revision. */
  toTree(): TreeGraph {
    return { revision: this.sync.revision, roots: this.sync.graph.toTree() };
  }

  /** Listen to `change`, `resync`, `state`, `presence` or `deleted`; returns a function that removes it. */
  on<K extends keyof MirrorEvents>(event: K, fn: MirrorEvents[K]): () => void;
  /** Listen to changes of one node. */
  on(event: 'node', nodeId: string, fn: NodeListener): () => void;
  on(event: string, a: unknown, b?: unknown): () => void {
    if (event === 'node') return this.onNode(a as string, b as NodeListener);
    return this.emitter.on(event as keyof MirrorEvents, a as MirrorEvents[keyof MirrorEvents]);
  }

  /**
   * Call `fn` whenever a revision creates, deletes, moves or changes the node (its values, its children)
   * and after a resync; returns a function that removes it.
   */
  onNode(nodeId: string, fn: NodeListener): () => void {
    let set = this.nodeListeners.get(nodeId);
    if (!set) {
      set = new Set();
      this.nodeListeners.set(nodeId, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.nodeListeners.delete(nodeId);
    };
  }

  /**
   * Run a command. Resolves with the server's answer once it is acknowledged and the mirror shows its
   * revision; rejects with a TalusError when refused, `TIMEOUT` without an answer within `timeoutMs` while
   * live, `CLOSED` when the mirror closes first. Issued while offline or reconnecting, it waits for the
   * connection.
   */
  execute<K extends CommandType>(
    commandType: K,
    data: CommandDataMap[K],
    options: ExecuteOptions = {},
  ): Promise<ExecuteAnswer> {
    const id = options.command_id ?? newCommandId();
    const payload: Record<string, unknown> = { command_type: commandType, data, command_id: id };
    if (options.expected_revision !== undefined) payload.expected_revision = options.expected_revision;
    if (options.include_graph !== undefined) payload.include_graph = options.include_graph;
    return this.enqueue<ExecuteAnswer>('execute_command', id, payload);
  }

  /** Undo (scope `session` by default, or `mine`); resolves like `execute`. */
  undo(options: UndoOptions = {}): Promise<UndoAnswer> {
    const id = options.command_id ?? newCommandId();
    return this.enqueue<UndoAnswer>('undo', id, undoPayload(id, options));
  }

  /** Redo (scope `session` by default, or `mine`); resolves like `execute`. */
  redo(options: UndoOptions = {}): Promise<RedoAnswer> {
    const id = options.command_id ?? newCommandId();
    return this.enqueue<RedoAnswer>('redo', id, undoPayload(id, options));
  }

  /**
   * Tell the others what this client has selected or is editing (`null` clears). Sent at most every 50 ms
   * (the latest state wins) and again after every reconnection.
   */
  setPresence(update: PresenceUpdate): void {
    if (update.selected_node_id !== undefined) this.presenceWanted.selected_node_id = update.selected_node_id;
    if (update.editing_property_id !== undefined)
      this.presenceWanted.editing_property_id = update.editing_property_id;
    this.schedulePresence();
  }

  /** Fetch and apply what the server has beyond `revision` now (a manual catch-up; normally not needed). */
  async refresh(): Promise<number> {
    await this.sync.repair();
    return this.sync.revision;
  }

  /** Resolves when the mirror is live (at once if it is); rejects if it goes offline first. */
  whenLive(): Promise<void> {
    if (this._state === 'live') return Promise.resolve();
    if (this.closed) return Promise.reject(new TalusError('CLOSED', 'the mirror is closed'));
    return new Promise((resolve, reject) => {
      const off = this.emitter.on('state', (s) => {
        if (s === 'live') {
          off();
          resolve();
        } else if (s === 'offline') {
          off();
          reject(new TalusError('CLOSED', 'the mirror went offline'));
        }
      });
    });
  }

  /** Leave the session and stop; pending commands reject with `CLOSED`. */
  close(): void {
    this.shutdown(new TalusError('CLOSED', 'the mirror was closed'));
  }

  /** @internal Start connecting; resolves at the first `live`, rejects on a fatal error or after `timeoutMs`. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve, reject) => {
      this.firstLive = { resolve, reject };
    });
    const timer = setTimeout(() => {
      if (this.everLive || this.closed) return;
      this.shutdown(
        new TalusError('TIMEOUT', `project ${this.projectId}: not live within ${this.context.timeoutMs} ms`),
      );
    }, this.context.timeoutMs);
    void this.run();
    return first.finally(() => clearTimeout(timer));
  }

  // ---- the connection loop ----------------------------------------------------------------------------

  private get connectTimeout(): number {
    return Math.min(this.context.timeoutMs, CONNECT_TIMEOUT_MS);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      let wentLive = false;
      try {
        await this.connectOnce(() => {
          wentLive = true;
          attempt = 0;
        });
      } catch (err) {
        const e = toTalusError(err);
        if (FATAL.has(e.code)) {
          this.shutdown(e);
          return;
        }
        // could not get through: the next try goes to the next server
        if (!wentLive) this.http.rotate();
      }
      if (this.closed) return;
      this.setState(this.everLive ? 'reconnecting' : 'connecting');
      await this.pause(backoffDelay(attempt++, this.context.backoff));
    }
  }

  /** One connection: open, load, connect, join, catch up, go live; resolves when the connection drops. */
  private async connectOnce(onLive: () => void): Promise<void> {
    if (this.session === undefined) await this.openSession();
    if (this.sync.revision < 0) await this.sync.reload(false);
    if (this.closed) return;
    const socket = io(`${this.http.url}/graph`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: this.connectTimeout,
      auth: this.context.auth,
    });
    this.socket = socket;
    const lost = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
    try {
      this.listen(socket);
      await connected(socket, this.connectTimeout);
      const joined = await this.join(socket);
      if (this.sync.needResync) await this.sync.reload(true);
      else if (this.sync.revision < joined.revision) await this.sync.repair();
      if (this.closed || this.socket !== socket) return;
      if (!socket.connected) throw new Error('the connection dropped while catching up');
      if (this.sync.revision < joined.revision || this.sync.needResync) throw new Error('could not catch up');
      this._clientId = joined.client_id;
      this.everLive = true;
      // queued commands go first, in their order, before any issued by a `state` listener
      this.commands.flush(this.sender(socket));
      this.setState('live');
      this.firstLive?.resolve();
      this.firstLive = undefined;
      onLive();
      this.schedulePresence();
      await lost;
    } finally {
      socket.removeAllListeners();
      socket.disconnect();
      if (this.socket === socket) this.socket = undefined;
      this._clientId = null;
      this.sync.connectionLost();
      this.commands.disconnected();
      if (this.presenceTimer !== undefined) clearTimeout(this.presenceTimer);
      this.presenceTimer = undefined;
      if (this._state === 'live' && !this.closed) this.setState('reconnecting');
    }
  }

  private async openSession(): Promise<void> {
    const opened = await this.http.request<ProjectOpened>('POST', `/projects/${enc(this.projectId)}/open`, {
      failover: true,
    });
    this.session = opened.session_id;
  }

  /** Join with the last applied revision; a session the server no longer knows is opened again. */
  private async join(socket: Socket): Promise<{ revision: number; client_id: string }> {
    for (let tries = 0; ; tries++) {
      const ack = await ackOrLost(
        socket,
        'join_session',
        { session_id: this.session, since_revision: this.sync.revision, batched: this.options.batched },
        this.connectTimeout,
      );
      const body = ack as { ok?: unknown; revision?: unknown; client_id?: unknown };
      if (body.ok === true && typeof body.revision === 'number') {
        return {
          revision: body.revision,
          client_id: typeof body.client_id === 'string' ? body.client_id : '',
        };
      }
      const err = fromEnvelope(ack);
      if (err.code !== 'INVALID_SESSION' || tries >= 2) throw err;
      await this.openSession();
    }
  }

  private listen(socket: Socket): void {
    const mine = () => this.socket === socket;
    if (this.options.batched) {
      socket.on('revision', (p: RevisionPacket) => {
        if (mine()) this.sync.receive(p.revision, p.events);
      });
    } else {
      for (const name of GRAPH_EVENT_NAMES) {
        socket.on(name, (e: GraphEvent) => {
          if (mine()) this.sync.receiveEvent(e);
        });
      }
    }
    socket.on('resync_required', () => {
      if (!mine()) return;
      // during a join the connection reloads once joined; later (not expected) at once
      if (this._state === 'live') this.sync.reloadInBackground();
      else this.sync.needResync = true;
    });
    socket.on('presence', (p: PresenceEvent) => {
      if (!mine() || !Array.isArray(p?.clients)) return;
      this._presence = p.clients;
      this.emitter.emit('presence', p.clients);
    });
    socket.on('left', (p: { session_id?: unknown } | undefined) => {
      // the mirror never leaves by itself: the server removed it (access withdrawn). Reconnect: the
      // rejoin decides (refused for good: offline; allowed again: live, caught up)
      if (mine() && p?.session_id === this.session) socket.disconnect();
    });
    socket.on('project:deleted', () => {
      if (!mine()) return;
      this.emitter.emit('deleted');
      this.shutdown(new TalusError('PROJECT_NOT_FOUND', `project ${this.projectId} was deleted`));
    });
  }

  private sender(socket: Socket): SendCommand {
    return (event, payload, onAck) => socket.emit(event, { session_id: this.session, ...payload }, onAck);
  }

  private enqueue<T extends { revision: number }>(
    event: CommandEvent,
    id: string,
    payload: Record<string, unknown>,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new TalusError('CLOSED', 'the mirror is closed'));
    const socket = this.socket;
    const live = socket !== undefined && this._state === 'live' ? this.sender(socket) : undefined;
    return this.commands.add<T>(event, id, payload, live);
  }

  private notifyNodes(ids: Iterable<string>, revision: number): void {
    for (const id of ids) {
      const set = this.nodeListeners.get(id);
      if (!set) continue;
      const node = this.sync.graph.get(id);
      for (const fn of [...set]) {
        try {
          fn(node, revision);
        } catch (err) {
          reportAsync(err);
        }
      }
    }
  }

  // ---- presence, state, shutdown ----------------------------------------------------------------------

  private schedulePresence(): void {
    const wanted = this.presenceWanted;
    if (wanted.selected_node_id === undefined && wanted.editing_property_id === undefined) return;
    if (this._state !== 'live' || this.presenceTimer !== undefined) return;
    const wait = Math.max(0, this.lastPresenceAt + PRESENCE_INTERVAL_MS - Date.now());
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = undefined;
      const socket = this.socket;
      if (!socket || this._state !== 'live') return;
      this.lastPresenceAt = Date.now();
      socket.emit('presence', { session_id: this.session, ...this.presenceWanted }, () => {});
    }, wait);
  }

  private setState(state: MirrorState): void {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this.emitter.emit('state', state, previous);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private shutdown(err: TalusError): void {
    if (this.closed) return;
    this.closed = true;
    this.commands.rejectAll(err);
    const socket = this.socket;
    this.socket = undefined;
    socket?.disconnect();
    if (this.presenceTimer !== undefined) clearTimeout(this.presenceTimer);
    this.sync.close();
    this.wake?.();
    this.setState('offline');
    this.firstLive?.reject(err);
    this.firstLive = undefined;
    this.context.onClose(this);
  }
}

function undoPayload(commandId: string, options: UndoOptions): Record<string, unknown> {
  const payload: Record<string, unknown> = { command_id: commandId };
  if (options.scope !== undefined) payload.scope = options.scope;
  if (options.expected_revision !== undefined) payload.expected_revision = options.expected_revision;
  return payload;
}

function toTalusError(err: unknown): TalusError {
  if (isTalusError(err)) return err;
  return new TalusError('UNAVAILABLE', err instanceof Error ? err.message : String(err));
}
