// A measurement agent preloaded into the server processes under test (`node --expose-gc --import
// ./bench/lib/probe.mjs …`): it answers the benchmark's IPC messages with the process's memory after a full
// garbage collection, its CPU time, and starts/stops a CPU profile of a phase (BENCH_PROFILE). It adds
// nothing to the server's work between messages. Plain JavaScript, so the server runs from its build
// without a TypeScript loader.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const gc = globalThis.gc;
let session = null;

const settle = () => new Promise((r) => setImmediate(r));

async function memory() {
  if (gc) {
    for (let i = 0; i < 3; i++) {
      gc();
      await settle();
    }
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, rss: m.rss };
}

function post(method, params) {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

async function answer(msg) {
  switch (msg.probe) {
    case 'memory':
      return memory();
    case 'cpu':
      return process.cpuUsage();
    case 'profile-start':
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      return {};
    case 'profile-stop': {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      session = null;
      writeFileSync(msg.file, JSON.stringify(profile));
      return { file: msg.file };
    }
    default:
      throw new Error(`unknown probe ${msg.probe}`);
  }
}

if (process.send) {
  process.on('message', (msg) => {
    if (!msg || typeof msg !== 'object' || typeof msg.probe !== 'string') return;
    answer(msg).then(
      (value) => process.send?.({ probeId: msg.probeId, value }),
      (err) => process.send?.({ probeId: msg.probeId, error: String(err) }),
    );
  });
  // the IPC channel must not keep a server alive that was asked to stop
  process.channel?.unref();
}
