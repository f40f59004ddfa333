import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one server process (`GET /metrics`). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    commands: new Counter({
      name: 'talus_commands_total',
      help: 'Commands, undos and redos by type and outcome (applied, replayed, refused).',
      labelNames: ['command_type', 'outcome'] as const,
      registers: [registry],
    }),
    commandLatency: new Histogram({
      name: 'talus_command_duration_seconds',
      help: 'Time from receiving a command to its acknowledgement (validation, apply, commit, broadcast).',
      labelNames: ['command_type'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    commitBatch: new Histogram({
      name: 'talus_commit_batch_size',
      help: 'Revisions made durable per store transaction (group commit).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    sockets: new Gauge({
      name: 'talus_connected_sockets',
      help: 'Connected Socket.IO clients.',
      registers: [registry],
    }),
    sessions: new Gauge({
      name: 'talus_sessions',
      help: 'Sessions known to this process.',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'talus_errors_total',
      help: 'Error answers by code (HTTP and socket).',
      labelNames: ['code', 'transport'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
