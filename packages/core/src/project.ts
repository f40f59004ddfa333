import type { UndoScope } from '@talus/protocol';
import { Mutation, parseCommand, runCommand } from './commands/index.js';
import { TalusError } from './errors.js';
import { type Change, touchedKeys, touchesOverlap } from './graph/changes.js';
import { type GraphSchema, ProjectGraph } from './graph/graph.js';
import type { HistoryEntry } from './history.js';
import type { Template } from './template/model.js';
import type { CommandContext, Json, JsonObject, NodeRecord, TreeGraph } from './types.js';
import { defaultValue } from './values.js';

/** How long a command id is remembered for idempotent retries. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface ProjectInfo {
  id: string;
  name: string;
  template: Template;
  created_at: string;
  updated_at: string;
}

/** What one request did: the new entry, or the first answer's entry for a replayed command id. */
export interface RevisionResult {
  entry: HistoryEntry;
  /** The command entry an undo or redo changed the status of (to be stored too). */
  target?: HistoryEntry;
  /** True when the command id was applied before: nothing changed, nothing to broadcast. */
  replayed: boolean;
}

export interface RequestOptions {
  expected_revision?: number | undefined;
}

function graphSchema(template: Template): GraphSchema {
  const refs = new Map<string, Set<string>>();
  for (const t of template.node_types) {
    const ids = t.properties.filter((p) => p.type === 'node_reference').map((p) => p.id);
    if (ids.length > 0) refs.set(t.id, new Set(ids));
  }
  return {
    referenceProperties: (typeId) => refs.get(typeId),
    hasNameProperty: (typeId) => template.propertyByRef.get(typeId)?.has('name') ?? false,
  };
}

/**
 * How deep command data may nest. Deeper data (e.g. an ignored `old_value` thousands of arrays deep) is
 * refused up front: cloning, comparing and storing it recursively would overflow the stack.
 */
export const MAX_DATA_DEPTH = 200;

function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth + 1]);
  }
  return false;
}

/** Canonical JSON (sorted keys) for comparing a replayed request with the first one. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * A project in memory: its graph at `revision` and its history, with the command pipeline of PRODUCT.md
 * sections 3 and 4. Synchronous and pure of I/O: the server stores each `RevisionResult` before it
 * acknowledges, and rebuilds a project with `restore`.
 */
export class Project {
  readonly id: string;
  name: string;
  readonly template: Template;
  readonly created_at: string;
  updated_at: string;
  readonly graph: ProjectGraph;
  revision = 0;
  /** Entries in revision order; older ones may have been pruned (`historyFloor`). */
  readonly history: HistoryEntry[] = [];
  private readonly byCommandId = new Map<string, HistoryEntry>();
  /** Applied command entries, in the order they were (re)applied. */
  private readonly applied: HistoryEntry[] = [];
  private readonly undoEntries: HistoryEntry[] = [];
  private lastCommandRevision = 0;
  private readonly lastCommandByActor = new Map<string, number>();
  private readonly schema: GraphSchema;
  private readonly touchedCache = new WeakMap<HistoryEntry, Set<string>>();

  constructor(info: ProjectInfo) {
    this.id = info.id;
    this.name = info.name;
    this.template = info.template;
    this.created_at = info.created_at;
    this.updated_at = info.updated_at;
    this.schema = graphSchema(info.template);
    this.graph = new ProjectGraph(this.schema);
  }

  /** A new project at revision 0 with one root of the root type, named after the project. */
  static create(info: ProjectInfo): Project {
    const p = new Project(info);
    const type = info.template.typeByRef.get(info.template.root_type_id)!;
    const properties: JsonObject = {};
    for (const prop of type.properties) {
      const value = prop.id === 'name' ? undefined : defaultValue(prop, p.graph, info.template);
      if (value !== undefined) properties[prop.id] = value;
    }
    if (info.template.propertyByRef.get(type.id)?.has('name')) properties.name = info.name;
    const root: NodeRecord = {
      id: globalThis.crypto.randomUUID(),
      blueprint_type_id: type.id,
      name: info.name,
      properties,
      parent_id: null,
      children: [],
      metadata: {},
      created_at: info.created_at,
      updated_at: info.created_at,
    };
    p.graph.load([root], [root.id]);
    return p;
  }

  /** Rebuild a stored project: its nodes (id form), root order, revision and kept history. */
  static restore(
    info: ProjectInfo,
    nodes: Iterable<NodeRecord>,
    roots: readonly string[],
    revision: number,
    history: readonly HistoryEntry[],
  ): Project {
    const p = new Project(info);
    p.graph.load(nodes, roots);
    p.revision = revision;
    for (const e of history) p.remember(e);
    return p;
  }

  get historyFloor(): number {
    return this.history[0]?.revision ?? this.revision + 1;
  }

  tree(): TreeGraph {
    return { revision: this.revision, roots: this.graph.toTree() };
  }

  /** Validate and apply one command (PRODUCT.md section 3) as the next revision. */
  execute(
    commandType: unknown,
    data: unknown,
    ctx: CommandContext,
    opts: RequestOptions = {},
  ): RevisionResult {
    // before anything recursive (the idempotency comparison, cloning, storing) touches the data
    if (nestsDeeperThan(data, MAX_DATA_DEPTH)) {
      throw new TalusError('INVALID_COMMAND', `data nests deeper than ${MAX_DATA_DEPTH} levels`);
    }
    const replay = this.replayed(ctx, commandType, data);
    if (replay) return replay;
    this.checkRevision(opts);
    const command = parseCommand(commandType, data);
    const m = new Mutation(this.graph, this.template, ctx.now);
    try {
      runCommand(m, command);
    } catch (e) {
      m.rollback();
      throw e;
    }
    const entry = this.record(ctx, 'command', command.command_type, data as JsonObject, m.applied);
    entry.status = 'applied';
    entry.applied_at = entry.revision;
    if (command.command_type === 'CreateNode') entry.node_id = m.created[0]!;
    if (command.command_type === 'Batch') entry.node_ids = [...m.created];
    this.remember(entry);
    return { entry, replayed: false };
  }

  /** Undo (PRODUCT.md section 4): the most recent applied command entry in the scope, as a new revision. */
  undo(scope: UndoScope, ctx: CommandContext, opts: RequestOptions = {}): RevisionResult {
    const replay = this.replayed(ctx, 'Undo', { scope });
    if (replay) return replay;
    this.checkRevision(opts);
    const target = this.undoTarget(scope, ctx.actor.id);
    if (!target) throw new TalusError('NOTHING_TO_UNDO', 'nothing to undo');
    this.checkNoLaterTouch(target, target.applied_at ?? target.revision);
    const changes = this.applyInverse(target.changes, ctx.now);
    const entry = this.record(ctx, 'undo', 'Undo', { undone_command_id: target.command_id, scope }, changes);
    entry.undone_command_id = target.command_id;
    target.status = 'undone';
    target.undone_at = entry.revision;
    this.remember(entry);
    return { entry, target, replayed: false };
  }

  /** Redo (PRODUCT.md section 4): re-apply the target of the latest qualifying undo, as a new revision. */
  redo(scope: UndoScope, ctx: CommandContext, opts: RequestOptions = {}): RevisionResult {
    const replay = this.replayed(ctx, 'Redo', { scope });
    if (replay) return replay;
    this.checkRevision(opts);
    const target = this.redoTarget(scope, ctx.actor.id);
    if (!target) throw new TalusError('NOTHING_TO_REDO', 'nothing to redo');
    this.checkNoLaterTouch(target, target.undone_at ?? target.revision);
    const m = new Mutation(this.graph, this.template, ctx.now);
    try {
      for (const c of target.changes) m.apply(this.checkReferences(this.checkedForward(c)));
    } catch (e) {
      m.rollback();
      throw conflictFrom(e);
    }
    const entry = this.record(
      ctx,
      'redo',
      'Redo',
      { redone_command_id: target.command_id, scope },
      m.applied,
    );
    entry.redone_command_id = target.command_id;
    target.status = 'applied';
    target.applied_at = entry.revision;
    this.remember(entry);
    return { entry, target, replayed: false };
  }

  /** Whether an undo / redo would find a target in the session scope (for `/info`). */
  get undoAvailable(): boolean {
    return this.undoTarget('session', '') !== undefined;
  }

  get redoAvailable(): boolean {
    return this.redoTarget('session', '') !== undefined;
  }

  /**
   * Apply a revision another server process committed (read back from the shared store): its changes as
   * recorded, and the status of its undo/redo target. The entry must be the next revision.
   */
  applyCommitted(entry: HistoryEntry): void {
    if (entry.revision !== this.revision + 1) {
      throw new Error(`revision ${entry.revision} does not follow ${this.revision}`);
    }
    for (const c of entry.changes) this.graph.apply(c, entry.timestamp);
    const targetId = entry.undone_command_id ?? entry.redone_command_id;
    const target = targetId === undefined ? undefined : this.byCommandId.get(targetId);
    if (target && entry.kind === 'undo') {
      target.status = 'undone';
      target.undone_at = entry.revision;
    } else if (target && entry.kind === 'redo') {
      target.status = 'applied';
      target.applied_at = entry.revision;
    }
    this.updated_at = entry.timestamp;
    this.remember(structuredClone(entry));
  }

  /** Entries with revision > `since`, oldest first; undefined when `since` is outside the kept history. */
  entriesSince(since: number): HistoryEntry[] | undefined {
    if (since > this.revision || since < this.historyFloor - 1) return undefined;
    const start = this.history.length - (this.revision - since);
    return this.history.slice(Math.max(0, start));
  }

  /** Drop entries older than the last `keep` revisions: they can no longer be undone or replayed. */
  prune(keep: number): HistoryEntry[] {
    const cut = this.history.length - keep;
    if (cut <= 0) return [];
    const dropped = this.history.splice(0, cut);
    const gone = new Set(dropped);
    for (const e of dropped) this.byCommandId.delete(e.command_id);
    const keepIn = (list: HistoryEntry[]) => {
      const kept = list.filter((e) => !gone.has(e));
      list.splice(0, list.length, ...kept);
    };
    keepIn(this.applied);
    keepIn(this.undoEntries);
    return dropped;
  }

  private record(
    ctx: CommandContext,
    kind: HistoryEntry['kind'],
    type: string,
    data: JsonObject,
    changes: Change[],
  ) {
    const entry: HistoryEntry = {
      revision: this.revision + 1,
      kind,
      command_id: ctx.command_id,
      command_type: type,
      actor: { id: ctx.actor.id, name: ctx.actor.name },
      timestamp: ctx.now,
      data: structuredClone(data),
      changes,
    };
    this.revision = entry.revision;
    this.updated_at = ctx.now;
    return entry;
  }

  /** Index an entry (new, or loaded from the store) for idempotency and undo/redo. */
  private remember(e: HistoryEntry): void {
    if (e.revision > this.revision) this.revision = e.revision;
    this.history.push(e);
    this.byCommandId.set(e.command_id, e);
    if (e.kind === 'command') {
      this.lastCommandRevision = Math.max(this.lastCommandRevision, e.revision);
      this.lastCommandByActor.set(e.actor.id, e.revision);
      if (e.status === 'applied') this.insertApplied(e);
    } else {
      const target = this.byCommandId.get((e.undone_command_id ?? e.redone_command_id)!);
      if (e.kind === 'undo') this.undoEntries.push(e);
      if (target) {
        const at = this.applied.lastIndexOf(target); // recent entries are near the end
        if (at >= 0) this.applied.splice(at, 1);
        if (target.status === 'applied') this.insertApplied(target);
      }
    }
  }

  /** Insert an entry that is not in `applied` (new, loaded, or just taken out), by `applied_at`: O(1) at the end. */
  private insertApplied(e: HistoryEntry): void {
    const key = e.applied_at ?? e.revision;
    let i = this.applied.length;
    while (i > 0 && (this.applied[i - 1]!.applied_at ?? 0) > key) i--;
    this.applied.splice(i, 0, e);
  }

  private replayed(ctx: CommandContext, type: unknown, data: unknown): RevisionResult | undefined {
    const first = this.byCommandId.get(ctx.command_id);
    if (!first) return undefined;
    if (Date.parse(ctx.now) - Date.parse(first.timestamp) > IDEMPOTENCY_WINDOW_MS) return undefined;
    const same =
      first.kind === 'command'
        ? first.command_type === type && canonical(first.data) === canonical(data)
        : first.command_type === type &&
          canonical(first.data.scope) === canonical((data as JsonObject).scope);
    if (!same) {
      throw new TalusError(
        'CONFLICT',
        `command_id "${ctx.command_id}" was already used for another request`,
        {
          command_id: ctx.command_id,
        },
      );
    }
    return { entry: first, replayed: true };
  }

  private checkRevision(opts: RequestOptions): void {
    if (opts.expected_revision !== undefined && opts.expected_revision !== this.revision) {
      throw new TalusError(
        'CONFLICT',
        `the project is at revision ${this.revision}, not ${opts.expected_revision}`,
        {
          revision: this.revision,
        },
      );
    }
  }

  private undoTarget(scope: UndoScope, actorId: string): HistoryEntry | undefined {
    for (let i = this.applied.length - 1; i >= 0; i--) {
      const e = this.applied[i]!;
      if (scope === 'session' || e.actor.id === actorId) return e;
    }
    return undefined;
  }

  private redoTarget(scope: UndoScope, actorId: string): HistoryEntry | undefined {
    const since =
      scope === 'session' ? this.lastCommandRevision : (this.lastCommandByActor.get(actorId) ?? 0);
    for (let i = this.undoEntries.length - 1; i >= 0; i--) {
      const u = this.undoEntries[i]!;
      if (u.revision < since) return undefined;
      const target = this.byCommandId.get(u.undone_command_id!);
      if (target?.status !== 'undone' || target.undone_at !== u.revision) {
        // its target was redone or undone again since: this undo never qualifies again (keeps redo chains linear)
        this.undoEntries.splice(i, 1);
        continue;
      }
      if (scope === 'mine' && u.actor.id !== actorId) continue;
      return target;
    }
    return undefined;
  }

  /**
   * CONFLICT when a command entry made after `target`, applied after `after` and still applied, touches what
   * `target` touched. Entries older than the target that were merely redone since are no conflict: redoing
   * them restored the state the target was made on.
   */
  /** What an entry touched, computed once per entry (its changes never change). */
  private touched(e: HistoryEntry): Set<string> {
    let keys = this.touchedCache.get(e);
    if (!keys) {
      keys = touchedKeys(e.changes, this.schema.referenceProperties);
      this.touchedCache.set(e, keys);
    }
    return keys;
  }

  private checkNoLaterTouch(target: HistoryEntry, after: number): void {
    const mine = this.touched(target);
    for (let i = this.applied.length - 1; i >= 0; i--) {
      const e = this.applied[i]!;
      if ((e.applied_at ?? e.revision) <= after) break;
      if (e.revision > target.revision && touchesOverlap(mine, this.touched(e))) {
        throw new TalusError(
          'CONFLICT',
          `a later change (revision ${e.revision}) touched the same nodes or properties`,
          {
            command_id: target.command_id,
            conflicting_revision: e.revision,
          },
        );
      }
    }
  }

  private checkReferences(c: Change): Change {
    const why = referenceConflict(this.graph, this.template, this.schema, c);
    if (why !== null) throw new TalusError('CONFLICT', `cannot be undone or redone: ${why}`);
    return c;
  }

  private applyInverse(changes: readonly Change[], now: string): Change[] {
    const m = new Mutation(this.graph, this.template, now);
    try {
      for (let i = changes.length - 1; i >= 0; i--)
        m.apply(this.checkReferences(this.graph.invert(changes[i]!)));
    } catch (e) {
      m.rollback();
      throw conflictFrom(e);
    }
    return m.applied;
  }

  private checkedForward(c: Change): Change {
    switch (c.op) {
      case 'create':
        for (const n of c.nodes)
          if (this.graph.get(n.id)) throw new TalusError('CONFLICT', `node ${n.id} exists`);
        if (c.parent_id !== null && !this.graph.get(c.parent_id))
          throw new TalusError('CONFLICT', 'the parent is gone');
        return c;
      case 'delete': {
        const top = this.graph.get(c.nodes[0]!.id);
        if (!top || top.parent_id !== c.parent_id)
          throw new TalusError('CONFLICT', 'the node has moved or is gone');
        const ids = this.graph.subtreeIds(top.id);
        if (ids.length !== c.nodes.length) throw new TalusError('CONFLICT', 'the subtree has changed');
        return { ...c, index: this.graph.indexOf(top.id), nodes: ids.map((id) => this.graph.snapshot(id)) };
      }
      case 'move': {
        const node = this.graph.get(c.node_id);
        if (!node || node.parent_id !== c.from_parent)
          throw new TalusError('CONFLICT', 'the node has moved or is gone');
        if (c.to_parent !== null) {
          if (!this.graph.get(c.to_parent)) throw new TalusError('CONFLICT', 'the destination is gone');
          if (this.graph.isSelfOrAncestor(c.node_id, c.to_parent))
            throw new TalusError('CONFLICT', 'it would make a cycle');
        }
        // UnlinkNode makes the node the last root (`node-unlinked` says so), whatever the roots are now
        const to_index = c.via === 'unlink' ? this.graph.roots.length : c.to_index;
        return { ...c, from_index: this.graph.indexOf(c.node_id), to_index };
      }
      case 'set': {
        const node = this.graph.get(c.node_id);
        if (!node) throw new TalusError('CONFLICT', 'the node is gone');
        const cur = this.graph.valueOf(node, c.property_id);
        const out: Change = { ...c };
        delete out.old;
        if (cur !== undefined) out.old = cur;
        return out;
      }
    }
  }
}

/**
 * Undo and redo replay stored changes, so they check what a command would have checked about references:
 * CONFLICT when applying `c` would leave a `node_reference` value naming a node that does not exist (or is
 * not of the target type), or would delete nodes that a node outside the deleted subtree still references.
 */
function referenceConflict(
  graph: ProjectGraph,
  template: Template,
  schema: GraphSchema,
  c: Change,
): string | null {
  const dangling = (
    typeId: string,
    propertyId: string,
    value: Json | undefined,
    coming?: ReadonlySet<string>,
  ) => {
    if (value === undefined || value === null) return null;
    const target = template.propertyByRef.get(typeId)?.get(propertyId)?.target_type;
    const targetType = target ? (template.typeByRef.get(target)?.id ?? target) : null;
    for (const id of Array.isArray(value) ? value : [value]) {
      if (typeof id !== 'string' || coming?.has(id)) continue;
      const node = graph.get(id);
      if (!node || (targetType !== null && node.blueprint_type_id !== targetType)) return id;
    }
    return null;
  };
  switch (c.op) {
    case 'set': {
      if (!schema.referenceProperties(c.type_id)?.has(c.property_id)) return null;
      const id = dangling(c.type_id, c.property_id, c.new);
      return id === null ? null : `node ${id}, which ${c.property_id} would reference, is gone`;
    }
    case 'create': {
      const coming = new Set(c.nodes.map((n) => n.id));
      for (const n of c.nodes) {
        if (n.metadata.orphaned === true) continue;
        for (const p of schema.referenceProperties(n.blueprint_type_id) ?? []) {
          const id = dangling(n.blueprint_type_id, p, n.properties[p], coming);
          if (id !== null) return `node ${id}, which ${n.id} references, is gone`;
        }
      }
      return null;
    }
    case 'delete': {
      const going = new Set(c.nodes.map((n) => n.id));
      for (const id of going) {
        for (const [source] of graph.referencesTo(id)) {
          if (!going.has(source)) return `node ${source} references ${id} since`;
        }
      }
      return null;
    }
    default:
      return null;
  }
}

function conflictFrom(e: unknown): unknown {
  if (e instanceof TalusError && e.code === 'CONFLICT') return e;
  if (e instanceof TalusError) return new TalusError('CONFLICT', `cannot be applied now: ${e.message}`);
  return e;
}
