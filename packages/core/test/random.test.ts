/**
 * Seeded randomized test of the command pipeline (docs/spec/invariants.md). Thousands of random commands,
 * valid and invalid, undo and redo by three actors, re-sent ids; after every step the graph invariants are
 * checked. Reproduce a failure with the seed it prints: `TALUS_SEED=<seed> npx vitest run <this file>`
 * (`TALUS_STEPS` changes the number of steps).
 */
import { describe, expect, it } from 'vitest';
import {
  entryEvents,
  type GraphEvent,
  type HistoryEntry,
  isCalendarDate,
  isCurrency,
  type Json,
  MAX_TEXT_LENGTH,
  type NodeRecord,
  Project,
  type PropertyDef,
  type RevisionResult,
  TalusError,
  type Template,
} from '../src/index.js';
import { buildTemplate, snapshot } from './factories.js';
import { mulberry32 } from './prng.js';

const SEED = Number(process.env.TALUS_SEED ?? 20260214) >>> 0;
const STEPS = Number(process.env.TALUS_STEPS ?? 10_000);
/** Above this many nodes no new node is created (undo and redo may still bring some back). */
const NODE_CAP = 300;
const ACTORS = ['alice', 'bob', 'carol'] as const;

// ---------------------------------------------------------------------------------------------------------
// Deterministic randomness

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[this.int(xs.length)]!;
  }
  uuid(): string {
    let hex = '';
    for (let i = 0; i < 32; i++) hex += this.int(16).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Snapshots and invariants

/** Byte-for-byte state of the graph, `updated_at` included: what a refused command must leave untouched. */
function fullSnapshot(p: Project): string {
  return JSON.stringify({ size: p.graph.size, roots: p.graph.roots, nodes: [...p.graph.walk()] });
}

/** Where two snapshots part, for the failure message. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: …${a.slice(Math.max(0, i - 160), i + 80)}… became …${b.slice(Math.max(0, i - 160), i + 80)}…`;
}

/**
 * The graph as undo must restore it: `snapshot` with property keys sorted. Undo restores every value, but a
 * value that was cleared and comes back is a new key of the properties object, so JSON key order may differ.
 */
function canonicalSnapshot(p: Project): string {
  return JSON.stringify(
    [...p.graph.walk()].map(({ updated_at: _u, properties, ...rest }) => ({
      ...rest,
      properties: Object.fromEntries(
        Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ),
    })),
  );
}

class InvariantError extends Error {}
/** Throws `[rule] message` unless `cond`; the message is built only on failure. */
function check(cond: unknown, rule: string, message: () => string): asserts cond {
  if (!cond) throw new InvariantError(`[${rule}] ${message()}`);
}

/** Whether `value` is a valid stored value of `prop` in `p` (the rules of normalizeValue, stored form). */
function validStored(p: Project, prop: PropertyDef, value: Json): string | null {
  switch (prop.type) {
    case 'text':
    case 'editor':
      return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH
        ? null
        : 'not a string within the limit';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'not a finite number';
    case 'currency':
      return isCurrency(value) ? null : 'not a number with at most 2 decimals';
    case 'checkbox':
      return typeof value === 'boolean' ? null : 'not a boolean';
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? null : 'not a real calendar date';
    case 'select':
      return (prop.options ?? []).some((o) => o.uuid === value) ? null : 'not an option uuid';
    case 'node_reference': {
      const target = prop.target_type
        ? (p.template.typeByRef.get(prop.target_type)?.id ?? prop.target_type)
        : null;
      const ids = Array.isArray(value) ? value : [value];
      if (new Set(ids).size !== ids.length) return 'lists a node twice';
      for (const id of ids) {
        if (typeof id !== 'string') return 'a reference that is not a string';
        const node = p.graph.get(id);
        if (!node) return `a dangling reference to ${id}`;
        if (target !== null && node.blueprint_type_id !== target)
          return `a reference to a ${node.blueprint_type_id}`;
      }
      return null;
    }
    default:
      return null;
  }
}

/** Every invariant of docs/spec/invariants.md that holds after each step. O(nodes × properties). */
function checkInvariants(p: Project): void {
  const g = p.graph;
  const t = p.template;
  // INV1: parent and children agree, each child listed once
  const listed = new Map<string, number>();
  for (const [id, n] of g.nodes) {
    check(n.id === id, 'INV1', () => `node keyed ${id} has id ${n.id}`);
    for (const c of n.children) {
      const child = g.get(c);
      check(child, 'INV1', () => `node ${id} lists a missing child ${c}`);
      check(child.parent_id === id, 'INV1', () => `child ${c} of ${id} has parent_id ${child.parent_id}`);
      listed.set(c, (listed.get(c) ?? 0) + 1);
    }
  }
  for (const [id, n] of g.nodes) {
    if (n.parent_id === null) continue;
    check(g.get(n.parent_id), 'INV1', () => `node ${id} has a missing parent ${n.parent_id}`);
    check(
      listed.get(id) === 1,
      'INV1',
      () => `node ${id} is listed ${listed.get(id) ?? 0} times by its parent`,
    );
  }
  // INV2: roots are exactly the parentless nodes, once each
  check(new Set(g.roots).size === g.roots.length, 'INV2', () => 'a root is listed twice');
  let parentless = 0;
  for (const n of g.nodes.values()) if (n.parent_id === null) parentless++;
  check(
    parentless === g.roots.length,
    'INV2',
    () => `${parentless} parentless nodes but ${g.roots.length} roots`,
  );
  for (const r of g.roots)
    check(g.get(r)?.parent_id === null, 'INV2', () => `root ${r} is missing or has a parent`);
  // INV3: no cycles: every node is reached exactly once from the roots
  const seen = new Set<string>();
  const stack = [...g.roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    check(!seen.has(id), 'INV3', () => `node ${id} is reached twice`);
    seen.add(id);
    stack.push(...g.get(id)!.children);
  }
  check(
    seen.size === g.size,
    'INV3',
    () => `${g.size - seen.size} nodes are not reachable from the roots (a cycle)`,
  );
  // INV4 to INV6: types, placements, values, names
  const scanned = new Set<string>();
  for (const n of g.nodes.values()) {
    const type = t.typeByRef.get(n.blueprint_type_id);
    check(
      type && type.id === n.blueprint_type_id,
      'INV4',
      () => `node ${n.id} has type "${n.blueprint_type_id}"`,
    );
    if (n.parent_id !== null && n.metadata.orphaned !== true) {
      const parentType = g.get(n.parent_id)!.blueprint_type_id;
      check(
        t.typeByRef.get(parentType)!.allowed_children.includes(type.id),
        'INV4',
        () => `a ${type.id} (${n.id}) under a ${parentType}`,
      );
    }
    const props = t.propertyByRef.get(type.id)!;
    for (const [key, value] of Object.entries(n.properties)) {
      const prop = props.get(key);
      check(
        prop && prop.id === key,
        'INV5',
        () => `node ${n.id} has a value for "${key}", not a property id of its type`,
      );
      const why = validStored(p, prop, value);
      check(why === null, 'INV5', () => `node ${n.id} ${key} = ${JSON.stringify(value)}: ${why}`);
      if (prop.type === 'node_reference' && value !== null) {
        for (const target of Array.isArray(value) ? value : [value]) scanned.add(`${target}|${n.id}|${key}`);
      }
    }
    check(typeof n.name === 'string' && n.name.length > 0, 'INV6', () => `node ${n.id} has an empty name`);
    if (props.has('name')) {
      check(n.properties.name === n.name, 'INV6', () => `node ${n.id}: name "${n.name}" ≠ properties.name`);
    }
  }
  // INV7: the reference index equals a full scan of the reference values
  const indexed = new Set<string>();
  for (const id of g.nodes.keys())
    for (const [source, prop] of g.referencesTo(id)) indexed.add(`${id}|${source}|${prop}`);
  const raw = (g as unknown as { refs?: Map<string, Map<string, Set<string>>> }).refs;
  if (raw instanceof Map) {
    for (const [target, bySource] of raw) {
      check(bySource.size > 0, 'INV7', () => `an empty index entry for ${target}`);
      for (const [source, set] of bySource)
        for (const prop of set) indexed.add(`${target}|${source}|${prop}`);
    }
  }
  for (const k of scanned)
    check(indexed.has(k), 'INV7', () => `reference ${k} (target|source|property) is not indexed`);
  for (const k of indexed)
    check(scanned.has(k), 'INV7', () => `index entry ${k} (target|source|property) is stale`);
  // INV8: the revision is the last entry's
  const last = p.history.at(-1);
  if (last)
    check(
      last.revision === p.revision,
      'INV8',
      () => `revision ${p.revision} but last entry ${last.revision}`,
    );
}

// ---------------------------------------------------------------------------------------------------------
// The initial project: built with commands on a scratch project, then restored without history

function initialProject(rng: Rng, template: Template): Project {
  const at = '2026-02-01T00:00:00.000Z';
  const info = { id: 'random-project', name: 'Shop', template, created_at: at, updated_at: at };
  const scratch = Project.create(info);
  let n = 0;
  const c = () => ({ actor: { id: 'setup', name: 'setup' }, now: at, command_id: `setup-${++n}` });
  const make = (parent: string | null, type: string, extra: Record<string, unknown> = {}) =>
    scratch.execute(
      'CreateNode',
      { parent_id: parent, blueprint_type_id: type, node_id: rng.uuid(), ...extra },
      c(),
    ).entry.node_id!;
  const root = scratch.graph.roots[0]!;
  const crews = [make(root, 'crew', { name: 'Day crew' }), make(root, 'crew', { name: 'Night crew' })];
  const people: string[] = [];
  for (let i = 0; i < 6; i++) {
    people.push(make(crews[i % 2]!, 'person', { name: `Person ${i}`, properties: { rate: 20 + i + 0.5 } }));
  }
  const benches: string[] = [];
  for (let i = 0; i < 3; i++)
    benches.push(make(root, 'bench', { properties: { owner: people[i]!, width: i * 1.5 } }));
  benches.push(make(benches[0]!, 'bench', { name: 'Sub-bench' }));
  for (let i = 0; i < 10; i++) {
    make(benches[i % benches.length]!, 'job', {
      name: `Job ${i}`,
      properties: {
        cost: i * 10.25,
        due: `2026-03-${String(i + 1).padStart(2, '0')}`,
        done: i % 3 === 0,
        status: 'Doing',
        code: `J-${i}`,
        helpers: [people[i % 6]!, people[(i + 1) % 6]!],
      },
    });
  }
  make(null, 'person', { name: 'Free agent' });
  make(null, 'job', { name: 'Loose job' });
  const nodes = [...scratch.graph.walk()].map((node) => structuredClone(node));
  return Project.restore(info, nodes, [...scratch.graph.roots], 0, []);
}

// ---------------------------------------------------------------------------------------------------------
// Random actions

type Expect = 'ok' | 'fail' | TalusError['code'] | undefined;
interface Action {
  /** What the action is, for the failure message (built only then). */
  label: () => string;
  kind: 'command' | 'undo' | 'redo' | 'resend';
  /** What the rules say must happen, when the generator knows it for sure. */
  expect: Expect;
  run: () => RevisionResult;
}
interface Generated {
  type: string;
  data: Record<string, unknown>;
  expect: Expect;
}
interface Sent {
  kind: 'command' | 'undo' | 'redo';
  type: string;
  data: unknown;
  command_id: string;
  actor: string;
  revision: number;
}

const INVALID_TEXT = 'x'.repeat(MAX_TEXT_LENGTH + 1);

class Runner {
  readonly p: Project;
  readonly initial: string;
  readonly initialNodes: NodeRecord[];
  readonly initialRoots: string[];
  private clock = Date.parse('2026-02-01T00:00:00.000Z');
  private ids = 0;
  /** Ids of nodes that existed once (deleted ones too): stale references for refused commands. */
  private readonly ghosts: string[] = [];
  private readonly sent: Sent[] = [];
  private readonly refusedIds = new Set<string>();
  readonly stats = new Map<string, number>();
  readonly sizes = { min: Number.POSITIVE_INFINITY, max: 0, total: 0, steps: 0 };
  step = 0;
  /** `fullSnapshot` of the graph after the last step: the state the next step starts from. */
  private current: string;
  /** Session-scope undos refused with CONFLICT (see INV11). */
  sessionUndoConflicts = 0;

  constructor(
    readonly rng: Rng,
    readonly seed: number,
    readonly onEntry: (e: HistoryEntry) => void = () => {},
  ) {
    this.p = initialProject(rng, buildTemplate());
    this.initial = canonicalSnapshot(this.p);
    this.initialNodes = [...this.p.graph.walk()].map((n) => structuredClone(n));
    this.initialRoots = [...this.p.graph.roots];
    this.current = fullSnapshot(this.p);
    checkInvariants(this.p);
  }

  ctx(actor: string, command_id = `s${this.seed}-${++this.ids}`) {
    this.clock += 500;
    return { actor: { id: actor, name: actor }, now: new Date(this.clock).toISOString(), command_id };
  }

  private nodeIds(): string[] {
    return [...this.p.graph.nodes.keys()];
  }

  /** An existing node most of the time, else a node id that does not exist (now). */
  private anyId(pBogus = 0.05): { id: string; exists: boolean } {
    if (this.rng.chance(pBogus) || this.p.graph.size === 0) {
      const id =
        this.ghosts.length > 0 && this.rng.chance(0.5) ? this.rng.pick(this.ghosts) : this.rng.uuid();
      return { id, exists: this.p.graph.get(id) !== undefined };
    }
    return { id: this.rng.pick(this.nodeIds()), exists: true };
  }

  private ofType(typeId: string): string[] {
    return [...this.p.graph.nodes.values()].filter((n) => n.blueprint_type_id === typeId).map((n) => n.id);
  }

  private inSubtree(rootId: string): string[] {
    return this.p.graph.subtreeIds(rootId);
  }

  private typeRef(typeId: string): string {
    const type = this.p.template.typeByRef.get(typeId)!;
    return this.rng.chance(0.2) ? type.uuid : type.id;
  }

  /** A value for `prop`: valid (stored as the rules say) or not. `null` clears. */
  private value(prop: PropertyDef): { value: unknown; valid: boolean; code?: TalusError['code'] } {
    const r = this.rng;
    const bad = r.chance(0.2);
    switch (prop.type) {
      case 'text':
      case 'editor':
        if (bad) return { value: r.pick<unknown>([42, true, INVALID_TEXT, ['a'], { a: 1 }]), valid: false };
        return {
          value: prop.id === 'name' ? `N${r.int(1000)}` : r.pick(['', 'note', `t${r.int(1e6)}`]),
          valid: true,
        };
      case 'number':
        if (bad)
          return {
            value: r.pick<unknown>(['12', Number.NaN, Number.POSITIVE_INFINITY, true, [1]]),
            valid: false,
          };
        return { value: r.pick([0, -3, 1.5, r.float() * 1000, r.int(100)]), valid: true };
      case 'currency':
        if (bad) return { value: r.pick<unknown>([1.234, '3.00', Number.NaN, 0.001, false]), valid: false };
        return { value: r.pick([0, 12, 3.5, 4.25, -1.1, r.int(100000) / 100]), valid: true };
      case 'checkbox':
        if (bad) return { value: r.pick<unknown>(['true', 1, 0, 'yes']), valid: false };
        return { value: r.chance(0.5), valid: true };
      case 'date':
        if (bad) {
          return {
            value: r.pick<unknown>([
              '2026-02-30',
              '2023-02-29',
              '2026-1-01',
              '2026-01-01T00:00:00Z',
              20260101,
              '',
            ]),
            valid: false,
          };
        }
        return {
          value: r.pick(['2024-02-29', '2026-12-31', `2026-0${1 + r.int(9)}-1${r.int(10)}`]),
          valid: true,
        };
      case 'select': {
        const options = prop.options ?? [];
        if (bad || options.length === 0)
          return { value: r.pick<unknown>(['Someday', 3, '', true]), valid: false };
        const o = r.pick(options);
        return { value: r.chance(0.5) ? o.name : o.uuid, valid: true };
      }
      case 'node_reference': {
        const targetType = prop.target_type ?? 'person';
        const targets = this.ofType(targetType);
        const others = this.nodeIds().filter((id) => this.p.graph.get(id)!.blueprint_type_id !== targetType);
        if (bad || targets.length === 0) {
          const choice = r.int(5);
          if (choice === 0 && others.length > 0) return { value: r.pick(others), valid: false };
          if (choice === 1) return { value: this.rng.uuid(), valid: false, code: 'NODE_NOT_FOUND' };
          if (choice === 2 && targets.length > 0) {
            const t = r.pick(targets);
            return { value: [t, t], valid: false };
          }
          if (choice === 3 && others.length > 0 && targets.length > 0) {
            return { value: [r.pick(targets), r.pick(others)], valid: false };
          }
          return { value: r.pick<unknown>([42, '', { id: 'x' }, [7]]), valid: false };
        }
        if (r.chance(0.5)) return { value: r.pick(targets), valid: true };
        const list = [...new Set(Array.from({ length: r.int(4) }, () => r.pick(targets)))];
        return { value: list, valid: true };
      }
      default:
        return { value: { any: r.int(10) }, valid: true };
    }
  }

  private propertyRef(prop: PropertyDef): string {
    return this.rng.chance(0.25) ? prop.uuid : prop.id;
  }

  // --- simple commands -----------------------------------------------------------------------------------

  private createNode(): Generated {
    const r = this.rng;
    const t = this.p.template;
    let expect: Expect = 'ok';
    let parentId: string | null = null;
    let allowed = t.node_types.map((x) => x.id);
    if (!r.chance(0.15)) {
      const parent = this.anyId(0.05);
      parentId = parent.id;
      if (!parent.exists) expect = 'NODE_NOT_FOUND';
      else allowed = t.typeByRef.get(this.p.graph.get(parent.id)!.blueprint_type_id)!.allowed_children;
    }
    let typeId: string;
    let typeRef: string;
    if (r.chance(0.05)) {
      typeId = 'dragon';
      typeRef = 'dragon';
      expect = 'INVALID_COMMAND';
    } else if (allowed.length > 0 && r.chance(0.8)) {
      typeId = r.pick(allowed);
      typeRef = this.typeRef(typeId);
    } else {
      typeId = r.pick(t.node_types).id;
      typeRef = this.typeRef(typeId);
      if (!allowed.includes(typeId) && expect === 'ok') expect = 'INVALID_COMMAND';
    }
    const data: Record<string, unknown> = { parent_id: parentId, blueprint_type_id: typeRef };
    if (r.chance(0.3)) data.name = r.chance(0.05) ? '' : `Node ${r.int(10000)}`;
    if (data.name === '') expect = 'INVALID_COMMAND';
    if (r.chance(0.3)) data.index = r.int(6);
    const nid = r.float();
    if (nid < 0.7) data.node_id = r.uuid();
    else if (nid < 0.75) {
      const taken = this.anyId(0);
      data.node_id = taken.id;
      if (expect === 'ok' && taken.exists) expect = 'CONFLICT';
    } else if (nid < 0.78) {
      data.node_id = 'not-a-uuid';
      if (expect === 'ok') expect = 'INVALID_COMMAND';
    }
    const type = t.typeByRef.get(typeId);
    if (type && r.chance(0.5)) {
      const properties: Record<string, unknown> = {};
      const used = new Set<string>();
      for (let i = r.int(3) + 1; i > 0; i--) {
        const prop = r.pick(type.properties);
        if (used.has(prop.id)) continue;
        used.add(prop.id);
        const v = r.chance(0.1) ? { value: null, valid: true } : this.value(prop);
        if (prop.id === 'name' && v.value === '' && data.name === undefined) v.valid = false;
        properties[this.propertyRef(prop)] = v.value;
        if (!v.valid) expect = expect === 'ok' ? (v.code ?? 'fail') : expect === v.code ? expect : 'fail';
      }
      if (r.chance(0.05)) {
        properties.mood = 1;
        expect = expect === 'ok' || expect === 'INVALID_COMMAND' ? 'INVALID_COMMAND' : 'fail';
      }
      data.properties = properties;
    }
    return { type: 'CreateNode', data, expect };
  }

  private deleteNode(): Generated {
    // prefer small subtrees so that the graph keeps a useful size
    const target = this.anyId(0.05);
    const big = Math.max(10, this.p.graph.size / 5);
    if (target.exists && this.inSubtree(target.id).length > big && this.rng.chance(0.95))
      return this.updateProperty();
    return {
      type: 'DeleteNode',
      data: { node_id: target.id },
      expect: target.exists ? 'ok' : 'NODE_NOT_FOUND',
    };
  }

  private updateProperty(deleting = false): Generated {
    const r = this.rng;
    const target = this.anyId(0.04);
    const type = target.exists
      ? this.p.template.typeByRef.get(this.p.graph.get(target.id)!.blueprint_type_id)!
      : null;
    const command = deleting ? 'DeleteProperty' : 'UpdateProperty';
    if (!type || r.chance(0.04)) {
      const data: Record<string, unknown> = { node_id: target.id, property_id: 'mood' };
      if (!deleting) data.value = 1;
      return { type: command, data, expect: target.exists ? 'INVALID_COMMAND' : 'NODE_NOT_FOUND' };
    }
    const prop = r.pick(type.properties);
    const data: Record<string, unknown> = { node_id: target.id, property_id: this.propertyRef(prop) };
    if (deleting || r.chance(0.12)) {
      if (!deleting) data.value = null;
      return { type: command, data, expect: prop.required || prop.id === 'name' ? 'INVALID_COMMAND' : 'ok' };
    }
    const v = this.value(prop);
    if (prop.id === 'name' && v.value === '') v.valid = false;
    data.value = v.value;
    if (r.chance(0.05)) data.old_value = 'ignored';
    return { type: command, data, expect: v.valid ? 'ok' : (v.code ?? 'fail') };
  }

  /** A destination for `nodeId`: sometimes inside its own subtree (a cycle attempt). */
  private destination(nodeId: string, exists: boolean): { parent: string; exists: boolean; cycle: boolean } {
    if (exists && this.rng.chance(0.2)) {
      return { parent: this.rng.pick(this.inSubtree(nodeId)), exists: true, cycle: true };
    }
    let d = this.anyId(0.04);
    if (exists && this.rng.chance(0.6)) {
      const type = this.p.graph.get(nodeId)!.blueprint_type_id;
      const fits = [...this.p.graph.nodes.values()].filter((n) =>
        this.p.template.typeByRef.get(n.blueprint_type_id)!.allowed_children.includes(type),
      );
      if (fits.length > 0) d = { id: this.rng.pick(fits).id, exists: true };
    }
    return {
      parent: d.id,
      exists: d.exists,
      cycle: exists && d.exists && this.p.graph.isSelfOrAncestor(nodeId, d.id),
    };
  }

  private placementExpect(
    nodeId: string,
    node: { exists: boolean },
    dest: ReturnType<Runner['destination']>,
  ): Expect {
    if (!node.exists || !dest.exists) return 'NODE_NOT_FOUND';
    if (dest.cycle) return 'INVALID_COMMAND';
    const g = this.p.graph;
    const childType = g.get(nodeId)!.blueprint_type_id;
    const parentType = this.p.template.typeByRef.get(g.get(dest.parent)!.blueprint_type_id)!;
    return parentType.allowed_children.includes(childType) ? 'ok' : 'INVALID_COMMAND';
  }

  private linkNode(): Generated {
    const child = this.anyId(0.04);
    const dest = this.destination(child.id, child.exists);
    const data: Record<string, unknown> = { parent_id: dest.parent, child_id: child.id };
    if (this.rng.chance(0.5)) data.index = this.rng.int(6);
    return { type: 'LinkNode', data, expect: this.placementExpect(child.id, child, dest) };
  }

  private unlinkNode(): Generated {
    const child = this.anyId(0.04);
    const node = this.p.graph.get(child.id);
    if (node && node.parent_id !== null && this.rng.chance(0.75)) {
      return { type: 'UnlinkNode', data: { parent_id: node.parent_id, child_id: child.id }, expect: 'ok' };
    }
    const parent = this.anyId(0.04);
    const expect: Expect =
      !child.exists || !parent.exists
        ? 'NODE_NOT_FOUND'
        : node?.parent_id === parent.id
          ? 'ok'
          : 'INVALID_COMMAND';
    return { type: 'UnlinkNode', data: { parent_id: parent.id, child_id: child.id }, expect };
  }

  private moveNode(): Generated {
    const node = this.anyId(0.04);
    const index = this.rng.int(6);
    if (this.rng.chance(0.2)) {
      return {
        type: 'MoveNode',
        data: { node_id: node.id, parent_id: null, index },
        expect: node.exists ? 'ok' : 'NODE_NOT_FOUND',
      };
    }
    const dest = this.destination(node.id, node.exists);
    return {
      type: 'MoveNode',
      data: { node_id: node.id, parent_id: dest.parent, index },
      expect: this.placementExpect(node.id, node, dest),
    };
  }

  private simple(): Generated {
    const x = this.rng.float();
    const size = this.p.graph.size;
    if (x < 0.25 || (size < 100 && x < 0.35)) return size >= NODE_CAP ? this.deleteNode() : this.createNode();
    if (x < 0.31) return this.deleteNode();
    if (x < 0.55) return this.updateProperty();
    if (x < 0.62) return this.updateProperty(true);
    if (x < 0.74) return this.linkNode();
    if (x < 0.8) return this.unlinkNode();
    return this.moveNode();
  }

  private garbage(): Generated {
    const r = this.rng;
    switch (r.int(5)) {
      case 0:
        return { type: 'Dragon', data: {}, expect: 'INVALID_COMMAND' };
      case 1:
        return {
          type: 'DeleteNode',
          data: null as unknown as Record<string, unknown>,
          expect: 'INVALID_COMMAND',
        };
      case 2:
        return {
          type: 'DeleteNode',
          data: { node_id: this.anyId(0).id, colour: 'red' },
          expect: 'INVALID_COMMAND',
        };
      case 3:
        return {
          type: 'MoveNode',
          data: { node_id: this.anyId(0).id, parent_id: null },
          expect: 'INVALID_COMMAND',
        };
      default:
        return { type: 'Batch', data: { commands: [] }, expect: 'INVALID_COMMAND' };
    }
  }

  private batch(): Generated {
    const r = this.rng;
    const commands: Array<{ command_type: string; data: unknown }> = [];
    let expect: Expect;
    for (let i = r.int(4) + 1; i > 0; i--) {
      const g = this.simple();
      commands.push({ command_type: g.type, data: g.data });
    }
    if (r.chance(0.1)) {
      const at = r.int(commands.length + 1);
      const bad = r.chance(0.5)
        ? {
            command_type: 'Batch',
            data: { commands: [{ command_type: 'DeleteNode', data: { node_id: 'x' } }] },
          }
        : { command_type: 'Dragon', data: {} };
      commands.splice(at, 0, bad);
      expect = 'INVALID_COMMAND';
    }
    return { type: 'Batch', data: { commands }, expect };
  }

  // --- actions ---------------------------------------------------------------------------------------------

  next(): Action {
    const r = this.rng;
    const actor = r.pick(ACTORS);
    const x = r.float();
    if (x < 0.1) {
      const scope = r.chance(0.5) ? 'session' : 'mine';
      return this.undoRedo('undo', scope, actor);
    }
    if (x < 0.17) {
      const scope = r.chance(0.5) ? 'session' : 'mine';
      return this.undoRedo('redo', scope, actor);
    }
    if (x < 0.2 && this.sent.length > 0) return this.resend();
    const g = x < 0.28 ? this.batch() : x < 0.3 ? this.garbage() : this.simple();
    let command_id: string | undefined;
    if (this.refusedIds.size > 0 && r.chance(0.03)) command_id = r.pick([...this.refusedIds]);
    const c = this.ctx(actor, command_id);
    let expect = g.expect;
    const opts: { expected_revision?: number } = {};
    const rev = r.float();
    if (rev < 0.05) opts.expected_revision = this.p.revision;
    else if (rev < 0.08) {
      opts.expected_revision = this.p.revision - 1 - r.int(3);
      expect = 'CONFLICT';
    }
    const label = () =>
      `${actor} ${g.type} ${JSON.stringify(g.data)}${opts.expected_revision === undefined ? '' : ` expected_revision=${opts.expected_revision}`} (${c.command_id})`;
    return {
      label,
      kind: 'command',
      expect,
      run: () => {
        try {
          const res = this.p.execute(g.type, g.data, c, opts);
          this.refusedIds.delete(c.command_id);
          this.remember({
            kind: 'command',
            type: g.type,
            data: structuredClone(g.data),
            command_id: c.command_id,
            actor,
            revision: res.entry.revision,
          });
          return res;
        } catch (e) {
          this.refusedIds.add(c.command_id);
          throw e;
        }
      },
    };
  }

  undoRedo(kind: 'undo' | 'redo', scope: 'session' | 'mine', actor: string): Action {
    const c = this.ctx(actor);
    return {
      label: () => `${actor} ${kind} scope=${scope} (${c.command_id})`,
      kind,
      expect: undefined,
      run: () => {
        try {
          const res = kind === 'undo' ? this.p.undo(scope, c) : this.p.redo(scope, c);
          const type = kind === 'undo' ? 'Undo' : 'Redo';
          this.remember({
            kind,
            type,
            data: { scope },
            command_id: c.command_id,
            actor,
            revision: res.entry.revision,
          });
          return res;
        } catch (e) {
          if (kind === 'undo' && scope === 'session' && e instanceof TalusError && e.code === 'CONFLICT') {
            this.sessionUndoConflicts++;
          }
          throw e;
        }
      },
    };
  }

  /** A command, undo or redo sent again with an id already applied: the same payload replays, another is CONFLICT. */
  private resend(): Action {
    const s = this.rng.pick(this.sent);
    const same = this.rng.chance(0.7);
    const c = this.ctx(s.actor, s.command_id);
    let data = s.data;
    if (!same) {
      data =
        s.kind === 'command'
          ? { ...(s.data as object), extra_field: 1 }
          : { scope: (s.data as { scope: string }).scope === 'session' ? 'mine' : 'session' };
    }
    const label = () =>
      `${s.actor} re-sends ${s.type} ${JSON.stringify(data)} (${s.command_id}, first at revision ${s.revision})`;
    return {
      label,
      kind: 'resend',
      expect: same ? 'ok' : 'CONFLICT',
      run: () => {
        let res: RevisionResult;
        if (s.kind === 'command') res = this.p.execute(s.type, data, c);
        else {
          const scope = (data as { scope: 'session' | 'mine' }).scope;
          res = s.kind === 'undo' ? this.p.undo(scope, c) : this.p.redo(scope, c);
        }
        check(res.replayed, 'INV9', () => `a re-sent id was applied again: ${label()}`);
        check(
          res.entry.revision === s.revision,
          'INV9',
          () => `a replay answered revision ${res.entry.revision}`,
        );
        return res;
      },
    };
  }

  private remember(s: Sent): void {
    this.sent.push(s);
  }

  private count(key: string): void {
    this.stats.set(key, (this.stats.get(key) ?? 0) + 1);
  }

  /** Run one action and check INV8–INV10 on its outcome, then every graph invariant. */
  perform(action: Action): RevisionResult | TalusError {
    const p = this.p;
    const before = this.current;
    const revision = p.revision;
    const entries = p.history.length;
    const existing = this.nodeIds();
    let result: RevisionResult | undefined;
    let error: unknown;
    try {
      result = action.run();
    } catch (e) {
      error = e;
    }
    if (error !== undefined) {
      if (!(error instanceof TalusError)) throw error;
      this.count(`${action.kind} refused ${error.code}`);
      check(p.revision === revision, 'INV8', () => `a refused request (${error.code}) moved the revision`);
      check(p.history.length === entries, 'INV8', () => 'a refused request added a history entry');
      const after = fullSnapshot(p);
      this.current = after;
      check(
        after === before,
        'INV8',
        () =>
          `a refused request (${error.code}: ${error.message}) changed the graph: ${firstDifference(before, after)}`,
      );
      check(
        action.expect !== 'ok',
        'INV10',
        () => `refused with ${error.code} (${error.message}) but the rules accept it`,
      );
      if (action.expect !== undefined && action.expect !== 'fail') {
        check(
          error.code === action.expect,
          'INV10',
          () => `refused with ${error.code} (${error.message}), expected ${action.expect}`,
        );
      }
    } else {
      const res = result!;
      if (res.replayed) {
        this.count(`${action.kind} replayed`);
        check(
          p.revision === revision && p.history.length === entries,
          'INV9',
          () => 'a replay moved the revision',
        );
        this.current = fullSnapshot(p);
        check(this.current === before, 'INV9', () => 'a replay changed the graph');
        check(action.kind === 'resend', 'INV9', () => 'a fresh command id was answered as a replay');
      } else {
        this.count(`${action.kind} applied`);
        this.current = fullSnapshot(p);
        check(
          p.revision === revision + 1,
          'INV8',
          () => `an applied request moved the revision by ${p.revision - revision}`,
        );
        check(
          p.history.length === entries + 1 && p.history.at(-1) === res.entry,
          'INV8',
          () => 'no single new entry',
        );
        check(res.entry.revision === p.revision, 'INV8', () => 'the entry does not carry the new revision');
        check(
          action.expect === undefined || action.expect === 'ok',
          'INV10',
          () => `accepted, but the rules refuse it (${action.expect})`,
        );
        this.onEntry(res.entry);
      }
    }
    for (const id of existing) if (!p.graph.get(id)) this.ghosts.push(id);
    this.sizes.min = Math.min(this.sizes.min, p.graph.size);
    this.sizes.max = Math.max(this.sizes.max, p.graph.size);
    this.sizes.total += p.graph.size;
    this.sizes.steps++;
    if (this.ghosts.length > 500) this.ghosts.splice(0, this.ghosts.length - 500);
    checkInvariants(p);
    return error instanceof TalusError ? error : result!;
  }

  /** Run `steps` random actions; on failure, the error names the seed, the step and the action. */
  run(steps: number): void {
    for (this.step = 1; this.step <= steps; this.step++) {
      const action = this.next();
      this.guard(action.label, () => this.perform(action));
    }
  }

  guard<T>(label: string | (() => string), fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const what = typeof label === 'string' ? label : label();
      const err = new Error(
        `seed ${this.seed} (TALUS_SEED=${this.seed}), step ${this.step}: ${what}\n${message}`,
      );
      if (e instanceof Error && e.stack) err.stack = `${err.message}\n${e.stack}`;
      console.error(`random.test failed with seed ${this.seed}; reproduce with TALUS_SEED=${this.seed}`);
      throw err;
    }
  }

  /** A command that always applies: it ends any redo chain left by the random phase. */
  closeRedo(): void {
    const action: Action = {
      label: () => 'final CreateNode',
      kind: 'command',
      expect: 'ok',
      run: () =>
        this.p.execute(
          'CreateNode',
          { parent_id: null, blueprint_type_id: 'person', name: 'Last' },
          this.ctx('alice'),
        ),
    };
    this.guard(action.label, () => this.perform(action));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Event replay onto a plain copy of the graph

class Mirror {
  readonly nodes = new Map<string, NodeRecord>();
  readonly roots: string[];

  constructor(
    nodes: readonly NodeRecord[],
    roots: readonly string[],
    private readonly template: Template,
  ) {
    for (const n of nodes) this.nodes.set(n.id, structuredClone(n));
    this.roots = [...roots];
  }

  private siblings(parentId: string | null): string[] {
    if (parentId === null) return this.roots;
    const parent = this.nodes.get(parentId);
    if (!parent) throw new Error(`event names a missing parent ${parentId}`);
    return parent.children;
  }

  private detach(id: string): void {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`event names a missing node ${id}`);
    const list = this.siblings(node.parent_id);
    const at = list.indexOf(id);
    if (at < 0) throw new Error(`node ${id} is not among its parent's children`);
    list.splice(at, 1);
  }

  private attach(id: string, parentId: string | null, index: number | undefined): void {
    const list = this.siblings(parentId);
    list.splice(Math.min(index ?? list.length, list.length), 0, id);
    this.nodes.get(id)!.parent_id = parentId;
  }

  apply(e: GraphEvent): void {
    const s = (k: string) => e[k] as string;
    const sn = (k: string) => e[k] as string | null;
    switch (e.event) {
      case 'command:executing':
      case 'command:executed':
      case 'command:undo':
      case 'command:redo':
        return;
      case 'node-created': {
        const node = structuredClone(e.node as unknown as NodeRecord);
        if (node.id !== s('node_id')) throw new Error('node-created: node.id ≠ node_id');
        if (this.nodes.has(node.id)) throw new Error(`node-created: ${node.id} exists`);
        node.children = [];
        this.nodes.set(node.id, node);
        this.attach(node.id, sn('parent_id'), e.index as number);
        return;
      }
      case 'node-deleted': {
        this.detach(s('node_id'));
        for (const id of e.deleted_ids as string[])
          if (!this.nodes.delete(id)) throw new Error(`deleted ${id} twice`);
        return;
      }
      case 'node-moved':
        if (this.nodes.get(s('node_id'))?.parent_id !== sn('old_parent_id'))
          throw new Error('node-moved: old parent');
        this.detach(s('node_id'));
        this.attach(s('node_id'), sn('parent_id'), e.index as number);
        return;
      case 'node-linked':
        if (this.nodes.get(s('child_id'))?.parent_id !== sn('old_parent_id'))
          throw new Error('node-linked: old parent');
        this.detach(s('child_id'));
        this.attach(s('child_id'), s('parent_id'), e.index as number);
        return;
      case 'node-unlinked':
        if (this.nodes.get(s('child_id'))?.parent_id !== s('parent_id'))
          throw new Error('node-unlinked: parent');
        this.detach(s('child_id'));
        this.attach(s('child_id'), null, undefined); // the last root
        return;
      case 'property-changed':
      case 'property-deleted': {
        const node = this.nodes.get(s('node_id'));
        if (!node) throw new Error(`${e.event}: missing node`);
        const prop = s('property_id');
        const value = e.event === 'property-changed' ? (e.new_value as Json) : null;
        if (prop === 'name') {
          if (typeof value !== 'string') throw new Error('a name cleared');
          node.name = value;
          if (this.template.propertyByRef.get(node.blueprint_type_id)?.has('name'))
            node.properties.name = value;
        } else if (value === null) {
          delete node.properties[prop]; // `null` clears (PRODUCT.md section 3)
        } else {
          node.properties[prop] = structuredClone(value);
        }
        return;
      }
      default:
        throw new Error(`unknown event ${e.event}`);
    }
  }

  /** The same form as `snapshot(project)`: nodes in walk order, without `updated_at`. */
  snapshot(): string {
    const out: Array<Omit<NodeRecord, 'updated_at'>> = [];
    const visit = (id: string) => {
      const { updated_at: _u, ...rest } = this.nodes.get(id)!;
      out.push(rest);
      for (const c of rest.children) visit(c);
    };
    for (const r of this.roots) visit(r);
    return JSON.stringify(out);
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('randomized commands, undo and redo', () => {
  it(`[INV1-INV12] ${STEPS} random requests keep every invariant; undo-all returns to the start, redo-all back (seed ${SEED})`, () => {
    const runner = new Runner(new Rng(SEED), SEED);
    runner.run(STEPS);
    runner.closeRedo();
    const p = runner.p;
    if (process.env.TALUS_RANDOM_STATS) {
      const { min, max, total, steps } = runner.sizes;
      console.log({
        seed: SEED,
        nodes: { min, max, mean: Math.round(total / steps) },
        ...Object.fromEntries(runner.stats),
      });
    }
    const applied = runner.stats.get('command applied') ?? 0;
    const refused = [...runner.stats]
      .filter(([k]) => k.startsWith('command refused'))
      .reduce((a, [, v]) => a + v, 0);
    // the generator exercises every path (loose bounds: any seed passes them)
    expect(applied).toBeGreaterThan(STEPS / 5);
    expect(refused).toBeGreaterThan(STEPS / 10);
    expect(runner.stats.get('undo applied') ?? 0).toBeGreaterThan(STEPS / 100);
    expect(runner.stats.get('redo applied') ?? 0).toBeGreaterThan(STEPS / 400);
    expect(runner.stats.get('resend replayed') ?? 0).toBeGreaterThan(0);
    // INV11: session-scope undo in stack order never conflicts
    expect(runner.sessionUndoConflicts, 'session-scope undos refused with CONFLICT').toBe(0);

    // INV12: undo (session) until NOTHING_TO_UNDO returns to the initial graph; redo all returns to the end
    const end = canonicalSnapshot(p);
    /** With TALUS_RANDOM_DEBUG: the graph before each undo of the undo-all, that each redo must give back. */
    const debug = process.env.TALUS_RANDOM_DEBUG !== undefined;
    const states: string[] = [];
    let undone = 0;
    for (;;) {
      if (debug) states.push(canonicalSnapshot(p));
      const r = runner.guard(`undo-all #${undone + 1}`, () =>
        runner.perform(runner.undoRedo('undo', 'session', ACTORS[undone % 3]!)),
      );
      if (r instanceof TalusError) {
        runner.guard('undo-all', () =>
          check(r.code === 'NOTHING_TO_UNDO', 'INV12', () => `undo-all refused: ${r.code} ${r.message}`),
        );
        break;
      }
      undone++;
    }
    expect(undone).toBeGreaterThan(0);
    const afterUndo = canonicalSnapshot(p);
    runner.guard('undo-all', () =>
      check(
        afterUndo === runner.initial,
        'INV12',
        () => `undo-all did not return to the initial graph: ${firstDifference(runner.initial, afterUndo)}`,
      ),
    );
    let redone = 0;
    for (;;) {
      const r = runner.guard(`redo-all #${redone + 1}`, () =>
        runner.perform(runner.undoRedo('redo', 'session', ACTORS[redone % 3]!)),
      );
      if (r instanceof TalusError) {
        runner.guard('redo-all', () =>
          check(r.code === 'NOTHING_TO_REDO', 'INV12', () => `redo-all refused: ${r.code} ${r.message}`),
        );
        break;
      }
      redone++;
      if (!debug) continue;
      const want = states[undone - redone];
      const got = canonicalSnapshot(p);
      runner.guard(`redo-all #${redone}`, () =>
        check(got === want, 'INV12', () => {
          const e = (r as RevisionResult).target!;
          return `redo of revision ${e.revision} (${e.command_type} ${JSON.stringify(e.changes).slice(0, 800)}) did not restore the graph: ${firstDifference(want!, got)}`;
        }),
      );
    }
    expect(redone).toBe(undone);
    const afterRedo = canonicalSnapshot(p);
    runner.guard('redo-all', () =>
      check(
        afterRedo === end,
        'INV12',
        () =>
          `redo-all did not return to the graph before undo-all (TALUS_RANDOM_DEBUG=1 finds the redo): ${firstDifference(end, afterRedo)}`,
      ),
    );
  }, 300_000);

  it(`[INV13] the events of every history entry, replayed onto a plain copy of the initial graph, give the graph (seed ${SEED + 1})`, () => {
    let mirror: Mirror | undefined;
    let project: Project | undefined;
    const runner = new Runner(new Rng(SEED + 1), SEED + 1, (entry) => {
      for (const e of entryEvents(entry, project!.template, { session_id: 's', project_id: project!.id })) {
        check(
          e.revision === entry.revision,
          'INV13',
          () => `event ${e.event} carries revision ${e.revision}`,
        );
        mirror!.apply(e);
      }
      const got = mirror!.snapshot();
      const want = snapshot(project!);
      check(
        got === want,
        'INV13',
        () =>
          `the events of revision ${entry.revision} (${entry.command_type}: ${JSON.stringify(entry.changes).slice(0, 600)}) do not give the graph: ${firstDifference(want, got)}`,
      );
    });
    project = runner.p;
    mirror = new Mirror(runner.initialNodes, runner.initialRoots, project.template);
    runner.run(Math.min(STEPS, 5000));
    runner.closeRedo();
    for (let i = 0; i < 100; i++) {
      if (runner.perform(runner.undoRedo('undo', 'session', 'bob')) instanceof TalusError) break;
    }
    // the whole history once more, from the start, onto a fresh copy
    const fresh = new Mirror(runner.initialNodes, runner.initialRoots, project.template);
    for (const entry of project.history) {
      for (const e of entryEvents(entry, project.template, { session_id: 's', project_id: project.id }))
        fresh.apply(e);
    }
    const replayed = fresh.snapshot();
    const actual = snapshot(project);
    runner.guard('replay of the whole history', () =>
      check(
        replayed === actual,
        'INV13',
        () => `the replayed history differs: ${firstDifference(actual, replayed)}`,
      ),
    );
  }, 300_000);
});
