import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type Actor, type GraphEvent, type JsonObject, TalusError } from '@talus/core';
import { ExecutePayload, JoinPayload, LeavePayload, PresencePayload, UndoPayload } from '@talus/protocol';
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { declaredActor } from '../actor.js';
import { toErrorBody } from '../errors.js';
import type { Hub, Publisher, Session } from '../hub.js';
import type { Metrics } from '../metrics.js';
import type { Delivery } from '../sequencer.js';
import { type ClientPresence, newPresence, PresenceBroadcaster } from './presence.js';
import { TokenBucket } from './token-bucket.js';

type Ack = (answer: object) => void;

interface SocketState {
  actor: Actor;
  /** Joined sessions: whether each asked for batched revisions. */
  joined: Map<string, { batched: boolean }>;
  bucket: TokenBucket;
  /**
   * Settles when the joins and leaves this socket sent so far are done (null when none is pending): an
   * event waits for the joins and leaves sent before it, so `join_session` then `execute_command`, sent
   * without waiting for the join's answer, run in that order. Commands still run concurrently.
   */
  gate: Promise<void> | null;
}

/** Events that change which sessions a socket is in: later events wait for them. */
const MEMBERSHIP = new Set(['join_session', 'leave_session']);

const plainRoom = (sid: string) => `s:${sid}`;
const batchedRoom = (sid: string) => `b:${sid}`;
const stamp = () => new Date().toISOString();

function compile<T extends TSchema>(schema: T): (payload: unknown) => Static<T> {
  const checker: TypeCheck<T> = TypeCompiler.Compile(schema);
  return (payload) => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new TalusError('INVALID_REQUEST', 'the payload must be an object');
    }
    if (!checker.Check(payload)) {
      const first = checker.Errors(payload).First();
      throw new TalusError(
        'INVALID_REQUEST',
        `invalid payload${first?.path ? ` at ${first.path}` : ''}: ${first?.message ?? ''}`,
      );
    }
    return payload;
  };
}

const parse = {
  join: compile(JoinPayload),
  leave: compile(LeavePayload),
  execute: compile(ExecutePayload),
  undo: compile(UndoPayload),
  presence: compile(PresencePayload),
};

export interface GraphNamespaceOptions {
  hub: Hub;
  log: Logger;
  metrics: Metrics;
  eventsPerSecond: number;
  /** Several server processes share the rooms through an adapter (Redis). */
  clustered: boolean;
  /** Authentication on: the socket's actor and the policy check of every event (src/auth/socket.ts). */
  access?: SocketAccess | undefined;
}

/** Authentication of a socket's events (PRODUCT.md section 9). */
export interface SocketAccess {
  /** The signed-in user's actor; undefined falls back to the declared name. */
  actor(socket: Socket): Actor | undefined;
  /** Refuse (throw) an event the socket may not send; runs before the payload is validated. */
  check(socket: Socket, event: string, payload: unknown): Promise<void>;
}

/** Per socket: its joined sessions, and leaving one from outside (a member removed from the project). */
/** Per socket: the controls of its namespace (one object for every socket: no closures per connection). */
interface SocketControls {
  joined(socket: Socket): string[];
  leave(socket: Socket, sessionId: string): Promise<void>;
}
const controls = new WeakMap<Socket, SocketControls>();

/** The sessions a socket of this process has joined. */
export function socketSessions(socket: Socket): string[] {
  return controls.get(socket)?.joined(socket) ?? [];
}

/** Make a socket leave a session as if it had sent `leave_session` (it gets `left`, the room is told). */
export async function removeFromSession(socket: Socket, sessionId: string): Promise<void> {
  await controls.get(socket)?.leave(socket, sessionId);
}

/** What a socket keeps where other processes can read it (`fetchSockets`). */
interface SocketData {
  presence: Record<string, ClientPresence>;
}

const REVISION_NOTICE = 'talus:revision';

/**
 * Socket.IO namespace `/graph` (PRODUCT.md section 6): thin handlers that validate the payload, call the
 * hub's pipeline and map the answer or error to the ack. Returns the hub's publisher.
 */
export function attachGraphNamespace(io: Server, opts: GraphNamespaceOptions): Publisher {
  const { hub, log, metrics } = opts;
  const nsp: Namespace = io.of('/graph');
  const states = new WeakMap<Socket, SocketState>();
  const inSession = (sid: string) => nsp.in([plainRoom(sid), batchedRoom(sid)]);
  const toSession = (sid: string) => nsp.to([plainRoom(sid), batchedRoom(sid)]);
  const presence = new PresenceBroadcaster(
    async (sid) =>
      (await inSession(sid).fetchSockets())
        .map((s) => (s.data as Partial<SocketData>).presence?.[sid])
        .filter((p): p is ClientPresence => p !== undefined)
        .sort((a, b) => a.client_id.localeCompare(b.client_id)),
    (sid, payload) => toSession(sid).emit('presence', payload),
    (err) => log.error({ err }, 'presence broadcast failed'),
  );

  const publisher: Publisher = {
    revision(d: Delivery) {
      if (d.sessionId === null) return;
      // only this process's sockets: other processes deliver the revision to theirs, in order. Socket.IO
      // serializes a broadcast even for an empty room, so rooms without sockets here are skipped.
      const rooms = nsp.adapter.rooms;
      const plainId = plainRoom(d.sessionId);
      if (rooms.has(plainId)) {
        const plain = nsp.local.to(plainId);
        for (const e of d.events) plain.emit(e.event, e);
      }
      const batchedId = batchedRoom(d.sessionId);
      if (rooms.has(batchedId)) {
        nsp.local.to(batchedId).emit('revision', { revision: d.revision, events: d.events });
      }
    },
    notify(d: Delivery) {
      if (opts.clustered) nsp.serverSideEmit(REVISION_NOTICE, d);
    },
    room(sessionId, event, payload) {
      toSession(sessionId).emit(event, { session_id: sessionId, ...payload, timestamp: stamp() });
    },
    closeRoom(sessionId) {
      for (const room of [plainRoom(sessionId), batchedRoom(sessionId)]) {
        for (const id of nsp.adapter.rooms.get(room) ?? []) {
          const s = nsp.sockets.get(id);
          if (s) states.get(s)?.joined.delete(sessionId);
        }
      }
      inSession(sessionId).socketsLeave([plainRoom(sessionId), batchedRoom(sessionId)]);
    },
    localClients(sessionId) {
      const rooms = nsp.adapter.rooms;
      return (rooms.get(plainRoom(sessionId))?.size ?? 0) + (rooms.get(batchedRoom(sessionId))?.size ?? 0);
    },
    async clients(sessionId) {
      return (await inSession(sessionId).fetchSockets()).length;
    },
  };
  if (opts.clustered) {
    nsp.on(REVISION_NOTICE, (d: Delivery) => hub.remoteRevision(d));
  }

  const envelope = (s: Session) => ({
    session_id: s.row.session_id,
    project_id: s.row.project_id,
    timestamp: stamp(),
  });

  async function leave(socket: Socket, state: SocketState, s: Session): Promise<void> {
    const sid = s.row.session_id;
    if (!state.joined.delete(sid)) return;
    socket.leave(plainRoom(sid));
    socket.leave(batchedRoom(sid));
    delete (socket.data as SocketData).presence[sid];
    hub.touchSession(s);
    const active = await hub.clients(sid);
    toSession(sid).emit('session:disconnected', {
      ...envelope(s),
      client_id: socket.id,
      user: state.actor,
      active_clients: active,
    });
    presence.schedule(sid, s.row.project_id);
  }

  const control: SocketControls = {
    joined: (socket) => [...(states.get(socket)?.joined.keys() ?? [])],
    leave: async (socket, sid) => {
      const state = states.get(socket);
      if (!state?.joined.has(sid)) return;
      const s = await hub.session(sid);
      await leave(socket, state, s);
      socket.emit('left', { ...envelope(s), client_id: socket.id });
    },
  };

  type Handler = (socket: Socket, state: SocketState, payload: unknown) => Promise<object>;
  type Failed = (payload: unknown, error: JsonObject) => JsonObject;

  /**
   * The listener of one event, shared by every socket (Socket.IO calls a socket's listeners with the socket
   * as `this`): rate limit, errors to the ack (and to `command:failed` for commands). Listeners made once per
   * namespace rather than as closures per connection keep an idle connection's memory near bare Socket.IO's.
   */
  const listener = (event: string, fn: Handler, failed?: Failed) =>
    async function (this: Socket, ...args: unknown[]): Promise<void> {
      const state = states.get(this);
      if (!state) return;
      // Socket.IO passes the ack callback last: `emit(event, ack)` has no payload, extra arguments are ignored
      const last = args.at(-1);
      const ack: Ack | undefined = typeof last === 'function' ? (last as Ack) : undefined;
      const payload = ack && args.length === 1 ? undefined : args[0];
      const before = state.gate;
      let done: (() => void) | undefined;
      if (MEMBERSHIP.has(event)) {
        const mine: Promise<void> = new Promise<void>((resolve) => {
          done = () => {
            if (state.gate === mine) state.gate = null;
            resolve();
          };
        });
        state.gate = mine;
      }
      try {
        if (!state.bucket.take()) throw new TalusError('RATE_LIMITED', 'too many socket events; slow down');
        if (before) await before;
        if (opts.access) {
          if (failed) withCommandId(payload); // a refused command's `command:failed` names its id
          await opts.access.check(this, event, payload);
        }
        const answer = await fn(this, state, payload);
        ack?.({ ok: true, ...answer });
      } catch (err) {
        const { status, body } = toErrorBody(err);
        if (status >= 500) log.error({ err, event }, 'socket handler failed');
        metrics.errors.inc({ code: body.error.code, transport: 'socket' });
        if (failed) this.emit('command:failed', failed(payload, body.error as unknown as JsonObject));
        ack?.({ ok: false, error: body.error as unknown as JsonObject });
      } finally {
        done?.();
      }
    };

  /** An event this namespace does not know, sent with an acknowledgement: answer it rather than leave it hanging. */
  function onAnyEvent(this: Socket, event: string, ...args: unknown[]): void {
    if (known.has(event)) return;
    const last = args.at(-1);
    if (typeof last !== 'function') return;
    const error = { code: 'INVALID_REQUEST', message: `unknown event "${event.slice(0, 100)}"` };
    metrics.errors.inc({ code: error.code, transport: 'socket' });
    (last as Ack)({ ok: false, error });
  }

  const joinedSession = async (state: SocketState, sessionId: string): Promise<Session> => {
    const s = await hub.session(sessionId);
    if (!state.joined.has(sessionId))
      throw new TalusError('FORBIDDEN', 'join the session before commanding it');
    return s;
  };

  const failedCommand =
    (type: string | null): Failed =>
    (payload, error) => {
      const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
      return {
        command_id: typeof p.command_id === 'string' ? p.command_id : null,
        command_type: type ?? (typeof p.command_type === 'string' ? p.command_type : null),
        error,
        ...(typeof p.session_id === 'string' ? { session_id: p.session_id } : {}),
        timestamp: stamp(),
      };
    };

  const listeners: Array<[string, (this: Socket, ...args: unknown[]) => Promise<void>]> = [];
  const handle = (event: string, fn: Handler, failed?: Failed) => {
    listeners.push([event, listener(event, fn, failed)]);
  };

  handle('join_session', async (socket, state, payload) => {
    const req = parse.join(payload);
    const s = await hub.session(req.session_id);
    const loaded = s.row.project_id ? await hub.projectOfSession(s) : null;
    const sid = s.row.session_id;
    const batched = req.batched === true;
    const already = state.joined.get(sid);
    const active = (await hub.clients(sid)) + (already ? 0 : 1);
    // from here on synchronous: the replay, the join and `joined` cannot interleave with a broadcast
    const revision = loaded ? loaded.committed : 0;
    if (loaded && req.since_revision !== undefined && req.since_revision !== revision) {
      let replay: { events: GraphEvent[] } | undefined;
      try {
        replay = hub.eventsSince(loaded, req.since_revision, sid);
      } catch {
        socket.emit('resync_required', { ...envelope(s), revision });
      }
      if (replay) emitReplay(socket, replay.events, batched);
    }
    if (already && already.batched !== batched)
      socket.leave(already.batched ? batchedRoom(sid) : plainRoom(sid));
    state.joined.set(sid, { batched });
    socket.join(batched ? batchedRoom(sid) : plainRoom(sid));
    if (loaded) hub.trackDelivered(loaded.project.id, revision);
    socket.emit('joined', { ...envelope(s), client_id: socket.id, active_clients: active, revision });
    if (!already) {
      hub.touchSession(s);
      toSession(sid).emit('session:connected', {
        ...envelope(s),
        client_id: socket.id,
        user: state.actor,
        active_clients: active,
      });
      (socket.data as SocketData).presence[sid] = newPresence(socket.id, state.actor);
      presence.schedule(sid, s.row.project_id);
    }
    if (loaded) hub.announceLoaded(loaded, s);
    return { revision, session_id: sid, client_id: socket.id };
  });

  handle('leave_session', async (socket, state, payload) => {
    const req = parse.leave(payload);
    const s = await hub.session(req.session_id);
    await leave(socket, state, s);
    socket.emit('left', { ...envelope(s), client_id: socket.id });
    return { session_id: s.row.session_id };
  });

  handle(
    'execute_command',
    async (_socket, state, payload) => {
      const req = parse.execute(withCommandId(payload));
      await joinedSession(state, req.session_id);
      const { session_id, ...rest } = req;
      return hub.execute(session_id, rest, state.actor);
    },
    failedCommand(null),
  );

  for (const kind of ['undo', 'redo'] as const) {
    handle(
      kind,
      async (_socket, state, payload) => {
        const req = parse.undo(withCommandId(payload));
        await joinedSession(state, req.session_id);
        const { session_id, ...rest } = req;
        return hub.undoRedo(kind, session_id, rest, state.actor);
      },
      failedCommand(kind === 'undo' ? 'Undo' : 'Redo'),
    );
  }

  handle('presence', async (socket, state, payload) => {
    const req = parse.presence(payload);
    const s = await joinedSession(state, req.session_id);
    const mine = (socket.data as SocketData).presence[s.row.session_id];
    if (mine) {
      if (req.selected_node_id !== undefined) mine.selected_node_id = req.selected_node_id;
      if (req.editing_property_id !== undefined) mine.editing_property_id = req.editing_property_id;
      presence.schedule(s.row.session_id, s.row.project_id);
    }
    return {};
  });

  handle('ping', async (socket) => {
    socket.emit('pong', { timestamp: stamp() });
    return {};
  });

  function onDisconnect(this: Socket): void {
    metrics.sockets.dec();
    const state = states.get(this);
    if (!state) return;
    for (const sid of [...state.joined.keys()]) {
      hub
        .session(sid)
        .then((s) => leave(this, state, s))
        .catch(() => state.joined.delete(sid)); // the session was removed meanwhile
    }
  }

  const known = new Set(listeners.map(([event]) => event));
  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth as { name?: unknown } | undefined;
    const state: SocketState = {
      actor: opts.access?.actor(socket) ?? declaredActor(auth?.name),
      joined: new Map(),
      bucket: new TokenBucket(opts.eventsPerSecond, opts.eventsPerSecond * 2),
      gate: null,
    };
    states.set(socket, state);
    controls.set(socket, control);
    (socket.data as SocketData) = { presence: {} };
    metrics.sockets.inc();
    for (const [event, fn] of listeners) socket.on(event, fn);
    socket.onAny(onAnyEvent);
    socket.on('disconnect', onDisconnect);
  });

  return publisher;
}

/**
 * Give a command payload without a `command_id` one, before anything can refuse it, so that its answer and
 * its `command:failed` name the same id.
 */
function withCommandId(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  const p = payload as Record<string, unknown>;
  if (p.command_id !== undefined) return payload;
  p.command_id = globalThis.crypto.randomUUID();
  return payload;
}

function emitReplay(socket: Socket, events: GraphEvent[], batched: boolean): void {
  if (!batched) {
    for (const e of events) socket.emit(e.event, e);
    return;
  }
  let i = 0;
  while (i < events.length) {
    const revision = events[i]!.revision;
    const group: GraphEvent[] = [];
    while (i < events.length && events[i]!.revision === revision) group.push(events[i++]!);
    socket.emit('revision', { revision, events: group });
  }
}
