/**
 * `npm run bench` (PRODUCT.md section 11; issues 6 and 8): Talus Tally beside a baseline doing the least
 * work for the same traffic, measured in one run on one machine, printed as a table with ratios and
 * targets, and written to bench/results/latest.json.
 *
 * Processes (all on 127.0.0.1):
 * - Talus Tally: the built server (`packages/server/dist/main.js`) as a child process, SQLite store in a
 *   temporary directory, log level warn, socket event rate limit raised for the load;
 * - the baseline (bench/baseline-server.ts): bare Socket.IO + a bare Fastify route, also a child process;
 * - the load generator (bench/load.ts): one child process per scenario, the same code and the same frames
 *   for both servers;
 * - for the two-process figures: two Talus Tally processes on PostgreSQL + Redis (skipped with a note when
 *   either is missing).
 * Server processes are preloaded with bench/lib/probe.mjs, which reports their memory after a full GC and
 * their CPU time over IPC (and records a CPU profile of one phase with BENCH_PROFILE=<phase>).
 *
 * Exit code: 0 once the run completes (missed targets are listed; BENCH_STRICT=1 makes them exit 1), 2 when
 * the run itself fails (a server that does not start, lost or refused commands on one process).
 *
 * Environment: BENCH_ONLY=fanout,socket,rest,size,cluster runs only those phases; BENCH_PROFILE=<phase>
 * writes bench/results/<phase>-<server>.cpuprofile; BENCH_DURATION_MS changes the measured window of the
 * throughput figures (default 3000, after a 1000 ms warm-up); BENCH_ROUNDS the rounds per server (default 2);
 * BASELINE_COALESCE=1 gives the baseline the same write coalescing as Talus Tally (for comparison only); TALUS_BENCH_PG_URL / TALUS_BENCH_REDIS_URL
 * point the two-process figures elsewhere (default postgres://postgres@127.0.0.1:5432/test and
 * redis://127.0.0.1:6379).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient, type TalusClient } from '@talus/client';
import pg from 'pg';
import { createClient as createRedis } from 'redis';
import { type LatencySummary, pooled } from './lib/stats.js';
import type { FanoutResult, LatencyProject, LatencyResult, Scenario, ThroughputResult } from './load.js';
import { type BenchProject, benchProject } from './projects.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const MAIN = join(ROOT, 'packages/server/dist/main.js');
const PROBE = join(HERE, 'lib/probe.mjs');
const LOAD = join(HERE, 'load.ts');
const BASELINE = join(HERE, 'baseline-server.ts');
const RESULTS = join(HERE, 'results');

const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'fanout,socket,rest,size,cluster').split(',').map((s) => s.trim()),
);
const PROFILE = process.env.BENCH_PROFILE ?? '';
const WARMUP_MS = 1000;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
/** Rounds of each throughput and fan-out scenario per server, alternating which server goes first. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const PG_URL = process.env.TALUS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TALUS_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The original's throughput (PRODUCT.md section 11), the reference of the "100 times" target. */
const ORIGINAL_COMMANDS_PER_SEC = 100;

// ---------------------------------------------------------------------------------------------------------
// Results

interface Figure {
  name: string;
  unit: string;
  talus: number;
  baseline?: number;
  ratio?: number;
  target?: string;
  pass?: boolean;
}

const figures: Figure[] = [];
const notes: string[] = [];

const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);

/** Add a figure; `check` decides `pass` from the values when a target applies. */
function figure(
  name: string,
  unit: string,
  talus: number,
  baseline?: number,
  target?: { text: string; check: (talus: number, ratio: number | undefined) => boolean },
): void {
  const f: Figure = { name, unit, talus: round(talus) };
  let ratio: number | undefined;
  if (baseline !== undefined) {
    f.baseline = round(baseline);
    ratio = talus / baseline;
    f.ratio = round(ratio);
  }
  if (target) {
    f.target = target.text;
    f.pass = Number.isFinite(talus) && target.check(talus, ratio);
  }
  figures.push(f);
}

const atMost = (r: number) => ({
  text: `ratio <= ${r}`,
  check: (_t: number, q?: number) => (q ?? Infinity) <= r,
});
const below = (v: number) => ({ text: `talus < ${v}`, check: (t: number) => t < v });

// ---------------------------------------------------------------------------------------------------------
// Processes

const started = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Memory {
  heapUsed: number;
  heapTotal: number;
  external: number;
  rss: number;
}

class ServerProc {
  private log = '';
  private probes = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextProbe = 1;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    public url = '',
  ) {
    started.add(child);
    child.stdout?.on('data', (d) => {
      this.log = (this.log + d).slice(-20_000);
    });
    child.stderr?.on('data', (d) => {
      this.log = (this.log + d).slice(-20_000);
    });
    child.on('message', (m: { probeId?: number; value?: unknown; error?: string }) => {
      const p = m.probeId === undefined ? undefined : this.probes.get(m.probeId);
      if (!p) return;
      this.probes.delete(m.probeId!);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.value);
    });
    child.on('exit', () => started.delete(child));
  }

  output(): string {
    return this.log;
  }

  probe<T>(msg: Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
    const probeId = this.nextProbe++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: probe ${String(msg.probe)} timed out`)),
        timeoutMs,
      );
      this.probes.set(probeId, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...msg, probeId });
    });
  }

  memory(): Promise<Memory> {
    return this.probe<Memory>({ probe: 'memory' });
  }

  /** CPU time (user + system) in milliseconds. */
  async cpuMs(): Promise<number> {
    const u = await this.probe<{ user: number; system: number }>({ probe: 'cpu' });
    return (u.user + u.system) / 1000;
  }

  stop(): Promise<void> {
    const child = this.child;
    return new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('TALUS_') && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

async function startTalus(name: string, extra: Record<string, string>): Promise<ServerProc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, MAIN], {
    cwd: ROOT,
    env: {
      ...cleanEnv(),
      NODE_ENV: 'production',
      TALUS_HOST: '127.0.0.1',
      TALUS_PORT: String(port),
      TALUS_AUTH: 'off',
      TALUS_LOG_LEVEL: 'warn',
      TALUS_SOCKET_EVENTS_PER_SEC: '100000',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const proc = new ServerProc(name, child, `http://127.0.0.1:${port}`);
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited ${child.exitCode}: ${proc.output().slice(-2000)}`);
    try {
      if ((await fetch(`${proc.url}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 30_000) throw new Error(`${name} did not start: ${proc.output().slice(-2000)}`);
    await sleep(50);
  }
  return proc;
}

async function startBaseline(): Promise<ServerProc> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', PROBE, BASELINE], {
    cwd: ROOT,
    env: { ...cleanEnv(), NODE_ENV: 'production', BASELINE_COALESCE: process.env.BASELINE_COALESCE ?? '' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const proc = new ServerProc('baseline', child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baseline did not start: ${proc.output()}`)), 30_000);
    child.stdout?.on('data', () => {
      const m = /listening (\d+)/.exec(proc.output());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`baseline exited ${code}: ${proc.output()}`)));
  });
  proc.url = `http://127.0.0.1:${port}`;
  return proc;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run one scenario in a fresh load-generator process; `onReady` runs while the generator waits (fan-out). */
function load<T>(
  scenario: Scenario,
  onReady?: (info: unknown) => Promise<void>,
  timeoutMs = 240_000,
): Promise<T> {
  const child = fork(LOAD, [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: cleanEnv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  started.add(child);
  child.on('exit', () => started.delete(child));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load generator (${scenario.kind}) did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    let settled = false;
    child.on('message', (m: { ready?: unknown; result?: T; error?: string }) => {
      if (m.ready !== undefined) {
        (onReady ? onReady(m.ready) : Promise.resolve()).then(
          () => child.send({ go: true }),
          (err: unknown) => {
            child.kill('SIGKILL');
            reject(err);
          },
        );
      } else if (m.result !== undefined) {
        settled = true;
        clearTimeout(timer);
        resolve(m.result);
      } else if (m.error !== undefined) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`load generator (${scenario.kind}): ${m.error}`));
      }
    });
    child.on('exit', (code) => {
      if (!settled) {
        clearTimeout(timer);
        reject(new Error(`load generator (${scenario.kind}) exited ${code}`));
      }
    });
    child.send({ run: scenario });
  });
}

/** A scenario against one server, with the server's CPU time over it and an optional CPU profile. */
async function measured<T>(
  server: ServerProc,
  phase: string,
  scenario: Scenario,
  onReady?: (info: unknown) => Promise<void>,
): Promise<{ result: T; cpuMs: number }> {
  const profile = PROFILE === phase;
  if (profile) await server.probe({ probe: 'profile-start' });
  const cpu0 = await server.cpuMs();
  const result = await load<T>(scenario, onReady);
  const cpuMs = (await server.cpuMs()) - cpu0;
  if (profile) {
    mkdirSync(RESULTS, { recursive: true });
    const file = join(RESULTS, `${phase}-${server.name}.cpuprofile`);
    await server.probe({ probe: 'profile-stop', file });
    console.log(`  profile: ${file}`);
  }
  return { result, cpuMs };
}

// ---------------------------------------------------------------------------------------------------------
// Setup through the SDK

interface Opened {
  sessionId: string;
  projectId: string;
}

async function importInto(client: TalusClient, p: BenchProject): Promise<Opened> {
  const a = await client.importProject(p.file);
  if (a.node_count !== p.nodes) throw new Error(`imported ${a.node_count} nodes, not ${p.nodes}`);
  return { sessionId: a.session_id, projectId: a.project_id };
}

/** The baseline has no projects: any session id names a room. */
const baselineSession = () => `bench-${randomBytes(6).toString('hex')}`;

/** Check with the SDK's mirror that a session's stream is whole: the mirror opens at the server's revision. */
async function checkMirror(client: TalusClient, projectId: string, expectAtLeast: number): Promise<void> {
  const mirror = await client.openProject(projectId);
  try {
    if (mirror.revision < expectAtLeast) {
      throw new Error(
        `the mirror shows revision ${mirror.revision}, fewer than the ${expectAtLeast} acknowledged`,
      );
    }
  } finally {
    mirror.close();
  }
}

function checkThroughput(label: string, r: ThroughputResult): void {
  if (r.errors > 0) throw new Error(`${label}: ${r.errors} errors, first: ${r.firstError}`);
  if (r.receivedMin < r.acked) {
    throw new Error(
      `${label}: a receiver got ${r.receivedMin} revisions of ${r.acked} acknowledged commands`,
    );
  }
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

// ---------------------------------------------------------------------------------------------------------
// Phases

interface Servers {
  talus: ServerProc;
  baseline: ServerProc;
  client: TalusClient;
  small: BenchProject;
}

const remembered: Record<string, { rate: number; ack: { p50: number; p99: number } }> = {};

/**
 * Run `ROUNDS` rounds of a scenario on each server, alternating which server goes first, so that whatever
 * else the machine is doing falls on both alike.
 */
async function alternate<T>(talus: (round: number) => Promise<T>, baseline: (round: number) => Promise<T>) {
  const t: T[] = [];
  const b: T[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      t.push(await talus(r));
      b.push(await baseline(r));
    } else {
      b.push(await baseline(r));
      t.push(await talus(r));
    }
  }
  return { t, b };
}

interface Round {
  result: ThroughputResult;
  cpuMs: number;
}

/** The round with the most commands per second (other processes only ever take throughput away). */
const bestRound = (rounds: Round[]) => rounds.reduce((a, x) => (x.result.rate > a.result.rate ? x : a));

function throughputFigures(label: string, t: Round, b: Round, targets: boolean, answer = 'ack'): void {
  const tr = t.result;
  const br = b.result;
  const cpu = (r: Round) => (r.cpuMs * 1000) / r.result.acked;
  figure(
    `${label}: commands/s`,
    'commands/s',
    tr.rate,
    br.rate,
    targets ? { text: 'ratio >= 0.5', check: (_v, q) => (q ?? 0) >= 0.5 } : undefined,
  );
  if (targets) {
    figure(
      `${label}: times the original's ~${ORIGINAL_COMMANDS_PER_SEC} commands/s`,
      'x',
      tr.rate / ORIGINAL_COMMANDS_PER_SEC,
      undefined,
      { text: 'talus >= 100', check: (v) => v >= 100 },
    );
  }
  figure(`${label}: ${answer} p50`, 'ms', tr.ack.p50, br.ack.p50);
  figure(`${label}: ${answer} p99`, 'ms', tr.ack.p99, br.ack.p99, targets ? atMost(2) : undefined);
  figure(`${label}: server CPU per command`, 'µs', cpu(t), cpu(b));
}

function roundLine(who: string, r: Round): string {
  const x = r.result;
  return `${who} ${x.rate.toFixed(0)}/s, ack ${ms(x.ack.p50)} / ${ms(x.ack.p99)}, server CPU ${((r.cpuMs * 1000) / x.acked).toFixed(0)} µs/command, generator CPU ${(x.generatorCpuMs / 1000).toFixed(1)} s`;
}

async function socketThroughput(
  s: Servers,
  label: string,
  senders: number,
  inFlight: number,
  listeners: number,
  phase: string,
): Promise<void> {
  const { sessionId, projectId } = await importInto(s.client, s.small);
  const common = { senders, inFlight, listeners, warmupMs: WARMUP_MS, durationMs: DURATION_MS };
  let acked = 0;
  const { t, b } = await alternate<Round>(
    async (r) => {
      const x = await measured<ThroughputResult>(s.talus, phase, {
        kind: 'socket-throughput',
        urls: [s.talus.url],
        sessionId,
        targets: s.small.tasks,
        ...common,
      });
      checkThroughput(`${label} (Talus Tally)`, x.result);
      acked += x.result.acked;
      await checkMirror(s.client, projectId, acked);
      console.log(`  round ${r + 1}: ${roundLine('Talus', x)}`);
      return x;
    },
    async (r) => {
      const x = await measured<ThroughputResult>(s.baseline, phase, {
        kind: 'socket-throughput',
        urls: [s.baseline.url],
        sessionId: baselineSession(),
        targets: s.small.tasks,
        ...common,
      });
      checkThroughput(`${label} (baseline)`, x.result);
      console.log(`  round ${r + 1}: ${roundLine('baseline', x)}`);
      return x;
    },
  );
  const bt = bestRound(t);
  const bb = bestRound(b);
  console.log(
    `  ${label}: frames: Talus event ${bt.result.eventBytes} B + ack ${bt.result.ackBytes} B; baseline event ${bb.result.eventBytes} B + ack ${bb.result.ackBytes} B`,
  );
  remembered[phase] = { rate: bb.result.rate, ack: bb.result.ack };
  throughputFigures(label, bt, bb, true);
}

async function restThroughput(s: Servers): Promise<void> {
  const { sessionId, projectId } = await importInto(s.client, s.small);
  const common = { connections: 50, listeners: 10, warmupMs: WARMUP_MS, durationMs: DURATION_MS };
  let acked = 0;
  const { t, b } = await alternate<Round>(
    async (r) => {
      const x = await measured<ThroughputResult>(s.talus, 'rest', {
        kind: 'rest-throughput',
        url: s.talus.url,
        sessionId,
        targets: s.small.tasks,
        ...common,
      });
      checkThroughput('REST (Talus Tally)', x.result);
      acked += x.result.acked;
      await checkMirror(s.client, projectId, acked);
      console.log(`  round ${r + 1}: ${roundLine('Talus', x)}`);
      return x;
    },
    async (r) => {
      const x = await measured<ThroughputResult>(s.baseline, 'rest', {
        kind: 'rest-throughput',
        url: s.baseline.url,
        sessionId: baselineSession(),
        targets: s.small.tasks,
        ...common,
      });
      checkThroughput('REST (baseline)', x.result);
      console.log(`  round ${r + 1}: ${roundLine('baseline', x)}`);
      return x;
    },
  );
  throughputFigures(
    'REST throughput (50 connections, 10 listeners)',
    bestRound(t),
    bestRound(b),
    false,
    'answer',
  );
}

const FANOUT_SAMPLES: Record<number, number> = { 10: 600, 100: 500, 1000: 300 };

async function fanout(s: Servers): Promise<void> {
  // 1,000 first: the memory per idle connection is measured on servers that have done nothing else yet
  const later: Array<() => void> = [];
  const last: Array<() => void> = [];
  for (const clients of [1000, 100, 10]) {
    const { sessionId } = await importInto(s.client, s.small);
    const baselineRoom = baselineSession();
    const samples = Math.ceil(FANOUT_SAMPLES[clients]! / ROUNDS);
    const idle: Record<string, { heap: number; rss: number }> = {};
    /** With 1,000 clients connected and idle (first round): the server's memory per connection. */
    const idleMemory = (server: ServerProc, round: number) => {
      if (clients !== 1000 || round !== 0) return undefined;
      return async () => {
        const after = await server.memory();
        const before = idleBefore[server.name]!;
        idle[server.name] = {
          heap: (after.heapUsed - before.heapUsed) / clients,
          rss: (after.rss - before.rss) / clients,
        };
      };
    };
    const idleBefore: Record<string, Memory> = {};
    if (clients === 1000) {
      idleBefore.talus = await s.talus.memory();
      idleBefore.baseline = await s.baseline.memory();
    }
    const run = (server: ServerProc, session: string) => async (round: number) => {
      const x = await measured<FanoutResult>(
        server,
        `fanout${clients}`,
        {
          kind: 'fanout',
          urls: [server.url],
          sessionId: session,
          clients,
          samples,
          target: s.small.tasks[0]!,
        },
        idleMemory(server, round),
      );
      if (x.result.lost > 0)
        throw new Error(`fan-out ${clients} (${server.name}): ${x.result.lost} commands lost`);
      return x.result;
    };
    const { t, b } = await alternate<FanoutResult>(run(s.talus, sessionId), run(s.baseline, baselineRoom));
    const tr = pooled(...t.map((x) => x.raw)).summary();
    const br = pooled(...b.map((x) => x.raw)).summary();
    const ta = pooled(...t.map((x) => x.rawAck)).summary();
    const ba = pooled(...b.map((x) => x.rawAck)).summary();
    console.log(
      `  fan-out ${clients}: sender's ack: Talus ${ms(ta.p50)} / ${ms(ta.p99)}, baseline ${ms(ba.p50)} / ${ms(ba.p99)}`,
    );
    console.log(
      `  fan-out ${clients}: Talus ${ms(tr.p50)} / ${ms(tr.p99)} (event ${t[0]!.eventBytes} B, setup ${(t[0]!.setupMs / 1000).toFixed(1)} s), baseline ${ms(br.p50)} / ${ms(br.p99)} (event ${b[0]!.eventBytes} B, setup ${(b[0]!.setupMs / 1000).toFixed(1)} s)`,
    );
    later.push(() => {
      figure(`fan-out to the last of ${clients} clients: p50`, 'ms', tr.p50, br.p50);
      figure(`fan-out to the last of ${clients} clients: p99`, 'ms', tr.p99, br.p99, atMost(1.5));
    });
    if (clients === 1000) {
      const ti = idle.talus!;
      const bi = idle.baseline!;
      console.log(
        `  idle connection: Talus ${(ti.heap / 1024).toFixed(1)} KB heap (${(ti.rss / 1024).toFixed(1)} KB RSS), baseline ${(bi.heap / 1024).toFixed(1)} KB heap (${(bi.rss / 1024).toFixed(1)} KB RSS)`,
      );
      last.push(() =>
        figure(
          'memory per idle connection (heap, 1,000 joined clients)',
          'KB',
          ti.heap / 1024,
          bi.heap / 1024,
          atMost(1.3),
        ),
      );
    }
  }
  for (const f of [...later.reverse(), ...last]) f();
}

async function size(s: Servers, dataDir: string): Promise<Servers> {
  const sizes = [10, 10_000, 100_000];
  const stats: Record<number, { update: LatencySummary; create: LatencySummary }> = {};
  let big: Opened | undefined;
  const projects: LatencyProject[] = [];
  for (const n of sizes) {
    const t0 = performance.now();
    const p = n === 10 ? s.small : benchProject(n);
    const opened = await importInto(s.client, p);
    if (n === 100_000) big = opened;
    projects.push({ sessionId: opened.sessionId, tasks: p.tasks, people: p.people, parents: p.parents });
    console.log(
      `  ${n.toLocaleString('en-US')} nodes: generated and imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  // the three projects in turn, 50 commands at a time: whatever else the machine does falls on all sizes
  const r = await measured<LatencyResult>(s.talus, 'size', {
    kind: 'latency',
    url: s.talus.url,
    projects,
    count: 1000,
    warmup: 100,
    chunk: 50,
  });
  if (r.result.errors > 0) throw new Error(`command cost: ${r.result.firstError}`);
  sizes.forEach((n, k) => {
    const x = r.result.projects[k]!;
    stats[n] = x;
    console.log(
      `  ${n.toLocaleString('en-US')} nodes: UpdateProperty ${ms(x.update.p50)} / ${ms(x.update.p99)}, CreateNode ${ms(x.create.p50)} / ${ms(x.create.p99)}`,
    );
  });
  for (const n of sizes) {
    const label = `${n.toLocaleString('en-US')} nodes`;
    figure(`UpdateProperty ack at ${label}: p50`, 'ms', stats[n]!.update.p50);
    figure(`UpdateProperty ack at ${label}: p99`, 'ms', stats[n]!.update.p99);
    figure(`CreateNode ack at ${label}: p50`, 'ms', stats[n]!.create.p50);
    figure(`CreateNode ack at ${label}: p99`, 'ms', stats[n]!.create.p99);
  }
  const a = stats[10]!;
  const z = stats[100_000]!;
  figure('UpdateProperty ack p50, 100,000/10 nodes', 'x', z.update.p50 / a.update.p50, undefined, below(1.5));
  figure('UpdateProperty ack p99, 100,000/10 nodes', 'x', z.update.p99 / a.update.p99, undefined, below(1.5));
  figure('CreateNode ack p50, 100,000/10 nodes', 'x', z.create.p50 / a.create.p50, undefined, below(1.5));
  figure('CreateNode ack p99, 100,000/10 nodes', 'x', z.create.p99 / a.create.p99, undefined, below(1.5));

  // restart on the same store, then open the 100,000-node project
  s.client.close();
  await s.talus.stop();
  const talus = await startTalus('talus', { TALUS_DATA_DIR: dataDir });
  const client = createClient({ url: talus.url, name: 'bench', timeoutMs: 120_000 });
  const before = await talus.memory();
  const t0 = performance.now();
  const opened = await client.openSession(big!.projectId);
  const openMs = performance.now() - t0;
  const after = await talus.memory();
  const heap = after.heapUsed - before.heapUsed;
  console.log(
    `  open after restart: ${openMs.toFixed(0)} ms (revision ${opened.revision}), heap +${(heap / 1048576).toFixed(1)} MB, RSS +${((after.rss - before.rss) / 1048576).toFixed(1)} MB`,
  );
  figure('open a 100,000-node project after a restart', 'ms', openMs, undefined, below(2000));
  figure('heap of a 100,000-node project', 'MB', heap / 1048576, undefined, below(150));
  figure('memory per node (heap)', 'bytes', heap / 100_000);

  // sessions: bare ones, then ones with a 10-node project each
  const COUNT = 200;
  const m0 = await talus.memory();
  for (let i = 0; i < COUNT; i++) await client.createSession();
  const m1 = await talus.memory();
  for (let i = 0; i < COUNT; i++) await importInto(client, s.small);
  const m2 = await talus.memory();
  const bare = (m1.heapUsed - m0.heapUsed) / COUNT;
  const withProject = (m2.heapUsed - m1.heapUsed) / COUNT;
  console.log(
    `  idle session: ${(bare / 1024).toFixed(2)} KB; with a 10-node project: ${(withProject / 1024).toFixed(1)} KB`,
  );
  figure('memory per idle session (heap)', 'KB', bare / 1024);
  figure('memory per idle session with a 10-node project open (heap)', 'KB', withProject / 1024);
  return { ...s, talus, client };
}

// ---------------------------------------------------------------------------------------------------------
// Two processes on PostgreSQL + Redis (issue 8)

async function clusterServices(): Promise<string | null> {
  const missing: string[] = [];
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
  } catch {
    missing.push(`PostgreSQL (${PG_URL})`);
  } finally {
    await c.end().catch(() => {});
  }
  const r = createRedis({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
  } catch {
    missing.push(`Redis (${REDIS_URL})`);
  } finally {
    if (r.isOpen) await r.close();
  }
  return missing.length > 0 ? missing.join(' and ') : null;
}

async function pgQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function cluster(s: Servers): Promise<void> {
  const missing = await clusterServices();
  if (missing) {
    notes.push(`two-process figures skipped: ${missing} not reachable`);
    console.log(`  skipped: ${missing} not reachable`);
    return;
  }
  const schema = `talus_bench_${randomBytes(6).toString('hex')}`;
  const stream = `talus:bench:${schema}`;
  await pgQuery(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const env = { TALUS_DATABASE_URL: url.toString(), TALUS_REDIS_URL: REDIS_URL, TALUS_REDIS_STREAM: stream };
  const procs: ServerProc[] = [];
  try {
    const a = await startTalus('talus-a', env);
    procs.push(a);
    const b = await startTalus('talus-b', env);
    procs.push(b);
    const client = createClient({ urls: [a.url, b.url], name: 'bench', timeoutMs: 60_000 });
    try {
      const run = async (urls: string[], label: string) => {
        const { sessionId, projectId } = await importInto(client, s.small);
        const r = await load<ThroughputResult>({
          kind: 'socket-throughput',
          urls,
          sessionId,
          targets: s.small.tasks,
          senders: 5,
          inFlight: 10,
          listeners: 10,
          warmupMs: WARMUP_MS,
          durationMs: DURATION_MS,
        });
        // refusals are reported, not fatal: several processes on one project retry conflicts a bounded
        // number of times; every acknowledged command must still reach every receiver
        if (r.receivedMin < r.acked) {
          throw new Error(`${label}: a receiver got ${r.receivedMin} revisions of ${r.acked} acknowledged`);
        }
        await checkMirror(client, projectId, r.acked);
        console.log(
          `  ${label}: ${r.rate.toFixed(0)}/s (ack ${ms(r.ack.p50)} / ${ms(r.ack.p99)}), ${r.errors} refused of ${r.acked + r.errors}`,
        );
        if (r.errors > 0) {
          console.log(`    first refusal: ${r.firstError}`);
          for (const p of procs) {
            const tail = p.output().trim().split('\n').slice(-3).join('\n      ');
            if (tail) console.log(`    ${p.name} log: ${tail.slice(0, 1500)}`);
          }
        }
        return r;
      };
      const base = remembered.socket;
      const one = await run([a.url], '1 process on PostgreSQL + Redis, socket throughput');
      const two = await run([a.url, b.url], '2 processes on PostgreSQL + Redis, socket throughput');
      figure(
        '1 process, PostgreSQL + Redis, 5 senders × 10 in flight: commands/s',
        'commands/s',
        one.rate,
        base?.rate,
      );
      figure('1 process, PostgreSQL + Redis: ack p99', 'ms', one.ack.p99, base?.ack.p99);
      figure(
        '2 processes, PostgreSQL + Redis, 5 senders × 10 in flight: commands/s',
        'commands/s',
        two.rate,
        base?.rate,
      );
      figure('2 processes, PostgreSQL + Redis: ack p50', 'ms', two.ack.p50, base?.ack.p50);
      figure('2 processes, PostgreSQL + Redis: ack p99', 'ms', two.ack.p99, base?.ack.p99);
      figure(
        '2 processes, PostgreSQL + Redis: commands refused (conflict retries exhausted)',
        'commands',
        two.errors,
      );

      const { sessionId } = await importInto(client, s.small);
      const f = await load<FanoutResult>({
        kind: 'fanout',
        urls: [a.url, b.url],
        sessionId,
        clients: 100,
        samples: 200,
        target: s.small.tasks[0]!,
      });
      if (f.lost > 0) throw new Error(`two-process fan-out: ${f.lost} commands lost`);
      console.log(`  2 processes, fan-out to 100: ${ms(f.lastClient.p50)} / ${ms(f.lastClient.p99)}`);
      const one100 = figures.find((x) => x.name === 'fan-out to the last of 100 clients: p99');
      const one100p50 = figures.find((x) => x.name === 'fan-out to the last of 100 clients: p50');
      figure(
        '2 processes, fan-out to the last of 100 clients: p50',
        'ms',
        f.lastClient.p50,
        one100p50?.baseline,
      );
      figure(
        '2 processes, fan-out to the last of 100 clients: p99',
        'ms',
        f.lastClient.p99,
        one100?.baseline,
      );
    } finally {
      client.close();
    }
  } finally {
    for (const p of procs) await p.stop();
    await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    const r = createRedis({ url: REDIS_URL });
    r.on('error', () => {});
    await r
      .connect()
      .then(() => r.del(stream))
      .then(() => r.close())
      .catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------

function printTable(): void {
  const rows = figures.map((f) => [
    f.name,
    f.unit,
    String(f.talus),
    f.baseline === undefined ? '' : String(f.baseline),
    f.ratio === undefined ? '' : String(f.ratio),
    f.target ?? '',
    f.pass === undefined ? '' : f.pass ? 'pass' : 'FAIL',
  ]);
  const head = ['figure', 'unit', 'Talus Tally', 'baseline', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' │ ');
  console.log(`\n${line(head)}`);
  console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const machine = { cpus: cpus().length, node: process.version };
  const loadAverage = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  const loadAtStart = loadAverage();
  console.log(
    `Talus Tally benchmark: ${machine.cpus} CPUs (${cpus()[0]?.model ?? '?'}), Node ${machine.node}, load average ${loadAtStart}`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'talus-bench-'));
  let servers: Servers | undefined;
  try {
    const small = benchProject(10);
    const talus = await startTalus('talus', { TALUS_DATA_DIR: dataDir });
    const baseline = await startBaseline();
    servers = {
      talus,
      baseline,
      client: createClient({ url: talus.url, name: 'bench', timeoutMs: 120_000 }),
      small,
    };
    const phase = async (name: string, title: string, fn: () => Promise<void>) => {
      if (!ONLY.has(name)) return;
      console.log(`\n${title} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      await fn();
    };
    const s = servers;
    await phase('fanout', 'Fan-out, and memory per idle connection', () => fanout(s));
    await phase('socket', 'Socket throughput', async () => {
      await socketThroughput(
        s,
        'socket throughput (5 senders × 10 in flight, 10 listeners)',
        5,
        10,
        10,
        'socket',
      );
      await socketThroughput(
        s,
        'socket throughput (50 clients × 1 in flight, 10 listeners)',
        50,
        1,
        10,
        'socket50',
      );
    });
    await phase('rest', 'REST throughput', () => restThroughput(s));
    await phase('size', 'Command cost against project size; open time; memory', async () => {
      servers = await size(s, dataDir);
    });
    await phase('cluster', 'Two processes on PostgreSQL + Redis', () => cluster(servers!));
  } finally {
    servers?.client.close();
    for (const child of [...started]) child.kill('SIGTERM');
    await sleep(200);
    for (const child of [...started]) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }

  notes.push(
    `load average (1, 5, 15 min) at the start ${loadAtStart}, at the end ${loadAverage()}: other processes on the machine take CPU from both servers alike`,
  );
  printTable();
  for (const n of notes) console.log(`note: ${n}`);
  mkdirSync(RESULTS, { recursive: true });
  const out = { machine, figures };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  const failed = figures.filter((f) => f.pass === false);
  console.log(
    `\n${figures.filter((f) => f.pass !== undefined).length - failed.length} of ${figures.filter((f) => f.pass !== undefined).length} targets met; bench/results/latest.json written (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
  if (failed.length > 0) console.log(`missed: ${failed.map((f) => f.name).join('; ')}`);
  // a completed run exits 0 (the table is the result); BENCH_STRICT=1 makes a missed target exit 1
  return failed.length > 0 && process.env.BENCH_STRICT === '1' ? 1 : 0;
}

const killAll = () => {
  for (const child of started) child.kill('SIGKILL');
};
process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});
process.on('SIGTERM', () => {
  killAll();
  process.exit(143);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    killAll();
    console.error(err);
    process.exitCode = 2;
  },
);
