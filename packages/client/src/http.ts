import { fromEnvelope, TalusError } from './errors.js';

/** The `fetch` the client uses: the global one by default, or one given (tests, proxies, polyfills). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Base URLs of the servers (`http://host:port`), tried in turn. */
  urls: readonly string[];
  token?: string | undefined;
  name?: string | undefined;
  fetch?: FetchLike | undefined;
  timeoutMs: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Send `body` as is with this content type instead of JSON. */
  contentType?: string;
  /**
   * Whether the request may be sent to the next URL when the current one cannot be reached: reads, and
   * writes that are idempotent (commands carry a `command_id`).
   */
  failover?: boolean;
}

/**
 * JSON over HTTP to `/api/v1` of one of several servers: credentials, a time limit per request, the error
 * envelope turned into a `TalusError`, and fail-over to the next URL when a server cannot be reached.
 */
export class Http {
  private current = 0;
  private readonly inflight = new Set<AbortController>();
  private closed = false;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly opts: HttpOptions) {
    if (opts.urls.length === 0) throw new TypeError('createClient needs a url');
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The base URL in use now (the socket connects there too). */
  get url(): string {
    return this.opts.urls[this.current] ?? this.opts.urls[0]!;
  }

  get urlCount(): number {
    return this.opts.urls.length;
  }

  /** Move on to the next URL (after a failure to reach the current one). */
  rotate(): void {
    this.current = (this.current + 1) % this.opts.urls.length;
  }

  /** Headers that name the caller: a bearer token, else the declared name (authentication off). */
  authHeaders(): Record<string, string> {
    if (this.opts.token !== undefined) return { authorization: `Bearer ${this.opts.token}` };
    if (this.opts.name !== undefined) return { 'x-talus-user': headerBytes(this.opts.name) };
    return {};
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const tries = options.failover === true ? this.opts.urls.length : 1;
    let lastError: unknown;
    for (let i = 0; i < tries; i++) {
      if (this.closed) throw new TalusError('CLOSED', 'the client is closed');
      const base = this.url;
      let res: Response;
      try {
        res = await this.send(base, method, path, options);
      } catch (err) {
        if (err instanceof TalusError) throw err;
        lastError = err;
        if (this.url === base) this.rotate();
        continue;
      }
      return this.answer<T>(res);
    }
    const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
    throw new TalusError('UNAVAILABLE', `no server could be reached${reason}`);
  }

  /** Abort every request in flight; later requests reject with CLOSED. */
  close(): void {
    this.closed = true;
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
  }

  private async send(base: string, method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders() };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      body = options.contentType === undefined ? JSON.stringify(options.body) : String(options.body);
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.opts.timeoutMs);
    // settle on abort even with a `fetch` that ignores the signal
    const aborted = new Promise<never>((_resolve, reject) =>
      controller.signal.addEventListener('abort', () => reject(new Error('aborted'))),
    );
    this.inflight.add(controller);
    try {
      const init: RequestInit = { method, headers, signal: controller.signal };
      if (body !== undefined) init.body = body;
      return await Promise.race([
        this.fetchImpl(`${base}/api/v1${path}${queryString(options.query)}`, init),
        aborted,
      ]);
    } catch (err) {
      if (timedOut)
        throw new TalusError('TIMEOUT', `${method} ${path}: no answer within ${this.opts.timeoutMs} ms`);
      if (this.closed) throw new TalusError('CLOSED', 'the client is closed');
      throw err;
    } finally {
      clearTimeout(timer);
      this.inflight.delete(controller);
    }
  }

  private async answer<T>(res: Response): Promise<T> {
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw fromEnvelope(parsed, res.status);
    return parsed as T;
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s.length > 0 ? `?${s}` : '';
}

/** Trim the trailing slash and a trailing `/api/v1` so that both `http://h:5000` and `…/api/v1` work. */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/**
 * A header value carries bytes (fetch refuses characters above U+00FF): the name goes as its UTF-8 bytes,
 * one character per byte, which the server decodes back to the name.
 */
function headerBytes(name: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(name)) out += String.fromCharCode(byte);
  return out;
}
