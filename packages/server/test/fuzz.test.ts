/**
 * Fuzzing the server's edges (PRODUCT.md sections 3, 5, 6, 7): thousands of malformed, hostile or merely wrong
 * REST requests and Socket.IO events against a real in-process server. Every input here is invalid by
 * construction, so every answer must be a refusal: 4xx with `{ error: { code, message } }` (a catalogue code
 * with its status, no stack trace), socket acks `{ ok: false, error }`, `command:failed` for each refused
 * socket command, nothing broadcast, the server up after every batch, and the project exactly as it was.
 *
 * The random choices come from a seeded generator: a failure names its seed (`FUZZ_SEED=… npx vitest run …`).
 */
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../core/src/errors.js';
import { mulberry32 } from '../../core/test/prng.js';
import {
  ack,
  call,
  connect,
  createProject,
  startServer,
  type TestServer,
  type TestSocket,
  waitFor,
} from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MIB = 1024 * 1024;

// ---- a seeded random source -----------------------------------------------------------------------------------

const random = mulberry32(SEED);
const int = (n: number) => Math.floor(random() * n);
const chance = (p: number) => random() < p;
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;

/** Set a key as an own enumerable property, even `__proto__`, so JSON.stringify sends it. */
function own(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];
const ODD_STRINGS = [
  '',
  ' ',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  'NaN',
  'Infinity',
  ...HOSTILE_KEYS,
  '../../../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '\u0000',
  '\u0000\u0001\u0002',
  '\n\r\t',
  '\u202e\u202d',
  '\ud800',
  '\udfff\ud800',
  '😀🎪🎸',
  'Ω≈ç√∫˜µ≤≥÷',
  '<script>alert(1)</script>',
  "' OR '1'='1' --",
  '"; DROP TABLE nodes; --',
  `\${7*7}`,
  '{{7*7}}',
  '%s%s%s%n',
  'a'.repeat(201),
  'b'.repeat(1001),
];

function randomString(): string {
  switch (int(6)) {
    case 0:
      return pick(ODD_STRINGS);
    case 1:
      return randomUUID();
    case 2:
      return Array.from({ length: int(40) }, () => String.fromCharCode(32 + int(95))).join('');
    case 3:
      return Array.from({ length: int(20) }, () => String.fromCharCode(int(0x10000))).join('');
    case 4:
      return chance(0.15) ? 'x'.repeat(100_001) : 'y'.repeat(int(3000));
    default:
      return `fz-${int(1e9)}`;
  }
}

/** encodeURIComponent, with lone surrogates (which it refuses) replaced. */
const enc = (v: string) => encodeURIComponent((v as unknown as { toWellFormed(): string }).toWellFormed());

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1.5,
  1.005,
  -3.14157,
  1e21,
  -1e308,
  1.7976931348623157e308,
  5e-324,
  2 ** 53 + 2,
  123456.789,
];

function nest(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = chance(0.5) ? [v] : { a: v };
  return v;
}

/**
 * Arrays nested `depth` deep, deeper than JSON.stringify (or the socket client) can take: written into REST
 * bodies as text by `wire`, and capped for socket payloads by `realize`.
 */
class Deep {
  constructor(readonly depth: number) {}
  toJSON() {
    return `__deep_${this.depth}__`;
  }
}
const deep = (depth: number) => new Deep(depth);

function wire(body: unknown): string {
  return JSON.stringify(body).replace(
    /"__deep_(\d+)__"/g,
    (_, n) => '['.repeat(Number(n)) + ']'.repeat(Number(n)),
  );
}

/** For socket payloads: Deep values become real nesting, at most 2,000 levels (the client recurses). */
function realize(v: unknown): unknown {
  if (v instanceof Deep) return nest(Math.min(v.depth, 2000));
  if (Array.isArray(v)) return v.map(realize);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) own(out, k, realize(x));
    return out;
  }
  return v;
}

function label(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 160) ?? String(v);
  } catch {
    return '<too deep to show>';
  }
}

function randomValue(depth = 0): unknown {
  switch (int(depth > 2 ? 5 : 9)) {
    case 0:
      return null;
    case 1:
      return chance(0.5);
    case 2:
      return pick(NUMBERS);
    case 3:
      return int(2 ** 31) - 2 ** 30;
    case 4:
      return randomString();
    case 5:
      return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    case 6:
    case 7:
      return randomObject(depth + 1);
    default:
      return nest(10 + int(300));
  }
}

function randomObject(depth = 0, keys: readonly string[] = []): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = int(5); i > 0; i--) {
    const key = chance(0.3)
      ? pick(HOSTILE_KEYS)
      : chance(0.3) && keys.length > 0
        ? pick(keys)
        : randomString().slice(0, 300);
    own(o, key, randomValue(depth + 1));
  }
  return o;
}

/** A value of another JSON type than the field expects (never `undefined`). */
function wrongType(expects: 'string' | 'number' | 'boolean' | 'object' | 'integer'): unknown {
  const all: Record<string, unknown[]> = {
    string: [1, 0, -1, true, false, null, [], ['a'], {}, { a: 1 }, 1.5],
    number: ['1', '', 'NaN', true, null, [], [1], {}, { n: 1 }],
    integer: ['1', '', true, null, [], [1], {}, 1.5, -1, 0.0001],
    boolean: ['true', 'false', 1, 0, null, [], {}, 'yes'],
    object: ['x', '', 1, true, null, [], [{}], [1, 2]],
  };
  return pick(all[expects]!);
}

// ---- the answers ----------------------------------------------------------------------------------------------

const CODES = new Set(Object.keys(ERROR_CATALOGUE));
const STACK_RE = /\n\s*at |file:\/\/|node:internal|node_modules|\.ts:\d+|\.js:\d+:\d+/;

/** What is wrong with an error envelope (undefined when it is right). */
function envelopeProblem(error: unknown, status?: number): string | undefined {
  if (typeof error !== 'object' || error === null) return 'no error object';
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !CODES.has(code))
    return `code ${JSON.stringify(code)} is not in the catalogue`;
  if (typeof message !== 'string') return 'message is not a string';
  // docs/api.md: an unknown route answers 404 INVALID_REQUEST; every other code comes with its own status
  const unknownRoute = status === 404 && code === 'INVALID_REQUEST' && message.startsWith('no route ');
  if (
    status !== undefined &&
    !unknownRoute &&
    ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status !== status
  ) {
    return `status ${status} does not match ${code}`;
  }
  return undefined;
}

interface Case {
  label: string;
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

const failures: string[] = [];
let restCount = 0;
let socketCount = 0;
const codesSeen = new Map<string, number>();
const seen = (code: string) => codesSeen.set(code, (codesSeen.get(code) ?? 0) + 1);

function fail(label: string, why: string) {
  if (failures.length < 50) failures.push(`${label}: ${why}`);
  else if (failures.length === 50) failures.push('…');
}

function describeBody(body: Case['body']): string {
  if (body === undefined) return '';
  const s = typeof body === 'string' ? body : `<${body.length} bytes>`;
  return ` ${s.length > 160 ? `${s.slice(0, 160)}…(${s.length})` : s}`;
}

async function send(server: TestServer, c: Case): Promise<void> {
  restCount++;
  const label = `${c.label}: ${c.method} ${c.path.slice(0, 120)}${describeBody(c.body)}`;
  let res: Response;
  let text: string;
  try {
    const init: RequestInit = { method: c.method, headers: c.headers ?? {} };
    if (c.body !== undefined) init.body = c.body;
    res = await fetch(`${server.base}${c.path}`, init);
    text = await res.text();
  } catch (e) {
    fail(label, `request failed: ${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? '')}`);
    return;
  }
  if (res.status < 400 || res.status >= 500) fail(label, `status ${res.status} ${text.slice(0, 300)}`);
  if (STACK_RE.test(text)) fail(label, `stack trace in the body: ${text.slice(0, 300)}`);
  if (c.method === 'HEAD') return;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    fail(label, `not JSON: ${res.status} ${text.slice(0, 200)}`);
    return;
  }
  const problem = envelopeProblem(body?.error, res.status);
  if (problem) fail(label, `${problem}: ${res.status} ${text.slice(0, 300)}`);
  else seen(body.error.code);
  if (typeof body === 'object' && body !== null && Object.keys(body).length !== 1) {
    fail(label, `more than the envelope: ${text.slice(0, 200)}`);
  }
}

/** Run cases with some concurrency; the server must answer /health after each batch. */
async function runBatches(server: TestServer, cases: Case[], batch = 100, concurrency = 16): Promise<void> {
  for (let i = 0; i < cases.length; i += batch) {
    const slice = cases.slice(i, i + batch);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < slice.length) await send(server, slice[next++]!);
      }),
    );
    const health = await fetch(`${server.api}/health`);
    expect(health.status, `health after REST batch ${i / batch} (seed ${SEED})`).toBe(200);
  }
}

// ---- the project under fuzz -------------------------------------------------------------------------------------

interface PropInfo {
  id: string;
  uuid: string;
  type: string;
  required: boolean;
  target_type?: string;
}
interface TypeInfo {
  id: string;
  allowed: string[];
  props: PropInfo[];
}
interface NodeInfo {
  id: string;
  type: string;
  parent: string | null;
}

let server: TestServer;
let sid: string;
let projectId: string;
/** A session with no project. */
let emptySid: string;
const types = new Map<string, TypeInfo>();
const nodes: NodeInfo[] = [];
const setupCommandIds: string[] = [];
let snapshot: { graph: unknown; project: any; info: any; history: any };
let protoKeys: string[];

const nodeById = (id: string) => nodes.find((n) => n.id === id)!;
const J = { 'content-type': 'application/json' };

function isInSubtree(id: string, top: string): boolean {
  for (let cur: string | null = id; cur !== null; cur = nodeById(cur).parent) if (cur === top) return true;
  return false;
}

async function setupCommand(command_type: string, data: Record<string, unknown>): Promise<any> {
  const command_id = `setup-${setupCommandIds.length}`;
  const r = await call(server, 'POST', '/commands/execute', {
    session_id: sid,
    command_type,
    data,
    command_id,
  });
  if (r.status !== 200) throw new Error(`setup ${command_type}: ${r.status} ${JSON.stringify(r.body)}`);
  setupCommandIds.push(command_id);
  return r.body;
}

async function createNode(type: string, parent: string): Promise<string> {
  const { node_id } = await setupCommand('CreateNode', { parent_id: parent, blueprint_type_id: type });
  nodes.push({ id: node_id, type, parent });
  return node_id;
}

async function takeSnapshot() {
  const graph = (await call(server, 'GET', `/graph?session_id=${sid}`)).body;
  const project = (await call(server, 'GET', `/projects/${projectId}`)).body;
  const info = (await call(server, 'GET', `/sessions/${sid}/info`)).body;
  const history = (await call(server, 'GET', `/projects/${projectId}/history?limit=1000`)).body;
  const { last_activity: _a, active_clients: _c, ...stableInfo } = info;
  return { graph, project, info: stableInfo, history };
}

async function expectUnchanged(when: string) {
  const now = await takeSnapshot();
  expect(now.graph, `graph after ${when} (seed ${SEED})`).toEqual(snapshot.graph);
  expect(now.project, `project after ${when} (seed ${SEED})`).toEqual(snapshot.project);
  expect(now.info, `session info after ${when} (seed ${SEED})`).toEqual(snapshot.info);
  expect(now.history, `history after ${when} (seed ${SEED})`).toEqual(snapshot.history);
  // nothing reached Object.prototype through a hostile key
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

beforeAll(async () => {
  protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  server = await startServer({ rateLimitPerMin: 1_000_000, socketEventsPerSec: 100_000 });
  const p = await createProject(server, 'festival', 'Fuzz Festival');
  sid = p.sessionId;
  projectId = p.projectId;
  nodes.push({ id: p.rootId, type: 'festival', parent: null });
  emptySid = (await call(server, 'POST', '/sessions')).body.session_id;

  const schema = await call(server, 'GET', '/templates/festival/schema');
  for (const t of schema.body.node_types as any[]) {
    types.set(t.id, {
      id: t.id,
      allowed: t.allowed_children,
      props: t.properties.map((pr: any) => ({
        id: pr.id,
        uuid: pr.uuid,
        type: pr.type,
        required: pr.required,
        target_type: pr.target_type,
      })),
    });
  }
  const stage = await createNode('stage', p.rootId);
  const act = await createNode('act', stage);
  await createNode('task', stage);
  await createNode('task', act);
  const pool = await createNode('crew_pool', p.rootId);
  const member = await createNode('crew_member', pool);
  await createNode('vendor', p.rootId);
  const area = await createNode('area', p.rootId);
  await createNode('area', area);
  await setupCommand('UpdateProperty', { node_id: act, property_id: 'liaison', value: member });
  await setupCommand('UpdateProperty', { node_id: act, property_id: 'fee', value: 1500.5 });
  await setupCommand('UpdateProperty', { node_id: stage, property_id: 'capacity', value: 500 });
  await setupCommand('UpdateProperty', { node_id: p.rootId, property_id: 'status', value: 'Booking' });
  await setupCommand('UpdateProperty', {
    node_id: p.rootId,
    property_id: 'opening_day',
    value: '2026-07-01',
  });
  snapshot = await takeSnapshot();
  expect(snapshot.project.revision).toBe(setupCommandIds.length);
});

afterAll(async () => {
  await server?.close();
});

// ---- invalid commands, by construction ----------------------------------------------------------------------

const fakeId = () =>
  chance(0.7) ? randomUUID() : pick([randomString(), 'root', '00000000-0000-0000-0000-000000000000']);
const existing = () => pick(nodes).id;

/** A value the property refuses, whatever the node (`creating`: in CreateNode, where null means "not given"). */
function invalidValue(p: PropInfo, creating = false): unknown {
  const text = [1, true, false, [], ['a'], {}, { a: 'b' }, 1.5, 'x'.repeat(100_001)];
  const byType: Record<string, unknown[]> = {
    text,
    editor: text,
    number: ['1', '', 'NaN', true, [], [1], {}, { value: 1 }],
    currency: [1.234, 0.001, -3.14157, 99.999, '10.00', true, [], {}],
    checkbox: ['true', 'false', 1, 0, [], {}, 'yes'],
    date: [
      '2026-02-30',
      '2025-02-29',
      '2026-13-01',
      '2026-1-01',
      '26-01-01',
      '2026/01/01',
      '2026-01-01T00:00:00Z',
      '',
      20260101,
      true,
      [],
    ],
    select: [`zz-${int(1e6)}`, '', 1, true, [], {}, 'planned ', 'PLANNED'],
    node_reference: [
      fakeId(),
      '',
      5,
      {},
      [fakeId()],
      [1],
      ['x'.repeat(201)],
      // an existing node of another type than the target
      ...nodes.filter((n) => n.type !== p.target_type).map((n) => n.id),
      ...nodes.filter((n) => n.type === p.target_type).map((n) => [n.id, n.id]),
    ],
  };
  const options = byType[p.type] ?? [];
  const required = p.required || p.id === 'name';
  const refused = required ? [...options, ...(creating ? [] : [null]), ''] : options;
  return pick(refused);
}

/** Typed data with one defect that no earlier command can repair. */
function invalidData(type: string): Record<string, unknown> {
  const withUnknownField = (d: Record<string, unknown>) =>
    own(
      d,
      pick([
        ...HOSTILE_KEYS,
        'extra',
        'nodeId',
        'Node_id',
        'data',
        'command_type',
        'old_values',
        randomString().slice(0, 50) || 'k',
      ]),
      randomValue(),
    );
  switch (type) {
    case 'CreateNode': {
      const parent = pick(nodes);
      const parentType = types.get(parent.type)!;
      const allowedType = parentType.allowed.length > 0 ? pick(parentType.allowed) : null;
      const base = () => ({ parent_id: parent.id, blueprint_type_id: allowedType ?? 'task' });
      switch (int(9)) {
        case 0:
          return { parent_id: fakeId(), blueprint_type_id: pick([...types.keys()]) };
        case 1: {
          const refused = [...types.keys()].filter((t) => !parentType.allowed.includes(t));
          return { parent_id: parent.id, blueprint_type_id: pick(refused) };
        }
        case 2:
          return {
            parent_id: chance(0.5) ? null : parent.id,
            blueprint_type_id: pick([randomString(), 'Stage', 'STAGE', 'stage ', ...HOSTILE_KEYS]),
          };
        case 3: {
          if (!allowedType) return { parent_id: parent.id, blueprint_type_id: 'stage' }; // a task allows nothing
          const prop = pick(types.get(allowedType)!.props);
          return {
            ...base(),
            properties: own({}, chance(0.5) ? prop.id : prop.uuid, invalidValue(prop, true)),
          };
        }
        case 4:
          return {
            ...base(),
            properties: own(
              {},
              pick([...HOSTILE_KEYS, randomString().slice(0, 50) || 'k', 'Name']),
              randomValue(),
            ),
          };
        case 5:
          return {
            ...base(),
            node_id: chance(0.5)
              ? existing()
              : pick(['x', 'not-a-uuid', `${randomUUID()}x`, randomUUID().replace(/-/g, '')]),
          };
        case 6:
          return withUnknownField(base());
        case 7:
          return pick([
            { ...base(), parent_id: wrongType('string') },
            { ...base(), blueprint_type_id: wrongType('string') },
            { ...base(), blueprint_type_id: '' },
            { ...base(), name: pick([wrongType('string'), '', 'n'.repeat(100_001), '😀'.repeat(100_001)]) },
            { ...base(), index: wrongType('integer') },
            { ...base(), properties: wrongType('object') },
            { ...base(), node_id: wrongType('string') },
            { blueprint_type_id: allowedType ?? 'task' },
            { parent_id: parent.id },
          ]);
        default:
          return { ...base(), properties: { name: pick([1, '', [], {}, 'x'.repeat(100_001)]) } };
      }
    }
    case 'UpdateProperty':
    case 'DeleteProperty': {
      const node = pick(nodes);
      const props = types.get(node.type)!.props;
      const prop = pick(props);
      const update = type === 'UpdateProperty';
      switch (int(6)) {
        case 0:
          return update
            ? { node_id: fakeId(), property_id: prop.id, value: randomValue() }
            : { node_id: fakeId(), property_id: prop.id };
        case 1: {
          const unknown = pick([
            randomString().slice(0, 100) || 'k',
            ...HOSTILE_KEYS,
            'Name',
            'NAME',
            'capacity ',
            'id',
            'children',
            'parent_id',
          ]);
          if (props.some((p) => p.id === unknown || p.uuid === unknown) || unknown === 'name')
            return { node_id: node.id };
          return update
            ? { node_id: node.id, property_id: unknown, value: randomValue() }
            : { node_id: node.id, property_id: unknown };
        }
        case 2: {
          if (!update)
            return {
              node_id: node.id,
              property_id: pick(['name', ...props.filter((p) => p.required).map((p) => p.id)]),
            };
          return {
            node_id: node.id,
            property_id: chance(0.7) ? prop.id : prop.uuid,
            value: invalidValue(prop),
          };
        }
        case 3:
          return withUnknownField(
            update
              ? { node_id: node.id, property_id: prop.id, value: 1 }
              : { node_id: node.id, property_id: prop.id },
          );
        case 4: {
          const value = update ? { value: 1 } : {};
          return pick<Record<string, unknown>>([
            { node_id: wrongType('string'), property_id: prop.id, ...value },
            { node_id: node.id, property_id: wrongType('string'), ...value },
            { node_id: '', property_id: prop.id, ...value },
            { node_id: 'n'.repeat(201), property_id: prop.id, ...value },
            { node_id: node.id, property_id: '', ...value },
            { property_id: prop.id, ...value },
          ]);
        }
        default:
          // UpdateProperty without a value; DeleteProperty of the name
          return update
            ? { node_id: node.id, property_id: prop.id }
            : { node_id: node.id, property_id: 'name', old_value: 'x' };
      }
    }
    case 'DeleteNode':
      return pick([
        { node_id: fakeId() },
        { node_id: wrongType('string') },
        { node_id: '' },
        {},
        withUnknownField({ node_id: existing() }),
        { node_id: existing(), old_value: 1 },
      ]);
    case 'LinkNode':
    case 'MoveNode': {
      const pairs: Array<[string, string]> = [];
      for (const child of nodes) {
        for (const parent of nodes) {
          if (isInSubtree(parent.id, child.id) || !types.get(parent.type)!.allowed.includes(child.type))
            pairs.push([child.id, parent.id]);
        }
      }
      const [child, parent] = pick(pairs);
      const link = type === 'LinkNode';
      const ok = link
        ? { parent_id: parent, child_id: child }
        : { node_id: child, parent_id: parent, index: 0 };
      switch (int(5)) {
        case 0:
        case 1:
          return chance(0.5) ? ok : { ...ok, index: int(5) };
        case 2:
          return link
            ? { parent_id: fakeId(), child_id: existing() }
            : { node_id: fakeId(), parent_id: null, index: 0 };
        case 3:
          return withUnknownField({ ...ok });
        default:
          return pick([
            { ...ok, index: wrongType('integer') },
            link ? { parent_id: parent } : { node_id: child, parent_id: parent },
            link
              ? { child_id: child, parent_id: wrongType('string') }
              : { node_id: wrongType('string'), parent_id: parent, index: 0 },
            link
              ? { parent_id: existing(), child_id: fakeId() }
              : { node_id: child, parent_id: fakeId(), index: 0 },
          ]);
      }
    }
    case 'UnlinkNode': {
      const pairs: Array<[string, string]> = [];
      for (const child of nodes)
        for (const parent of nodes) if (child.parent !== parent.id) pairs.push([child.id, parent.id]);
      const [child, parent] = pick(pairs);
      return pick([
        { parent_id: parent, child_id: child },
        { parent_id: fakeId(), child_id: existing() },
        { parent_id: existing(), child_id: fakeId() },
        withUnknownField({ parent_id: parent, child_id: child }),
        { parent_id: parent },
        { parent_id: wrongType('string'), child_id: child },
      ]);
    }
    default: {
      // Batch: refused as a whole, also after valid commands that ran first inside it
      const valid = (): Record<string, unknown> => {
        const stage = nodes.find((n) => n.type === 'stage')!;
        return pick([
          {
            command_type: 'UpdateProperty',
            data: { node_id: stage.id, property_id: 'capacity', value: int(1e6) },
          },
          {
            command_type: 'CreateNode',
            data: { parent_id: stage.id, blueprint_type_id: 'task', name: 'fuzz task' },
          },
          { command_type: 'CreateNode', data: { parent_id: null, blueprint_type_id: 'area' } },
          {
            command_type: 'UpdateProperty',
            data: { node_id: nodes[0]!.id, property_id: 'name', value: 'Renamed by fuzz' },
          },
        ]);
      };
      const badType = pick([
        'CreateNode',
        'UpdateProperty',
        'DeleteProperty',
        'DeleteNode',
        'LinkNode',
        'UnlinkNode',
        'MoveNode',
      ]);
      switch (int(6)) {
        case 0:
        case 1:
          return {
            commands: [
              ...Array.from({ length: 1 + int(4) }, valid),
              { command_type: badType, data: invalidData(badType) },
            ],
          };
        case 2:
          return { commands: [valid(), { command_type: 'Batch', data: { commands: [valid()] } }] };
        case 3:
          return pick([
            { commands: [] },
            { commands: wrongType('object') },
            {},
            { commands: [valid()], extra: 1 },
          ]);
        case 4:
          return { commands: Array.from({ length: 1001 }, valid) };
        default:
          return { commands: [valid(), own({ ...valid() }, pick(['extra', ...HOSTILE_KEYS]), 1)] };
      }
    }
  }
}

const COMMAND_TYPES = [
  'CreateNode',
  'DeleteNode',
  'UpdateProperty',
  'DeleteProperty',
  'LinkNode',
  'UnlinkNode',
  'MoveNode',
  'Batch',
];

/** A command (`command_type`, `data`) the rules refuse. */
function invalidCommand(): { command_type: unknown; data?: unknown } {
  if (chance(0.12)) {
    const command_type = pick([
      randomString().slice(0, 100),
      'createnode',
      'CREATE_NODE',
      'Undo',
      'Redo',
      'Noop',
      ...HOSTILE_KEYS,
      '',
    ]);
    return { command_type, data: randomValue() };
  }
  const command_type = pick(COMMAND_TYPES);
  if (chance(0.08)) return { command_type, data: pick([null, [], 'x', 1, true, [{}]]) };
  if (chance(0.04)) return { command_type };
  return { command_type, data: invalidData(command_type) };
}

/** A command the rules accept (only sent in ways that must still refuse it). */
function validCommand(): { command_type: string; data: Record<string, unknown> } {
  const stage = nodes.find((n) => n.type === 'stage')!;
  return pick([
    {
      command_type: 'UpdateProperty',
      data: { node_id: stage.id, property_id: 'capacity', value: 1_000_001 + int(1e6) },
    },
    {
      command_type: 'CreateNode',
      data: { parent_id: stage.id, blueprint_type_id: 'task', name: `Fuzz ${int(1e6)}` },
    },
    { command_type: 'DeleteNode', data: { node_id: nodes.find((n) => n.type === 'vendor')!.id } },
    {
      command_type: 'MoveNode',
      data: { node_id: nodes.find((n) => n.type === 'task')!.id, parent_id: null, index: 0 },
    },
  ]);
}

const EXECUTE_FIELDS = [
  'session_id',
  'command_type',
  'data',
  'command_id',
  'expected_revision',
  'include_graph',
];

/** An execute envelope (REST body or socket payload) that must be refused. */
function invalidExecute(sessionId: string): Record<string, unknown> {
  const revision = snapshot.project.revision as number;
  const roll = int(20);
  if (roll < 9) {
    const body: Record<string, unknown> = { session_id: sessionId, ...invalidCommand() };
    if (chance(0.3)) body.command_id = `fz-${randomUUID()}`;
    if (chance(0.15)) body.include_graph = true;
    if (chance(0.1)) body.expected_revision = revision;
    return body;
  }
  const body: Record<string, unknown> = { session_id: sessionId, ...validCommand() };
  switch (roll) {
    case 9:
      body.session_id = pick([
        wrongType('string'),
        '',
        'x'.repeat(201),
        fakeId(),
        emptySid,
        ...HOSTILE_KEYS,
        randomString(),
      ]);
      if (body.session_id === sessionId) body.session_id = fakeId();
      return body;
    case 10:
      body.command_type = pick([wrongType('string'), 'c'.repeat(101)]);
      return body;
    case 11:
      body.command_id = pick([
        wrongType('string'),
        '',
        'i'.repeat(129),
        'tab\there',
        'new\nline',
        'é',
        '\u0000',
        '😀',
      ]);
      return body;
    case 12:
      body.command_id = pick(setupCommandIds);
      return body;
    case 13:
      body.expected_revision = pick([
        revision + 1 + int(5),
        Math.max(0, revision - 1 - int(revision)),
        1e300,
        wrongType('integer'),
      ]);
      return body;
    case 14:
      body.include_graph = wrongType('boolean');
      return body;
    case 15:
      return own(
        body,
        pick([
          ...HOSTILE_KEYS.filter((k) => k !== '__proto__'),
          'sessionId',
          'Session_id',
          'scope',
          'extra',
          'Data',
        ]),
        randomValue(),
      );
    case 16:
      delete body[pick(['session_id', 'command_type'])];
      return body;
    case 17:
      // an ignored old_value nested too deep to clone, compare or store
      return {
        session_id: sessionId,
        command_type: 'UpdateProperty',
        data: {
          node_id: nodes[0]!.id,
          property_id: 'expected_attendance',
          value: int(1e6),
          old_value: pick([nest(201), nest(1000), deep(5000), deep(50_000), deep(300_000)]),
        },
        ...(chance(0.3) ? { command_id: pick(setupCommandIds) } : {}),
      };
    case 18:
      return {
        ...body,
        command_id: pick(setupCommandIds),
        data: pick([nest(100), deep(5000), deep(200_000)]),
      };
    default:
      return {
        ...body,
        data: { ...(body.data as object), [pick(['zzz', 'extra', 'old_values'])]: randomValue() },
      };
  }
}

/** An undo or redo request that must be refused (never a plain undo). */
function invalidUndo(kind: 'undo' | 'redo'): Record<string, unknown> | null {
  const revision = snapshot.project.revision as number;
  switch (int(8)) {
    case 0:
      return { scope: pick([wrongType('string'), 'all', 'Session', 'MINE', '', 'others']) };
    case 1:
      return { command_id: pick([wrongType('string'), '', 'i'.repeat(129), 'tab\there']) };
    case 2:
      return {
        expected_revision: pick([revision + 1 + int(9), Math.max(0, revision - 1 - int(revision)), 1e300]),
      };
    case 3:
      return { expected_revision: wrongType('integer') };
    case 4:
      return { command_id: pick(setupCommandIds), scope: pick(['session', 'mine']) };
    case 5:
      return own(
        { scope: 'session', expected_revision: revision + 1 },
        pick([...HOSTILE_KEYS.filter((k) => k !== '__proto__'), 'extra', 'data']),
        randomValue(),
      );
    case 6:
      return kind === 'redo'
        ? pick([{}, { scope: 'mine' }, { scope: 'session', command_id: `fz-${randomUUID()}` }])
        : { scope: 'all' };
    default:
      return null; // replaced by a non-object body below
  }
}

// ---- REST cases -------------------------------------------------------------------------------------------------

const api = (path: string) => `/api/v1${path}`;
const json = (label: string, method: string, path: string, body: unknown): Case => ({
  label,
  method,
  path: api(path),
  body: wire(body),
  headers: J,
});

const BAD_JSON = [
  '{',
  '}',
  '{"a":}',
  '{"session_id":"x",}',
  "{'session_id':'x'}",
  'NaN',
  'undefined',
  '{"a":NaN}',
  '\ufeff{"a":1}',
  '{"a":"\\x00"}',
  '[1,2',
  '"unterminated',
  '{"a":1}{"b":2}',
  '0x10',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":{"__proto__":{"polluted":true}}}',
  '{"session_id":"x","data":{"__proto__":{"polluted":true}}}',
  '1e999',
  '-',
  '{"a":1e999999}',
  '['.repeat(50_000) + ']'.repeat(50_000),
  `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
  '{"a":"\ud800"}',
  '\u0000',
  ' ',
  'null',
  'true',
  '"a string"',
  '12345',
  '[]',
  '[{}]',
];

const CONTENT_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zzz',
  'application/xml',
  'application/yaml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json, text/plain',
  'application/jsonx',
  'json',
  'a/b/c;;;',
  '*/*',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
];

function badSessionId(): string {
  return pick([
    randomUUID(),
    enc(randomString().slice(0, 300) || 'x'),
    ...HOSTILE_KEYS.map(enc),
    'a'.repeat(65),
    'a'.repeat(201),
    'a'.repeat(3000),
    '%zz',
    '%',
    '%E0%A4%A',
    '%00',
    '..%2F..%2Fetc',
    '%20',
    'session id',
    `${randomUUID()}%0A`,
  ]);
}

function restCases(): Case[] {
  const cases: Case[] = [];
  const add = (c: Case) => cases.push(c);
  const revision = snapshot.project.revision as number;

  // 1. POST /commands/execute: invalid commands and envelopes
  for (let i = 0; i < 700; i++)
    add(json('execute', 'POST', '/commands/execute', invalidExecute(chance(0.95) ? sid : emptySid)));
  for (let i = 0; i < 40; i++)
    add(
      json(
        'execute non-object',
        'POST',
        '/commands/execute',
        pick([null, [], [1], 'x', 1, true, [{ session_id: sid }]]),
      ),
    );
  for (let i = 0; i < 40; i++)
    add(json('execute random object', 'POST', '/commands/execute', randomObject(0, EXECUTE_FIELDS)));
  // valid commands on an empty session, or refused by expected_revision
  for (let i = 0; i < 20; i++)
    add(json('execute no project', 'POST', '/commands/execute', { session_id: emptySid, ...validCommand() }));

  // 2. undo / redo
  for (let i = 0; i < 160; i++) {
    const kind = pick(['undo', 'redo'] as const);
    const body = invalidUndo(kind);
    const session = chance(0.85) ? sid : chance(0.5) ? emptySid : badSessionId();
    const c: Case =
      body === null
        ? {
            label: kind,
            method: 'POST',
            path: api(`/sessions/${session}/${kind}`),
            body: pick(['null', '[]', '"x"', '1', 'true', '[{}]']),
            headers: J,
          }
        : json(kind, 'POST', `/sessions/${session}/${kind}`, body);
    add(c);
  }
  for (let i = 0; i < 10; i++)
    add({ label: 'undo empty session', method: 'POST', path: api(`/sessions/${emptySid}/undo`) });

  // 3. session routes with malformed or unknown ids
  for (let i = 0; i < 160; i++) {
    const id = badSessionId();
    const s = chance(0.2) ? emptySid : id;
    add(
      pick<Case>([
        { label: 'info', method: 'GET', path: api(`/sessions/${id}/info`) },
        { label: 'graph', method: 'GET', path: api(`/sessions/${s}/graph`) },
        { label: 'tree', method: 'GET', path: api(`/sessions/${s}/graph/tree`) },
        { label: 'graph?', method: 'GET', path: api(`/graph?session_id=${s}`) },
        { label: 'events', method: 'GET', path: api(`/sessions/${s}/events?since=0`) },
        { label: 'save', method: 'POST', path: api(`/sessions/${s}/save`) },
        { label: 'undo', method: 'POST', path: api(`/sessions/${s}/undo`) },
        { label: 'redo', method: 'POST', path: api(`/sessions/${s}/redo`), body: '{}', headers: J },
        {
          label: 'load-graph',
          method: 'POST',
          path: api(`/sessions/${s}/load-graph`),
          body: JSON.stringify(randomObject()),
          headers: J,
        },
      ]),
    );
  }
  for (const q of [
    '',
    '?',
    '?session_id=',
    `?session_id=${sid}&session_id=${sid}`,
    `?session_id=${sid}&extra=1`,
    '?sessionId=x',
    `?session_id[]=${sid}`,
    '?__proto__[polluted]=1',
    '?constructor[prototype][polluted]=1',
  ]) {
    add({ label: 'graph query', method: 'GET', path: api(`/graph${q}`) });
  }
  for (const q of [
    '',
    '?since=',
    '?since=-1',
    '?since=abc',
    '?since=1.5',
    `?since=${revision + 1}`,
    '?since=9999999999999999',
    '?since=0&x=1',
    '?since=0&since=1',
  ]) {
    add({ label: 'session events query', method: 'GET', path: api(`/sessions/${sid}/events${q}`) });
  }

  // 4. project routes
  for (let i = 0; i < 120; i++) {
    const id = chance(0.5) ? randomUUID() : badSessionId();
    add(
      pick<Case>([
        { label: 'project', method: 'GET', path: api(`/projects/${id}`) },
        json('rename unknown', 'PATCH', `/projects/${id}`, { name: 'New name' }),
        { label: 'delete unknown', method: 'DELETE', path: api(`/projects/${id}`) },
        { label: 'open unknown', method: 'POST', path: api(`/projects/${id}/open`) },
        { label: 'history unknown', method: 'GET', path: api(`/projects/${id}/history`) },
        { label: 'events unknown', method: 'GET', path: api(`/projects/${id}/events?since=0`) },
        { label: 'export unknown', method: 'GET', path: api(`/projects/${id}/export`) },
      ]),
    );
  }
  for (let i = 0; i < 40; i++) {
    add(
      json(
        'rename',
        'PATCH',
        `/projects/${projectId}`,
        pick([
          {},
          { name: '' },
          { name: 'n'.repeat(201) },
          { name: wrongType('string') },
          { name: 'ok', extra: 1 },
          own({ name: 'ok' }, pick(HOSTILE_KEYS), 1),
          null,
          [],
          'name',
          own(randomObject(0, ['name']), 'extra', 1),
        ]),
      ),
    );
  }
  for (const q of [
    '?limit=0',
    '?limit=1001',
    '?limit=-1',
    '?limit=abc',
    '?limit=1.5',
    '?limit=99999',
    '?before=abc',
    '?before=-1',
    '?before=1&before=2',
    '?limit=10&x=1',
    '?__proto__=1',
    '?limit=',
    '?before=',
  ]) {
    add({ label: 'history query', method: 'GET', path: api(`/projects/${projectId}/history${q}`) });
  }
  for (const q of [
    '',
    '?since=',
    '?since=abc',
    '?since=-5',
    `?since=${revision + 1}`,
    '?since=999999999999999',
    '?since=1&y=2',
  ]) {
    add({ label: 'project events query', method: 'GET', path: api(`/projects/${projectId}/events${q}`) });
  }
  for (const q of [
    '?history=yes',
    '?history=1',
    '?history=TRUE',
    '?history=true&x=1',
    '?x=1',
    '?history=true&history=false',
  ]) {
    add({ label: 'export query', method: 'GET', path: api(`/projects/${projectId}/export${q}`) });
  }

  // 5. creating projects, cleanup, templates, imports
  for (let i = 0; i < 60; i++) {
    add(
      json(
        'create project',
        'POST',
        '/projects',
        pick([
          { template_id: 'festival', project_name: '' },
          { template_id: 'festival', project_name: 'n'.repeat(201) },
          { template_id: 'festival', project_name: wrongType('string') },
          { template_id: wrongType('string'), project_name: 'x' },
          { template_id: '', project_name: 'x' },
          {
            template_id: pick([
              randomString().slice(0, 200) || 'nope',
              ...HOSTILE_KEYS,
              'Festival',
              'festival.yaml',
              '../festival',
            ]),
            project_name: 'x',
          },
          { template_id: 'bad_festival', project_name: 'x' },
          { template_id: 'festival', project_name: 'x', session_id: sid },
          { template_id: 'festival', project_name: 'x', session_id: badSessionId() },
          { template_id: 'festival', project_name: 'x', session_id: wrongType('string') },
          { template_id: 'festival', project_name: 'x', extra: true },
          { template_id: 'festival' },
          { project_name: 'x' },
          randomObject(0, ['template_id', 'project_name', 'session_id']),
        ]),
      ),
    );
  }
  for (let i = 0; i < 30; i++) {
    add(
      json(
        'cleanup',
        'POST',
        '/sessions/cleanup',
        pick([
          {},
          { max_inactive_hours: -1 },
          { max_inactive_hours: 1e7 },
          { max_inactive_hours: wrongType('number') },
          { max_inactive_hours: 1, extra: 1 },
          null,
          [],
          'x',
          randomObject(),
        ]),
      ),
    );
  }
  const originalFile = (nodesList: unknown[]) => ({ template_id: 'festival', graph: { nodes: nodesList } });
  const a = randomUUID();
  const b = randomUUID();
  for (let i = 0; i < 60; i++) {
    const body = pick<unknown>([
      randomObject(),
      { format: 'talus-tally/2' },
      { format: 'talus-tally/1' },
      { format: 'talus-tally/1', project: {}, nodes: [] },
      { format: 'talus-tally/1', project: randomObject(), nodes: [randomObject()] },
      originalFile([{ id: a, type: 'festival', children: [a] }]),
      originalFile([
        { id: a, type: 'festival', children: [b] },
        { id: b, type: 'stage', children: [a] },
      ]),
      originalFile([{ id: a, type: 'festival', children: [randomUUID()] }]),
      originalFile([randomValue(), randomValue()]),
      {
        ...originalFile([{ id: a, type: 'festival', children: [] }]),
        template_id: pick([randomString().slice(0, 100) || 'nope', 'bad_festival', 7]),
      },
      { graph: { nodes: 'x' } },
      { graph: [] },
      nest(300),
    ]);
    const target = pick([
      `/projects/import`,
      `/sessions/${emptySid}/load-graph`,
      `/sessions/${sid}/load-graph`,
    ]);
    add(json('import', 'POST', target, body));
  }
  add({
    label: 'import 2 MiB of garbage',
    method: 'POST',
    path: api('/projects/import'),
    body: JSON.stringify({ junk: 'j'.repeat(2 * MIB) }),
    headers: J,
  });
  for (let i = 0; i < 30; i++) {
    add({
      label: 'import non-JSON',
      method: 'POST',
      path: api('/projects/import'),
      body: pick(BAD_JSON),
      headers: J,
    });
  }
  const yamlBodies = [
    '',
    ':',
    '- - -',
    'name: x',
    'name: x\nnode_types: []',
    'name: x\nnode_types: [{id: a}]',
    // valid but for a reserved property or type id
    '__proto__: {polluted: true}\nname: x\nnode_types: [{id: a, label: A, properties: [{id: __proto__, label: P, type: text}]}]',
    'name: x\nnode_types: [{id: a, label: A, properties: [{id: constructor, label: C, type: number}]}]',
    'name: x\nnode_types: [{id: toString, label: T}]',
    '!!js/function "function(){ return 1 }"',
    '!!binary AAAA',
    'a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    '['.repeat(50_000),
    '- '.repeat(10_000),
    `name: ${'x'.repeat(200_000)}`,
    '\u0000\u0001',
    '%YAML 9.9\n---\nname: x',
  ];
  for (let i = 0; i < 40; i++) {
    const id = chance(0.7)
      ? `fuzz_${int(1e6)}`
      : pick(['', '..', 'a/b', 'x'.repeat(101), '%zz', '__proto__ x']);
    add({
      label: 'upload template',
      method: 'POST',
      path: api(`/templates?id=${id}`),
      body: pick(yamlBodies),
      headers: { 'content-type': pick(['application/yaml', 'application/x-yaml', 'text/yaml']) },
    });
  }
  add({
    label: 'template as JSON',
    method: 'POST',
    path: api('/templates?id=fuzz_json'),
    body: '{"name":"x"}',
    headers: J,
  });
  add({
    label: 'template without id',
    method: 'POST',
    path: api('/templates'),
    body: 'name: x',
    headers: { 'content-type': 'application/yaml' },
  });
  for (let i = 0; i < 20; i++) {
    add({
      label: 'schema',
      method: 'GET',
      path: api(
        `/templates/${pick([enc(randomString().slice(0, 150) || 'x'), 'bad_festival', ...HOSTILE_KEYS, '%zz', 'a'.repeat(201)])}/schema`,
      ),
    });
  }

  // 6. invalid JSON and wrong content types on every JSON route
  const jsonRoutes: Array<[string, string]> = [
    ['POST', '/commands/execute'],
    ['POST', '/projects'],
    ['POST', '/sessions/cleanup'],
    ['POST', `/sessions/${sid}/undo`],
    ['POST', `/sessions/${sid}/redo`],
    ['POST', `/sessions/${emptySid}/load-graph`],
    ['POST', '/projects/import'],
    ['PATCH', `/projects/${projectId}`],
  ];
  for (const body of BAD_JSON) {
    const [method, path] = pick(jsonRoutes);
    // (a JSON `null` body on undo is not "no body": it is refused like any other non-object)
    add({ label: 'bad JSON', method, path: api(path), body, headers: J });
  }
  for (let i = 0; i < 120; i++) {
    const [method, path] = pick(jsonRoutes);
    const body = pick([
      JSON.stringify({ session_id: sid, ...invalidCommand() }),
      pick(BAD_JSON),
      'session_id=x&command_type=CreateNode',
      '<xml/>',
      'name: x',
      // never {}: an empty object is a valid undo
      JSON.stringify(own(randomObject(), 'zz_unknown', 1)),
    ]);
    add({
      label: 'content type',
      method,
      path: api(path),
      body,
      headers: { 'content-type': pick(CONTENT_TYPES) },
    });
  }
  for (let i = 0; i < 20; i++) {
    const [method, path] = pick(jsonRoutes);
    add({
      label: 'invalid UTF-8',
      method,
      path: api(path),
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
      headers: J,
    });
  }

  // 7. bodies over 1 MiB
  for (const size of [MIB + 1, 2 * MIB, 6 * MIB]) {
    const [method, path] = pick(
      jsonRoutes.filter(([, p]) => !p.includes('import') && !p.includes('load-graph')),
    );
    const padded = JSON.stringify({
      session_id: sid,
      command_type: 'UpdateProperty',
      data: { node_id: 'x', property_id: 'name', value: 'p'.repeat(size) },
    });
    add({ label: `body of ${size} bytes`, method, path: api(path), body: padded, headers: J });
  }
  add({
    label: 'huge text as YAML',
    method: 'POST',
    path: api('/commands/execute'),
    body: 'x'.repeat(MIB + 10),
    headers: { 'content-type': 'application/yaml' },
  });

  // 8. random routes and methods (always with a segment no route has)
  const METHODS = [
    'GET',
    'POST',
    'PUT',
    'PATCH',
    'DELETE',
    'OPTIONS',
    'HEAD',
    'PROPFIND',
    'SEARCH',
    'PURGE',
    'LOCK',
    'MKCOL',
    'REPORT',
    'FOO',
    'get',
    'Post',
    'BREW',
  ];
  const SEGMENTS = [
    'api',
    'v1',
    'projects',
    'sessions',
    'commands',
    'execute',
    'graph',
    'tree',
    'templates',
    'schema',
    'history',
    'events',
    'undo',
    'redo',
    'import',
    'open',
    'info',
    'save',
    'load-graph',
    'export',
    'docs',
    'static',
    'health',
    'metrics',
    'openapi.json',
    sid,
    projectId,
    emptySid,
    '..',
    '.',
    '',
  ];
  const garbageSegment = () =>
    enc(
      pick([
        randomString().slice(0, 100),
        ...HOSTILE_KEYS,
        'index.php',
        'wp-admin',
        '.env',
        '.git',
        'api;v1',
      ]) || 'zz',
    );
  for (let i = 0; i < 260; i++) {
    const segs = Array.from({ length: int(5) }, () => pick(SEGMENTS));
    segs.splice(int(segs.length + 1), 0, garbageSegment());
    const base = chance(0.8) ? ['api', 'v1'] : [];
    let path = `/${[...base, ...segs].join('/')}`;
    if (chance(0.3))
      path += `?${pick(['a=1', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', 'x=%zz', 'session_id=', `${'q'.repeat(3000)}=1`, 'a=1&a=2&a=3'])}`;
    if (path.includes('/../') || path.endsWith('/..') || path.includes('/./') || path.endsWith('/.'))
      path = `/api/v1/${garbageSegment()}`;
    const method = pick(METHODS);
    const withBody = method !== 'GET' && method !== 'HEAD' && method.toUpperCase() !== 'GET' && chance(0.6);
    add({
      label: 'random route',
      method,
      path,
      ...(withBody ? { body: chance(0.5) ? JSON.stringify(randomValue()) : pick(BAD_JSON), headers: J } : {}),
    });
  }
  return cases;
}

// ---- raw HTTP ----------------------------------------------------------------------------------------------------

/** Send raw bytes; resolve with what came back before the server closed (or after 3 s). */
function raw(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = tcpConnect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, 3000);
    sock.on('data', (b) => {
      out += b.toString('latin1');
      // one answer is enough (keep-alive connections stay open)
      const head = out.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(out);
      if (head >= 0 && len && out.length >= head + 4 + Number(len[1])) done();
    });
    sock.on('error', done);
    sock.on('close', done);
    sock.write(data, 'latin1');
  });
}

// ---- sockets -------------------------------------------------------------------------------------------------------

const GRAPH_EVENTS = [
  'node-created',
  'node-deleted',
  'node-linked',
  'node-unlinked',
  'node-moved',
  'property-changed',
  'property-deleted',
  'command:executing',
  'command:executed',
  'command:undo',
  'command:redo',
  'revision',
];

function checkAck(label: string, answer: any) {
  socketCount++;
  if (answer?.ok !== false) {
    fail(label, `ack is not a refusal: ${JSON.stringify(answer)?.slice(0, 300)}`);
    return;
  }
  const problem = envelopeProblem(answer.error);
  if (problem) fail(label, `${problem}: ${JSON.stringify(answer).slice(0, 300)}`);
  else seen(answer.error.code);
  if (STACK_RE.test(JSON.stringify(answer)))
    fail(label, `stack trace in the ack: ${JSON.stringify(answer).slice(0, 300)}`);
}

async function emitAck(socket: TestSocket, what: string, event: string, ...args: unknown[]) {
  try {
    const answer = await socket.timeout(10_000).emitWithAck(event, ...args);
    checkAck(`${what} ${event} ${label(args[0])}`, answer);
  } catch (e) {
    socketCount++;
    fail(`${what} ${event} ${label(args[0])}`, `no ack: ${(e as Error).message}`);
  }
}

function socketDisconnected(socket: TestSocket, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!socket.connected) return resolve('already');
    const t = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
    socket.once('disconnect', (reason) => {
      clearTimeout(t);
      resolve(reason);
    });
  });
}

// ---- the tests -------------------------------------------------------------------------------------------------------

describe(`fuzzing the server's inputs (seed ${SEED})`, () => {
  beforeEach(() => {
    failures.length = 0;
  });

  it('[FUZZ1] REST: malformed, hostile and invalid requests are refused with catalogue errors and change nothing', async () => {
    const t0 = Date.now();
    const cases = restCases();
    expect(cases.length).toBeGreaterThanOrEqual(1800);
    // shuffle, so that refusals of every kind interleave
    for (let i = cases.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [cases[i], cases[j]] = [cases[j]!, cases[i]!];
    }
    await runBatches(server, cases);
    console.info(
      `[FUZZ1] ${restCount} REST requests in ${Date.now() - t0} ms (seed ${SEED}); codes ${JSON.stringify(Object.fromEntries(codesSeen))}`,
    );
    expect(failures, `seed ${SEED}`).toEqual([]);
    for (const code of [
      'INVALID_REQUEST',
      'INVALID_COMMAND',
      'INVALID_SESSION',
      'PROJECT_NOT_FOUND',
      'NODE_NOT_FOUND',
      'CONFLICT',
      'PAYLOAD_TOO_LARGE',
      'NOTHING_TO_REDO',
      'TEMPLATE_NOT_FOUND',
      'INVALID_TEMPLATE',
      'HISTORY_TRUNCATED',
    ]) {
      expect(codesSeen.get(code) ?? 0, `${code} seen (seed ${SEED})`).toBeGreaterThan(0);
    }
    await expectUnchanged('the REST fuzz');
  });

  it('[FUZZ2] raw HTTP the parser refuses still gets the error envelope', async () => {
    const port = Number(new URL(server.base).port);
    const requests = [
      'FOO /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /api/v1/health HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET\r\n\r\n',
      'this is not http\r\n\r\n',
      `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`,
      'POST /api/v1/commands/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
      'POST /api/v1/commands/execute HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}',
      'POST /api/v1/commands/execute HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n',
      'GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET /api/v1/projects/${'p'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET /api/v1/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /api/v1/commands/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{"session_id":"x"}',
    ];
    for (const r of requests) {
      restCount++;
      const out = await raw(port, r);
      const label = `raw ${JSON.stringify(r.slice(0, 80))}`;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(out);
      if (!status) {
        // closing without an answer is acceptable for bytes that are not HTTP at all
        if (out.length > 0) fail(label, `odd answer ${out.slice(0, 200)}`);
        continue;
      }
      const code = Number(status[1]);
      const body = out.slice(out.indexOf('\r\n\r\n') + 4);
      if (code < 400 || code >= 500) fail(label, `status ${code}: ${out.slice(0, 300)}`);
      if (STACK_RE.test(body)) fail(label, `stack trace: ${body.slice(0, 300)}`);
      try {
        const problem = envelopeProblem(JSON.parse(body).error, code);
        if (problem) fail(label, `${problem}: ${out.slice(0, 300)}`);
      } catch {
        fail(label, `not JSON: ${out.slice(0, 300)}`);
      }
    }
    expect((await fetch(`${server.api}/health`)).status).toBe(200);
    expect(failures, `seed ${SEED}`).toEqual([]);
    await expectUnchanged('raw HTTP');
  });

  it('[FUZZ3] Socket.IO: garbage events and payloads get refusals (ack or command:failed) and change nothing', async () => {
    const t0 = Date.now();
    const member = await connect(server, { name: 'fuzz-member' });
    const joined = await ack(member, 'join_session', { session_id: sid });
    expect(joined.ok).toBe(true);
    const stranger = await connect(server, { name: 'fuzz-stranger' });
    const odd = await Promise.all(
      [
        { name: { a: 1 } },
        { name: 'n'.repeat(100_000) },
        { name: ['x'] },
        { token: 5 },
        { name: '   ' },
        own({}, '__proto__', { polluted: true }),
      ].map((auth) => connect(server, auth as Record<string, unknown>)),
    );
    const receivedBefore = member.received.length;
    const commandsSent = new Map<TestSocket, number>([
      [member, 0],
      [stranger, 0],
      ...odd.map((s) => [s, 0] as [TestSocket, number]),
    ]);
    const COMMAND_EVENTS = new Set(['execute_command', 'undo', 'redo']);
    const count = (s: TestSocket, event: string) => {
      if (COMMAND_EVENTS.has(event)) commandsSent.set(s, commandsSent.get(s)! + 1);
    };

    const garbage = () =>
      pick<unknown>([
        randomValue(),
        randomObject(),
        null,
        [],
        'x',
        1,
        true,
        nest(1000),
        Buffer.from('binary'),
        [{ session_id: sid }],
      ]);
    const invalidJoin = () =>
      pick<unknown>([
        { session_id: badSessionId() },
        { session_id: wrongType('string') },
        { session_id: sid, since_revision: wrongType('integer') },
        { session_id: sid, batched: wrongType('boolean') },
        { session_id: sid, extra: 1 },
        own({ session_id: sid }, pick(HOSTILE_KEYS.filter((k) => k !== '__proto__')), 1),
        {},
        garbage(),
      ]);
    const invalidPresence = () =>
      pick<unknown>([
        // (null is allowed: it clears the selection)
        { session_id: sid, selected_node_id: pick([1, true, [], {}, ['x']]) },
        { session_id: sid, selected_node_id: 's'.repeat(201) },
        { session_id: sid, editing_property_id: pick([0, false, [null], { a: 1 }]) },
        { session_id: sid, extra: 1 },
        { session_id: badSessionId() },
        {},
        garbage(),
      ]);

    type Emit = { socket: TestSocket; event: string; args: unknown[]; withAck: boolean };
    const emits: Emit[] = [];
    const plan = (socket: TestSocket, event: string, args: unknown[], withAck = chance(0.75)) =>
      emits.push({ socket, event, args: args.map(realize), withAck });
    for (let i = 0; i < 1100; i++) {
      const roll = int(100);
      if (roll < 45) plan(member, 'execute_command', [invalidExecute(sid)]);
      else if (roll < 52) {
        const kind = pick(['undo', 'redo'] as const);
        plan(member, kind, [{ session_id: sid, ...(invalidUndo(kind) ?? { scope: 7 }) }]);
      } else if (roll < 60) plan(member, 'join_session', [invalidJoin()]);
      else if (roll < 64)
        plan(member, 'leave_session', [
          pick([{ session_id: badSessionId() }, { session_id: sid, extra: 1 }, {}, garbage()]),
        ]);
      else if (roll < 69) plan(member, 'presence', [invalidPresence()]);
      else if (roll < 77) {
        // a stranger (never joined) may not command, undo or send presence, even validly
        const event = pick(['execute_command', 'undo', 'redo', 'presence']);
        const payload =
          event === 'execute_command' ? { session_id: sid, ...validCommand() } : { session_id: sid };
        plan(stranger, event, [payload]);
      } else if (roll < 85)
        plan(
          pick([member, stranger, ...odd]),
          pick([...COMMAND_EVENTS, 'join_session', 'leave_session', 'presence']),
          [garbage()],
        );
      else if (roll < 90) {
        // no ack: still handled; command events answer with command:failed
        plan(
          pick([member, stranger]),
          pick([...COMMAND_EVENTS]),
          [pick([garbage(), invalidExecute(sid)])],
          false,
        );
      } else if (roll < 94) {
        // several arguments, the last not a function: handled without an ack
        plan(
          member,
          pick([...COMMAND_EVENTS, 'join_session', 'presence']),
          [invalidExecute(sid), garbage(), 'third'],
          false,
        );
      } else if (roll < 97) {
        // events nobody handles
        plan(
          pick([member, stranger]),
          pick([
            'foo',
            'execute',
            'Execute_command',
            'command:executed',
            'node-created',
            'joined',
            'revision',
            ...HOSTILE_KEYS,
            randomString().slice(0, 100) || 'e',
          ]),
          [garbage()],
          false,
        );
      } else if (roll < 99)
        plan(pick([member, ...odd]), pick([...COMMAND_EVENTS, 'join_session', 'presence']), [], chance(0.7));
      else plan(member, pick([...COMMAND_EVENTS]), [invalidExecute(sid), 'second'], true);
    }

    for (let i = 0; i < emits.length; i += 100) {
      const batch = emits.slice(i, i + 100);
      const acks: Promise<void>[] = [];
      for (const e of batch) {
        count(e.socket, e.event);
        if (e.withAck) acks.push(emitAck(e.socket, 'socket', e.event, ...e.args));
        else {
          socketCount++;
          e.socket.emit(e.event, ...e.args);
        }
      }
      await Promise.all(acks);
      expect((await fetch(`${server.api}/health`)).status, `health after socket batch (seed ${SEED})`).toBe(
        200,
      );
    }
    // a ping answers after the events sent before it were taken in
    for (const s of commandsSent.keys()) expect((await ack(s, 'ping')).ok).toBe(true);

    // every refused command, undo or redo told its sender with command:failed (ack or not), no one else
    for (const [s, n] of commandsSent) {
      const failed = () => s.received.filter((e) => e.event === 'command:failed');
      const deadline = Date.now() + 10_000;
      while (failed().length < n && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      if (failed().length !== n) {
        // what was sent and what came back, by kind, to find the odd one out
        const sent: Record<string, number> = {};
        for (const e of emits.filter((x) => x.socket === s && COMMAND_EVENTS.has(x.event))) {
          const k = `${e.event}/${e.args.length} args/${e.withAck ? 'ack' : 'no ack'}`;
          sent[k] = (sent[k] ?? 0) + 1;
        }
        const got: Record<string, number> = {};
        for (const f of failed())
          got[`${f.payload.command_type}`] = (got[`${f.payload.command_type}`] ?? 0) + 1;
        fail(
          'command:failed',
          `${failed().length} for ${n} commands: sent ${JSON.stringify(sent)}, got ${JSON.stringify(got)}`,
        );
      }
      expect(failed().length, `command:failed count (seed ${SEED})`).toBe(n);
      for (const f of failed()) {
        const problem = envelopeProblem(f.payload?.error);
        if (problem) fail('command:failed', `${problem}: ${JSON.stringify(f.payload).slice(0, 300)}`);
      }
    }
    // nothing was broadcast to the room
    const broadcast = member.received.slice(receivedBefore).filter((e) => GRAPH_EVENTS.includes(e.event));
    expect(
      broadcast.map((e) => e.event),
      `seed ${SEED}`,
    ).toEqual([]);
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(member.connected && stranger.connected).toBe(true);

    // over 1 MiB in one message: the server drops that connection, and only that one
    for (const big of [
      's'.repeat(MIB + 100),
      Buffer.alloc(MIB + 100, 7),
      { session_id: sid, command_type: 'CreateNode', data: { name: 'n'.repeat(2 * MIB) } },
    ]) {
      const victim = await connect(server, { name: 'fuzz-big' });
      const gone = socketDisconnected(victim, 10_000);
      victim.emit('execute_command', big, () => fail('oversized', 'acknowledged a message over 1 MiB'));
      socketCount++;
      await gone;
      victim.close();
    }
    // an event named by a number is nobody's event: ignored
    const rude = await connect(server, { name: 'fuzz-rude' });
    (rude as unknown as { emit: (...a: unknown[]) => void }).emit(12345 as unknown as string, { a: 1 });
    socketCount++;
    expect((await ack(rude, 'ping')).ok).toBe(true);
    rude.close();

    expect(member.connected && stranger.connected, 'the others stay connected').toBe(true);
    expect((await ack(member, 'ping')).ok).toBe(true);
    for (const s of [member, stranger, ...odd]) s.close();
    console.info(`[FUZZ3] ${socketCount} socket emits in ${Date.now() - t0} ms (seed ${SEED})`);
    expect(socketCount).toBeGreaterThanOrEqual(1000);
    await expectUnchanged('the socket fuzz');
  });

  it('[FUZZ4] raw engine.io frames: protocol garbage closes that connection only', async () => {
    const { default: WebSocket } = (await import('ws')) as any;
    const url = `${server.base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const frames = [
      '42/graph,["execute_command",{',
      '42/graph,[',
      '42/graph,{}',
      '42/graph,["execute_command"]extra',
      '4',
      '9',
      '42/nope,["x"]',
      '40/graph,{"name":{"__proto__":{"polluted":true}}}',
      '42/graph,5["execute_command",{"session_id":"x"}]',
      '43/graph,1[]',
      '451-/graph,["execute_command",{"_placeholder":true,"num":99}]',
      `42/graph,["execute_command",${'['.repeat(10_000)}${']'.repeat(10_000)}]`,
      Buffer.from([0xff, 0x00, 0x01]),
      'x'.repeat(1000),
      '',
    ];
    for (const frame of frames) {
      socketCount++;
      const ws = new WebSocket(url);
      const messages: string[] = [];
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.on('error', () => {}); // the server may drop the connection: that is allowed
      ws.on('message', (m: Buffer) => messages.push(m.toString()));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('close', () => reject(new Error('closed before open')));
      });
      ws.send('40/graph,');
      const t0 = Date.now();
      while (!messages.some((m) => m.startsWith('40/graph')) && Date.now() - t0 < 5000)
        await new Promise((r) => setImmediate(r));
      expect(
        messages.some((m) => m.startsWith('40/graph')),
        'namespace connect',
      ).toBe(true);
      ws.send(frame);
      // a well-formed packet with an ack id gets a refusal, anything else may close the connection
      ws.send('42/graph,77["execute_command",{"session_id":"nope","command_type":"x"}]');
      const t1 = Date.now();
      while (
        !messages.some((m) => m.startsWith('43/graph,77')) &&
        ws.readyState === 1 &&
        Date.now() - t1 < 5000
      ) {
        await new Promise((r) => setImmediate(r));
      }
      for (const m of messages.filter((x) => x.startsWith('43/graph,'))) {
        const answer = JSON.parse(m.slice(m.indexOf('[')))[0];
        checkAck(`raw frame ${JSON.stringify(frame.toString().slice(0, 60))}`, answer);
      }
      ws.terminate();
      await closed;
      expect((await fetch(`${server.api}/health`)).status).toBe(200);
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    await expectUnchanged('raw engine.io frames');
  });

  it('[FUZZ5] templates from outside may not use Object.prototype names as type or property ids', async () => {
    const projectsBefore = (await call(server, 'GET', '/projects')).body.projects.length;
    let n = 0;
    for (const id of [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
    ]) {
      const yamls = [
        `name: R\nnode_types:\n- id: root\n  label: Root\n  properties:\n  - {id: ${JSON.stringify(id)}, label: P, type: text}\n`,
        `name: R\nnode_types:\n- id: root\n  label: Root\n  allowed_children: [${JSON.stringify(id)}]\n- id: ${JSON.stringify(id)}\n  label: T\n`,
      ];
      for (const yaml of yamls) {
        const r = await call(server, 'POST', `/templates?id=reserved_${n++}`, yaml, {
          'content-type': 'application/yaml',
        });
        expect(r.status, `${id}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.error.code).toBe('INVALID_TEMPLATE');
        expect(JSON.stringify(r.body.error.details.problems)).toContain('reserved');
      }
    }
    // a project file whose template was edited to use one
    const file = (await call(server, 'GET', `/projects/${projectId}/export`)).body;
    file.project.template.node_types[0].properties.push({ id: 'constructor', label: 'C', type: 'number' });
    const imported = await call(server, 'POST', '/projects/import', file);
    expect(imported.status, JSON.stringify(imported.body)).toBe(400);
    expect(imported.body.error.code).toBe('INVALID_TEMPLATE');

    const listed = (await call(server, 'GET', '/templates')).body.templates.map((t: { id: string }) => t.id);
    expect(listed.filter((t: string) => t.startsWith('reserved_') || t.startsWith('fuzz_'))).toEqual([]);
    expect((await call(server, 'GET', '/projects')).body.projects.length).toBe(projectsBefore);
    await expectUnchanged('reserved ids');
  });

  it('[FUZZ6] after all that, valid commands, undo and joins still work', async () => {
    console.info(`[FUZZ] ${restCount} REST + ${socketCount} socket inputs in all (seed ${SEED})`);
    const revision = snapshot.project.revision as number;
    const stage = nodes.find((n) => n.type === 'stage')!.id;

    const socket = await connect(server, { name: 'after-fuzz' });
    const joined = await ack(socket, 'join_session', { session_id: sid, since_revision: revision });
    expect(joined).toMatchObject({ ok: true, revision });
    const viaSocket = await ack(socket, 'execute_command', {
      session_id: sid,
      command_type: 'UpdateProperty',
      data: { node_id: stage, property_id: 'capacity', value: 4242 },
    });
    expect(viaSocket).toMatchObject({ ok: true, revision: revision + 1 });
    const viaRest = await call(server, 'POST', '/commands/execute', {
      session_id: sid,
      command_type: 'CreateNode',
      data: { parent_id: stage, blueprint_type_id: 'task', name: 'After the storm' },
    });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.revision).toBe(revision + 2);
    const undo = await call(server, 'POST', `/sessions/${sid}/undo`);
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    expect(undo.body).toMatchObject({ revision: revision + 3, undone_command_id: viaRest.body.command_id });
    const graph = await call(server, 'GET', `/sessions/${sid}/graph`);
    expect(graph.body.revision).toBe(revision + 3);
    await waitFor(socket, 'command:undo', (p) => p.revision === revision + 3);
    const executed = socket.received
      .filter((e) => e.event === 'command:executed' || e.event === 'command:undo')
      .map((e) => e.payload.revision);
    expect(executed).toEqual([revision + 1, revision + 2, revision + 3]);
    socket.close();
  });
});
