/**
 * The baseline of `npm run bench` (PRODUCT.md section 11): the least work a server can do for the same
 * traffic as Talus Tally — Fastify and Socket.IO on one HTTP server, as Talus Tally has them, with no
 * validation, no state and no storage.
 *
 * - Socket.IO namespace `/graph`: `join_session` joins the room of the session and acks; `execute_command`
 *   broadcasts the payload it received (the same bytes) to the session's room as `revision`, then acks.
 * - `POST /api/v1/commands/execute`: broadcasts the body to the session's room and answers.
 *
 * Started as a child process by bench/run.ts with the measurement agent (bench/lib/probe.mjs) preloaded;
 * prints `listening <port>` when ready.
 */
import Fastify from 'fastify';
import { Server } from 'socket.io';

const BODY_LIMIT = 1024 * 1024;

interface Payload {
  session_id?: unknown;
}
type Ack = (answer: object) => void;

const room = (p: unknown) => `b:${String((p as Payload | null)?.session_id)}`;

const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
const io = new Server(app.server, { maxHttpBufferSize: BODY_LIMIT, cors: { origin: false } });
if (process.env.BASELINE_COALESCE === '1') {
  app.server.on('upgrade', (_req, socket: import('node:net').Socket) => {
    const write = socket.write;
    let pending = false;
    const flush = () => {
      pending = false;
      socket.uncork();
    };
    socket.write = function (this: unknown, ...args: unknown[]) {
      if (!pending) {
        pending = true;
        socket.cork();
        setImmediate(flush);
      }
      return (write as (...a: unknown[]) => boolean).apply(socket, args);
    } as typeof socket.write;
  });
}
const nsp = io.of('/graph');

nsp.on('connection', (socket) => {
  socket.on('join_session', (payload: unknown, ack?: Ack) => {
    socket.join(room(payload));
    ack?.({ ok: true, revision: 0 });
  });
  socket.on('execute_command', (payload: unknown, ack?: Ack) => {
    nsp.to(room(payload)).emit('revision', payload);
    ack?.({ ok: true });
  });
});

app.post('/api/v1/commands/execute', async (req) => {
  nsp.to(room(req.body)).emit('revision', req.body);
  return { success: true };
});

const stop = () => {
  io.close();
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const port = Number(process.env.BASELINE_PORT ?? 0);
await app.listen({ host: '127.0.0.1', port });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
