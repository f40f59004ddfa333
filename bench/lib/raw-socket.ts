/**
 * A minimal Socket.IO client (Engine.IO 4 / Socket.IO protocol 5) over `ws`, for the load generators.
 *
 * Why not socket.io-client: a load generator on the same 2-core machine competes with the server for CPU,
 * and socket.io-client decodes every packet it receives (engine.io decode, JSON.parse, an EventEmitter
 * dispatch). This client speaks the same protocol over a plain websocket and hands each received frame over
 * as raw bytes: broadcast frames are counted or searched for a marker, never parsed; only acknowledgements
 * are decoded (their id, and `{"ok":true` at their start). Measured: 11–16 µs of client CPU per received
 * 1 KB event against socket.io-client's 12–20 µs (most of it is reading the frame at all). The same client
 * drives Talus Tally and the baseline server, so whatever it costs is the same for both.
 *
 * Wire format used (text frames): `0{…}` open, `2` ping → `3` pong, `40/graph,{auth}` connect →
 * `40/graph,{"sid":…}`, `42/graph,<id>["event",payload]` emit with ack, `43/graph,<id>[answer]` ack,
 * `42/graph,["event",payload]` event from the server.
 */
import WebSocket from 'ws';

export interface RawSocketOptions {
  /** Origin, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Namespace, e.g. `/graph`. */
  nsp: string;
  auth?: Record<string, unknown>;
  /** Every frame of an event from the server (`42<nsp>,[…]`), raw. */
  onEvent?: (frame: Buffer) => void;
}

type AckFn = (frame: Buffer, ok: boolean) => void;

export class RawSocket {
  private readonly ws: WebSocket;
  private readonly acks = new Map<number, AckFn>();
  private nextId = 1;
  private readonly eventPrefix: Buffer;
  private readonly ackPrefix: string;
  private readonly emitPrefix: string;
  onEvent: ((frame: Buffer) => void) | undefined;
  closed = false;

  private constructor(ws: WebSocket, nsp: string, onEvent?: (frame: Buffer) => void) {
    this.ws = ws;
    this.eventPrefix = Buffer.from(`42${nsp},`);
    this.ackPrefix = `43${nsp},`;
    this.emitPrefix = `42${nsp},`;
    this.onEvent = onEvent;
  }

  /** Connect and enter the namespace; resolves when the server has accepted the namespace connection. */
  static connect(opts: RawSocketOptions, timeoutMs = 15_000): Promise<RawSocket> {
    const wsUrl = `${opts.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
      const sock = new RawSocket(ws, opts.nsp, opts.onEvent);
      let state: 'open' | 'connecting' | 'ready' = 'open';
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`socket did not connect within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.on('error', (err) => {
        if (state !== 'ready') {
          clearTimeout(timer);
          reject(err);
        }
      });
      ws.on('close', () => {
        sock.closed = true;
        for (const ack of sock.acks.values()) ack(Buffer.from('closed'), false);
        sock.acks.clear();
      });
      ws.on('message', (data: Buffer) => {
        const c = data[0];
        if (c === 0x32 /* '2' ping */ && data.length === 1) {
          ws.send(Buffer.from('3'));
          return;
        }
        if (state === 'ready') {
          sock.frame(data);
          return;
        }
        const text = data.toString();
        if (state === 'open' && text.startsWith('0')) {
          state = 'connecting';
          ws.send(`40${opts.nsp},${JSON.stringify(opts.auth ?? {})}`);
        } else if (state === 'connecting' && text.startsWith(`40${opts.nsp},`)) {
          state = 'ready';
          clearTimeout(timer);
          resolve(sock);
        } else if (text.startsWith(`44${opts.nsp},`)) {
          clearTimeout(timer);
          ws.terminate();
          reject(new Error(`namespace refused: ${text}`));
        }
      });
    });
  }

  private frame(data: Buffer): void {
    if (data[0] === 0x34 /* '4' */ && data[1] === 0x33 /* '3' ack */) {
      // 43/graph,<id>[…]
      let i = this.ackPrefix.length;
      let id = 0;
      while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39) id = id * 10 + (data[i++]! - 0x30);
      const ack = this.acks.get(id);
      if (!ack) return;
      this.acks.delete(id);
      // both servers answer `[{"ok":true…` to a success
      ack(data, data.toString('latin1', i, i + 11) === '[{"ok":true');
      return;
    }
    if (data.subarray(0, this.eventPrefix.length).equals(this.eventPrefix)) this.onEvent?.(data);
  }

  /** Emit `event` with a payload already serialized as JSON; `ack` gets the raw ack frame. */
  emitRaw(event: string, payloadJson: string, ack?: AckFn): void {
    if (this.closed) {
      ack?.(Buffer.from('closed'), false);
      return;
    }
    if (ack) {
      const id = this.nextId++;
      this.acks.set(id, ack);
      this.ws.send(`${this.emitPrefix}${id}["${event}",${payloadJson}]`);
    } else {
      this.ws.send(`${this.emitPrefix}["${event}",${payloadJson}]`);
    }
  }

  /** Emit and wait for the ack, decoded (for setup calls such as `join_session`). */
  call(event: string, payload: unknown, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${event}: no ack in ${timeoutMs} ms`)), timeoutMs);
      this.emitRaw(event, JSON.stringify(payload), (frame, ok) => {
        clearTimeout(timer);
        const text = frame.toString();
        const body = text.slice(text.indexOf('['));
        let answer: Record<string, unknown> = {};
        try {
          answer = (JSON.parse(body) as Array<Record<string, unknown>>)[0] ?? {};
        } catch {
          reject(new Error(`${event}: ${text.slice(0, 200)}`));
          return;
        }
        if (!ok) reject(new Error(`${event} refused: ${JSON.stringify(answer).slice(0, 300)}`));
        else resolve(answer);
      });
    });
  }

  get pendingAcks(): number {
    return this.acks.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close();
  }
}

/** Whether a raw event frame is the named event (`42/graph,["revision",…`). */
export function isEvent(frame: Buffer, nsp: string, event: string): boolean {
  const head = `42${nsp},["${event}"`;
  return frame.length > head.length && frame.toString('latin1', 0, head.length) === head;
}
