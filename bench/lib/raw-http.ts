/**
 * A minimal HTTP/1.1 keep-alive client for the REST load generator: one TCP connection, one request in
 * flight, requests written as prepared bytes and answers read by `Content-Length` (both servers under test
 * are Fastify, which always sends it for JSON). Node's `http` client costs tens of microseconds per request
 * in the generator, CPU that a 2-core machine takes from the server under test; this costs a few.
 */
import { connect, type Socket } from 'node:net';

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export class RawHttp {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((a: HttpAnswer) => void) | null = null;
  private failed: ((e: Error) => void) | null = null;
  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.data(d));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<RawHttp> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port }, () => resolve(new RawHttp(sock)));
      sock.once('error', reject);
    });
  }

  private fail(e: Error): void {
    const f = this.failed;
    this.waiting = null;
    this.failed = null;
    f?.(e);
  }

  private data(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = m ? Number(m[1]) : 0;
    const total = end + 4 + length;
    if (this.buf.length < total) return;
    const body = this.buf.subarray(end + 4, total);
    this.buf = this.buf.length > total ? this.buf.subarray(total) : Buffer.alloc(0);
    const w = this.waiting;
    this.waiting = null;
    this.failed = null;
    w?.({ status, body });
  }

  /** Send one request (head and body already formatted) and wait for its answer. */
  request(bytes: Buffer | string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
      this.sock.write(bytes);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A POST with a JSON body, as bytes. */
export function postJson(host: string, path: string, body: string, headers: Record<string, string> = {}) {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}
