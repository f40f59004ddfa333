import { fromEnvelope, TalusError } from './errors.js';

/** The socket events that carry commands. */
export type CommandEvent = 'execute_command' | 'undo' | 'redo';

/** Sends one command on the current connection; `onAck` gets the server's acknowledgement. */
export type SendCommand = (
  event: CommandEvent,
  payload: Record<string, unknown>,
  onAck: (ack: unknown) => void,
) => void;

interface Pending {
  id: string;
  event: CommandEvent;
  payload: Record<string, unknown>;
  promise: Promise<unknown>;
  resolve: (answer: unknown) => void;
  reject: (err: TalusError) => void;
  /** Sent on the current connection (cleared when it drops, so that it is sent again). */
  sent: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The acknowledged answer, kept until the mirror shows its revision. */
  answer: { revision: number } | undefined;
}

export interface CommandQueueHooks {
  /** The revision the mirror shows now. */
  revision(): number;
  /** An answer names a revision the mirror has not reached yet (the mirror checks for a gap). */
  answeredAhead(revision: number): void;
  /** The server no longer knows the session: the mirror opens the project again and reconnects. */
  sessionLost(): void;
}

/**
 * Commands, undos and redos from their call until the caller has the answer. Each keeps its `command_id`
 * for its whole life: one sent before a connection dropped is sent again, with the same id, on the next
 * connection, and the server answers a replay with the first answer, so none is applied twice. A promise
 * resolves only once the server acknowledged the command and the mirror shows its revision.
 */
export class CommandQueue {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly timeoutMs: number,
    private readonly hooks: CommandQueueHooks,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Queue a command; it is sent now if `send` is given (the mirror is live), else on the next `flush`. */
  add<T extends { revision: number }>(
    event: CommandEvent,
    id: string,
    payload: Record<string, unknown>,
    send: SendCommand | undefined,
  ): Promise<T> {
    const existing = this.pending.get(id);
    if (existing) {
      if (existing.event !== event || JSON.stringify(existing.payload) !== JSON.stringify(payload)) {
        return Promise.reject(
          new TalusError('CONFLICT', `command ${id} is already pending with another payload`),
        );
      }
      return existing.promise as Promise<T>;
    }
    let resolve!: (answer: unknown) => void;
    let reject!: (err: TalusError) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const p: Pending = {
      id,
      event,
      payload,
      promise,
      resolve,
      reject,
      sent: false,
      timer: undefined,
      answer: undefined,
    };
    this.pending.set(id, p);
    if (send) this.send(p, send);
    return promise as Promise<T>;
  }

  /** Send, in their order, the commands not sent on the current connection. */
  flush(send: SendCommand): void {
    for (const p of [...this.pending.values()]) if (!p.sent && !p.answer) this.send(p, send);
  }

  /** The connection dropped: what was sent and not answered is sent again on the next one. */
  disconnected(): void {
    for (const p of this.pending.values()) {
      p.sent = false;
      this.stopTimer(p);
    }
  }

  /** The mirror shows `revision`: answers up to it go to their callers, in order. */
  reached(revision: number): void {
    for (const p of [...this.pending.values()]) {
      if (p.answer && p.answer.revision <= revision) {
        this.pending.delete(p.id);
        p.resolve(p.answer);
      }
    }
  }

  /** Reject everything pending (the mirror closed or cannot go on). */
  rejectAll(err: TalusError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      this.stopTimer(p);
      p.reject(err);
    }
  }

  private send(p: Pending, send: SendCommand): void {
    p.sent = true;
    this.stopTimer(p);
    p.timer = setTimeout(() => {
      if (this.pending.get(p.id) !== p || p.answer) return;
      this.pending.delete(p.id);
      p.reject(new TalusError('TIMEOUT', `command ${p.id}: no answer within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    send(p.event, p.payload, (ack) => this.onAck(p, ack));
  }

  private onAck(p: Pending, ack: unknown): void {
    if (this.pending.get(p.id) !== p || p.answer) return; // timed out, closed, or answered already
    this.stopTimer(p);
    const body = (typeof ack === 'object' && ack !== null ? ack : {}) as Record<string, unknown>;
    if (body.ok === true && typeof body.revision === 'number') {
      const { ok: _ok, ...answer } = body;
      p.answer = answer as { revision: number };
      if (p.answer.revision <= this.hooks.revision()) this.reached(this.hooks.revision());
      else this.hooks.answeredAhead(p.answer.revision);
      return;
    }
    const err = fromEnvelope(body);
    if (err.code === 'INVALID_SESSION') {
      // the session was cleaned up under us: keep the command, it goes to the new session
      p.sent = false;
      this.hooks.sessionLost();
      return;
    }
    this.pending.delete(p.id);
    p.reject(err);
  }

  private stopTimer(p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
  }
}
