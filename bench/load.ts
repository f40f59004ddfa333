/**
 * The load generator: a child process of `bench/run.ts` (never inside a server process), driving Talus Tally
 * or the baseline server with exactly the same frames. It receives one scenario over IPC, runs it, sends the
 * result back and exits. Every loop is bounded in count and in time; all traffic goes to 127.0.0.1.
 *
 * Scenarios:
 * - `socket-throughput`: S sender sockets keep K `execute_command` (UpdateProperty) in flight each, L more
 *   sockets listen; all joined with `batched: true`. Acks per second and ack latency over a measured window
 *   after a warm-up; at the end every receiver must have received one `revision` per acknowledged command.
 * - `rest-throughput`: C keep-alive HTTP connections post UpdateProperty to `/api/v1/commands/execute`, one
 *   request in flight each, while L sockets listen.
 * - `fanout`: N sockets joined; one of them sends a command at a time; the time from sending it to its event
 *   reaching the last of the N sockets. Reports `ready` once everyone is connected and the room is quiet,
 *   and waits for `go` (the runner measures the server's memory with N idle clients in between).
 * - `latency`: one socket sends UpdateProperty and CreateNode commands one at a time (ack latency).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { postJson, RawHttp } from './lib/raw-http.js';
import { isEvent, RawSocket } from './lib/raw-socket.js';
import { type LatencySummary, Samples, sleep } from './lib/stats.js';

const NSP = '/graph';
const debug = (msg: string) => {
  if (process.env.BENCH_DEBUG === '1') process.stderr.write(`[load] ${msg}\n`);
};

export interface SocketThroughput {
  kind: 'socket-throughput';
  /** Sockets are spread over these servers in turn (two processes of one deployment). */
  urls: string[];
  sessionId: string;
  targets: string[];
  senders: number;
  inFlight: number;
  listeners: number;
  warmupMs: number;
  durationMs: number;
}

export interface RestThroughput {
  kind: 'rest-throughput';
  url: string;
  sessionId: string;
  targets: string[];
  connections: number;
  listeners: number;
  warmupMs: number;
  durationMs: number;
}

export interface Fanout {
  kind: 'fanout';
  urls: string[];
  sessionId: string;
  clients: number;
  samples: number;
  target: string;
}

export interface LatencyProject {
  sessionId: string;
  tasks: string[];
  people: string[];
  parents: string[];
}

export interface Latency {
  kind: 'latency';
  url: string;
  /** Projects measured in turn, `chunk` command pairs at a time, so that noise falls on all of them alike. */
  projects: LatencyProject[];
  count: number;
  warmup: number;
  chunk: number;
}

export type Scenario = SocketThroughput | RestThroughput | Fanout | Latency;

export interface ThroughputResult {
  commands: number;
  seconds: number;
  rate: number;
  ack: LatencySummary;
  errors: number;
  firstError: string | null;
  /** Acknowledged commands over the whole run, and the fewest and most `revision` events a receiver got. */
  acked: number;
  receivedMin: number;
  receivedMax: number;
  /** Bytes of one broadcast frame and of one ack, as received. */
  eventBytes: number;
  ackBytes: number;
  /** CPU time of this generator over the run, ms. */
  generatorCpuMs: number;
}

export interface FanoutResult {
  lastClient: LatencySummary;
  /** Every sample of `lastClient`, ms. */
  raw: number[];
  /** Every sample of `ack`, ms. */
  rawAck: number[];
  /** Connecting, joining and waiting for the room to be quiet, ms. */
  setupMs: number;
  ack: LatencySummary;
  lost: number;
  eventBytes: number;
}

export interface LatencyResult {
  /** One per project, in the order given. */
  projects: Array<{ update: LatencySummary; create: LatencySummary }>;
  errors: number;
  firstError: string | null;
}

// ---------------------------------------------------------------------------------------------------------

async function connectAll(
  urls: string[],
  count: number,
  name: (i: number) => string,
  onEvent: (i: number, frame: Buffer) => void,
): Promise<RawSocket[]> {
  const out: RawSocket[] = new Array(count);
  const BATCH = 50;
  for (let start = 0; start < count; start += BATCH) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      batch.push(
        RawSocket.connect({
          url: urls[i % urls.length]!,
          nsp: NSP,
          auth: { name: name(i) },
          onEvent: (frame) => onEvent(i, frame),
        }).then((s) => {
          out[i] = s;
        }),
      );
    }
    await Promise.all(batch);
  }
  return out;
}

async function joinAll(sockets: RawSocket[], sessionId: string): Promise<void> {
  const BATCH = 50;
  for (let start = 0; start < sockets.length; start += BATCH) {
    await Promise.all(
      sockets
        .slice(start, start + BATCH)
        .map((s) => s.call('join_session', { session_id: sessionId, batched: true })),
    );
  }
}

/** Wait until no socket has received anything for `quietMs` (joins' presence and session events settle). */
async function quiet(lastFrameAt: () => number, quietMs: number, maxMs: number): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    if (performance.now() - lastFrameAt() >= quietMs) return;
    await sleep(20);
  }
}

const updateJson = (sessionId: string, nodeId: string, value: string) =>
  `{"session_id":"${sessionId}","command_id":"${randomUUID()}","command_type":"UpdateProperty","data":{"node_id":"${nodeId}","property_id":"name","value":"${value}"}}`;

function errorText(frame: Buffer): string {
  return frame.toString('utf8', 0, Math.min(frame.length, 300));
}

// ---------------------------------------------------------------------------------------------------------

/**
 * The count of a throughput run: acknowledgements (latency only inside the measured window), refusals,
 * and the `revision` events each receiver got; the run's result once every receiver has caught up.
 */
class Tally {
  readonly ack = new Samples();
  readonly windowStart: number;
  readonly windowEnd: number;
  errors = 0;
  firstError: string | null = null;
  acked = 0;
  inWindow = 0;
  ackBytes = 0;
  eventBytes = 0;

  constructor(
    readonly received: Float64Array,
    private readonly durationMs: number,
    warmupMs: number,
  ) {
    this.windowStart = performance.now() + warmupMs;
    this.windowEnd = this.windowStart + durationMs;
  }

  ok(sentAt: number, now: number, bytes: number): void {
    this.acked++;
    this.ackBytes = bytes;
    if (now >= this.windowStart && now < this.windowEnd) {
      this.inWindow++;
      this.ack.add(now - sentAt);
    }
  }

  fail(text: string): void {
    this.errors++;
    this.firstError ??= text;
  }

  /** Every receiver gets one revision per acknowledged command: wait for them (at most 10 s), then sum up. */
  async result(): Promise<ThroughputResult> {
    const drainStart = performance.now();
    while (performance.now() - drainStart < 10_000 && this.received.some((r) => r < this.acked))
      await sleep(20);
    return {
      commands: this.inWindow,
      seconds: this.durationMs / 1000,
      rate: this.inWindow / (this.durationMs / 1000),
      ack: this.ack.summary(),
      errors: this.errors,
      firstError: this.firstError,
      acked: this.acked,
      receivedMin: Math.min(...this.received),
      receivedMax: Math.max(...this.received),
      eventBytes: this.eventBytes,
      ackBytes: this.ackBytes,
      generatorCpuMs: 0,
    };
  }
}

async function socketThroughput(s: SocketThroughput): Promise<ThroughputResult> {
  const total = s.senders + s.listeners;
  const received = new Float64Array(total);
  let lastFrameAt = performance.now();
  let eventBytes = 0;
  const sockets = await connectAll(
    s.urls,
    total,
    (i) => (i < s.senders ? `sender-${i}` : `listener-${i}`),
    (i, frame) => {
      lastFrameAt = performance.now();
      if (isEvent(frame, NSP, 'revision')) {
        received[i]!++;
        eventBytes = frame.length;
      }
    },
  );
  await joinAll(sockets, s.sessionId);
  await quiet(() => lastFrameAt, 300, 10_000);
  received.fill(0);

  const tally = new Tally(received, s.durationMs, s.warmupMs);
  let outstanding = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });

  const send = (sender: number, seq: number) => {
    const sock = sockets[sender]!;
    const target = s.targets[sender % s.targets.length]!;
    const sentAt = performance.now();
    outstanding++;
    sock.emitRaw('execute_command', updateJson(s.sessionId, target, `v${sender}-${seq}`), (frame, ok) => {
      outstanding--;
      const now = performance.now();
      if (ok) tally.ok(sentAt, now, frame.length);
      else tally.fail(errorText(frame));
      if (now < tally.windowEnd && !sock.closed) send(sender, seq + s.inFlight);
      else if (outstanding === 0) done();
    });
  };
  for (let i = 0; i < s.senders; i++) for (let k = 0; k < s.inFlight; k++) send(i, k);
  await Promise.race([finished, sleep(s.warmupMs + s.durationMs + 30_000)]);
  tally.eventBytes = eventBytes;
  const result = await tally.result();
  for (const sock of sockets) sock.close();
  return result;
}

// ---------------------------------------------------------------------------------------------------------

async function restThroughput(s: RestThroughput): Promise<ThroughputResult> {
  const received = new Float64Array(s.listeners);
  let lastFrameAt = performance.now();
  let eventBytes = 0;
  const listeners = await connectAll(
    [s.url],
    s.listeners,
    (i) => `listener-${i}`,
    (i, frame) => {
      lastFrameAt = performance.now();
      if (isEvent(frame, NSP, 'revision')) {
        received[i]!++;
        eventBytes = frame.length;
      }
    },
  );
  await joinAll(listeners, s.sessionId);
  await quiet(() => lastFrameAt, 300, 10_000);
  received.fill(0);

  const u = new URL(s.url);
  const host = u.host;
  const conns = await Promise.all(
    Array.from({ length: s.connections }, () => RawHttp.open(u.hostname, Number(u.port))),
  );
  const tally = new Tally(received, s.durationMs, s.warmupMs);
  const { windowEnd } = tally;

  await Promise.all(
    conns.map(async (conn, c) => {
      const target = s.targets[c % s.targets.length]!;
      const headers = { 'X-Talus-User': `rest-${c}` };
      for (let seq = 0; ; seq++) {
        const sentAt = performance.now();
        if (sentAt >= windowEnd) return;
        const body = updateJson(s.sessionId, target, `r${c}-${seq}`);
        let status = 0;
        let answer: Buffer;
        try {
          ({ status, body: answer } = await conn.request(
            postJson(host, '/api/v1/commands/execute', body, headers),
          ));
        } catch (err) {
          tally.fail(String(err));
          return;
        }
        if (status === 200) tally.ok(sentAt, performance.now(), answer.length);
        else tally.fail(`${status} ${errorText(answer)}`);
      }
    }),
  );
  tally.eventBytes = eventBytes;
  const result = await tally.result();
  for (const c of conns) c.close();
  for (const l of listeners) l.close();
  return result;
}

// ---------------------------------------------------------------------------------------------------------

async function fanout(s: Fanout, ready: (info: object) => Promise<void>): Promise<FanoutResult> {
  let lastFrameAt = performance.now();
  // the marker of the command in flight; each socket records the sample in which it saw it
  let marker: Buffer | null = null;
  let sample = -1;
  const seenIn = new Int32Array(s.clients).fill(-1);
  let remaining = 0;
  let lastAt = 0;
  let eventBytes = 0;
  let allSeen: (() => void) | null = null;
  const setupStart = performance.now();
  const sockets = await connectAll(
    s.urls,
    s.clients,
    (i) => `client-${i}`,
    (i, frame) => {
      const now = performance.now();
      lastFrameAt = now;
      if (marker === null || seenIn[i] === sample) return;
      if (frame.indexOf(marker) < 0) return;
      seenIn[i] = sample;
      eventBytes = frame.length;
      if (--remaining === 0) {
        lastAt = now;
        allSeen?.();
      }
    },
  );
  debug(`fan-out ${s.clients}: connected in ${(performance.now() - setupStart).toFixed(0)} ms`);
  await joinAll(sockets, s.sessionId);
  debug(`fan-out ${s.clients}: joined in ${(performance.now() - setupStart).toFixed(0)} ms`);
  await quiet(() => lastFrameAt, 300, 60_000);
  const setupMs = performance.now() - setupStart;
  debug(`fan-out ${s.clients}: connected, joined and quiet in ${setupMs.toFixed(0)} ms`);
  await ready({ clients: sockets.length });

  const last = new Samples();
  const ack = new Samples();
  let lost = 0;
  const sender = sockets[0]!;
  // the first commands warm the code paths up and are not recorded
  const warmup = 20;
  for (let i = 0; i < warmup + s.samples; i++) {
    const value = `fo${i}x${randomUUID().slice(0, 8)}`;
    marker = Buffer.from(`"${value}"`);
    sample = i;
    remaining = s.clients;
    const all = new Promise<void>((r) => {
      allSeen = r;
    });
    const sentAt = performance.now();
    const acked = new Promise<number>((r) => {
      sender.emitRaw('execute_command', updateJson(s.sessionId, s.target, value), (_frame, ok) =>
        r(ok ? performance.now() : -1),
      );
    });
    const timedOut = await Promise.race([all.then(() => false), sleep(10_000).then(() => true)]);
    const ackAt = await Promise.race([acked, sleep(10_000).then(() => -1)]);
    if (timedOut || ackAt < 0) {
      // a command whose event did not reach everyone within 10 s: stop here, saying who missed it
      lost++;
      const missing = sockets.filter((_x, k) => seenIn[k] !== i);
      const closed = missing.filter((x) => x.closed).length;
      throw new Error(
        `fan-out to ${s.clients}: command ${i} ${ackAt < 0 ? 'not acknowledged' : 'acknowledged'}, its event missing at ${missing.length} sockets (${closed} closed) after 10 s`,
      );
    } else if (i >= warmup) {
      last.add(lastAt - sentAt);
      ack.add(ackAt - sentAt);
    }
    marker = null;
    await sleep(2);
  }
  for (const sock of sockets) sock.close();
  return {
    lastClient: last.summary(),
    raw: last.values(),
    rawAck: ack.values(),
    setupMs,
    ack: ack.summary(),
    lost,
    eventBytes,
  };
}

// ---------------------------------------------------------------------------------------------------------

async function latency(s: Latency): Promise<LatencyResult> {
  const [sock] = await connectAll(
    [s.url],
    1,
    () => 'latency',
    () => {},
  );
  for (const p of s.projects) await sock!.call('join_session', { session_id: p.sessionId, batched: true });
  let errors = 0;
  let firstError: string | null = null;
  const exec = (json: string): Promise<{ ms: number; frame: Buffer | null }> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      sock!.emitRaw('execute_command', json, (frame, ok) => {
        const ms = performance.now() - t0;
        if (!ok) {
          errors++;
          firstError ??= errorText(frame);
        }
        resolve({ ms, frame: ok ? frame : null });
      });
    });
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
  const pick = (xs: string[]) => xs[Math.floor(rnd() * xs.length)]!;
  const cmd = (p: LatencyProject, type: string, data: object) =>
    JSON.stringify({ session_id: p.sessionId, command_id: randomUUID(), command_type: type, data });

  const samples = s.projects.map(() => ({ update: new Samples(), create: new Samples() }));
  /** One UpdateProperty and one CreateNode (timed), then the DeleteNode that keeps the size (not timed). */
  const pair = async (k: number, i: number, record: boolean) => {
    const p = s.projects[k]!;
    const node_id = pick(p.tasks);
    const kind = i % 3;
    const data =
      kind === 0
        ? { node_id, property_id: 'name', value: `Task renamed ${i}` }
        : kind === 1
          ? { node_id, property_id: 'estimated_hours', value: i % 40 }
          : { node_id, property_id: 'assigned_to', value: pick(p.people) };
    const u = await exec(cmd(p, 'UpdateProperty', data));
    const c = await exec(
      cmd(p, 'CreateNode', { parent_id: pick(p.parents), blueprint_type_id: 'task', name: `New ${i}` }),
    );
    if (record) {
      samples[k]!.update.add(u.ms);
      samples[k]!.create.add(c.ms);
    }
    if (c.frame) {
      const m = /"node_id":"([^"]+)"/.exec(c.frame.toString());
      if (m) await exec(cmd(p, 'DeleteNode', { node_id: m[1] }));
    }
  };
  const deadline = performance.now() + 120_000;
  for (let k = 0; k < s.projects.length; k++) for (let i = 0; i < s.warmup; i++) await pair(k, i, false);
  for (let done = 0; done < s.count && performance.now() < deadline; done += s.chunk) {
    for (let k = 0; k < s.projects.length; k++) {
      for (let i = done; i < Math.min(s.count, done + s.chunk); i++) await pair(k, s.warmup + i, true);
    }
  }
  sock!.close();
  return {
    projects: samples.map((x) => ({ update: x.update.summary(), create: x.create.summary() })),
    errors,
    firstError,
  };
}

// ---------------------------------------------------------------------------------------------------------

function waitFor<T>(pred: (m: unknown) => m is T): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (pred(m)) {
        process.off('message', on);
        resolve(m);
      }
    };
    process.on('message', on);
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/load.ts runs as a child of bench/run.ts');
  const { run } = await waitFor(
    (m): m is { run: Scenario } => typeof m === 'object' && m !== null && 'run' in m,
  );
  const ready = async (info: object) => {
    process.send!({ ready: info });
    await waitFor((m): m is { go: true } => typeof m === 'object' && m !== null && 'go' in m);
  };
  let result: unknown;
  const cpu0 = process.cpuUsage();
  switch (run.kind) {
    case 'socket-throughput':
      result = await socketThroughput(run);
      break;
    case 'rest-throughput':
      result = await restThroughput(run);
      break;
    case 'fanout':
      result = await fanout(run, ready);
      break;
    case 'latency':
      result = await latency(run);
      break;
  }
  const cpu = process.cpuUsage(cpu0);
  if (typeof result === 'object' && result !== null) {
    (result as { generatorCpuMs?: number }).generatorCpuMs = (cpu.user + cpu.system) / 1000;
  }
  process.send({ result }, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
    process.exit(1),
  );
});
