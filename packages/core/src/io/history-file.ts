import type { Change, SetChange } from '../graph/changes.js';
import { type EntryKind, type HistoryEntry, publicEntry } from '../history.js';
import type { Json, JsonObject } from '../types.js';
import {
  intAt,
  listAt,
  nodeIdAt,
  nodeIdListAt,
  nodeRecordAt,
  nullableStringAt,
  objectAt,
  onlyKeys,
  optionalIntAt,
  optionalStringAt,
  stringAt,
} from './fields.js';
import { cloneJson, invalid, member } from './shape.js';

/**
 * An entry as a Talus Tally file carries it: the public entry (`GET /projects/{id}/history`) plus the fields
 * undo and redo rely on (`applied_at`, `undone_at`) and what the command's answer carried (`node_id`,
 * `node_ids`), so that an imported history continues exactly where the exported one stood.
 */
export function exportEntry(e: HistoryEntry): JsonObject {
  const out = publicEntry(e);
  if (e.applied_at !== undefined) out.applied_at = e.applied_at;
  if (e.undone_at !== undefined) out.undone_at = e.undone_at;
  if (e.node_id !== undefined) out.node_id = e.node_id;
  if (e.node_ids !== undefined) out.node_ids = [...e.node_ids];
  return cloneJson(out);
}

const ENTRY_KEYS = new Set([
  'revision',
  'kind',
  'command_id',
  'command_type',
  'actor',
  'timestamp',
  'data',
  'changes',
  'status',
  'applied_at',
  'undone_at',
  'undone_command_id',
  'redone_command_id',
  'node_id',
  'node_ids',
]);
const TARGET_KEYS = ['undone_command_id', 'redone_command_id'];
const COMMAND_ONLY_KEYS = ['status', 'applied_at', 'undone_at', 'node_id', 'node_ids'];
const KINDS: ReadonlySet<string> = new Set<EntryKind>(['command', 'undo', 'redo']);
const SCOPES: ReadonlySet<string> = new Set(['session', 'mine']);

/**
 * Read a file's history: entries with consecutive revisions ending at `revision`, command ids unique, every
 * undo naming an applied command and every redo an undone one. Statuses (`status`, `applied_at`,
 * `undone_at`) are recomputed from the log rather than trusted, so `Project.restore` gets a consistent
 * history whatever the file claims. An undo or redo may name a command older than the first entry (a
 * pruned history) unless the history starts at revision 1.
 */
export function readHistory(list: readonly Json[], revision: number, path = 'history'): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const byCommandId = new Map<string, HistoryEntry>();
  for (const [i, v] of list.entries()) {
    const p = `${path}[${i}]`;
    const e = readEntry(v, p);
    const prev = entries[entries.length - 1];
    if (prev !== undefined && e.revision !== prev.revision + 1) {
      throw invalid(`${p}.revision must be ${prev.revision + 1}, not ${e.revision}`, {
        path: `${p}.revision`,
      });
    }
    if (byCommandId.has(e.command_id)) {
      throw invalid(`${p}: command_id "${e.command_id}" is used twice`, { path: `${p}.command_id` });
    }
    if (e.kind === 'command') {
      e.status = 'applied';
      e.applied_at = e.revision;
    } else {
      const complete = (entries[0] ?? e).revision === 1;
      linkTarget(e, byCommandId.get((e.undone_command_id ?? e.redone_command_id)!), complete, p);
    }
    byCommandId.set(e.command_id, e);
    entries.push(e);
  }
  const last = entries[entries.length - 1];
  if (last !== undefined && last.revision !== revision) {
    throw invalid(`the history ends at revision ${last.revision}, but the file is at revision ${revision}`, {
      path: 'revision',
    });
  }
  return entries;
}

function linkTarget(e: HistoryEntry, target: HistoryEntry | undefined, complete: boolean, p: string): void {
  const targetId = (e.undone_command_id ?? e.redone_command_id)!;
  const path = `${p}.data.${e.kind === 'undo' ? 'undone_command_id' : 'redone_command_id'}`;
  if (target === undefined) {
    if (complete)
      throw invalid(`${p}: the ${e.kind} names command "${targetId}", which is not in the history`, { path });
    return;
  }
  if (target.kind !== 'command') throw invalid(`${p}: the ${e.kind} names a ${target.kind} entry`, { path });
  if (e.kind === 'undo') {
    if (target.status !== 'applied')
      throw invalid(`${p}: the undo names command "${targetId}", which is undone`, { path });
    target.status = 'undone';
    target.undone_at = e.revision;
  } else {
    if (target.status !== 'undone')
      throw invalid(`${p}: the redo names command "${targetId}", which is applied`, { path });
    target.status = 'applied';
    target.applied_at = e.revision;
  }
}

function readEntry(v: Json | undefined, p: string): HistoryEntry {
  const o = objectAt(v, p);
  onlyKeys(o, ENTRY_KEYS, p);
  const kind = stringAt(o, 'kind', p);
  if (!KINDS.has(kind))
    throw invalid(`${p}.kind must be command, undo or redo, not "${kind.slice(0, 50)}"`, {
      path: `${p}.kind`,
    });
  const commandType = stringAt(o, 'command_type', p, { nonEmpty: true, max: 200 });
  const expectedType = kind === 'undo' ? 'Undo' : kind === 'redo' ? 'Redo' : undefined;
  if (
    expectedType !== undefined
      ? commandType !== expectedType
      : commandType === 'Undo' || commandType === 'Redo'
  ) {
    throw invalid(`${p}.command_type "${commandType}" does not fit kind "${kind}"`, {
      path: `${p}.command_type`,
    });
  }
  const actor = objectAt(member(o, 'actor'), `${p}.actor`);
  onlyKeys(actor, new Set(['id', 'name']), `${p}.actor`);
  const entry: HistoryEntry = {
    revision: intAt(o, 'revision', p, 1),
    kind: kind as EntryKind,
    command_id: stringAt(o, 'command_id', p, { nonEmpty: true, max: 128 }),
    command_type: commandType,
    actor: {
      id: stringAt(actor, 'id', `${p}.actor`, { nonEmpty: true }),
      name: stringAt(actor, 'name', `${p}.actor`),
    },
    timestamp: stringAt(o, 'timestamp', p, { nonEmpty: true }),
    data: objectAt(member(o, 'data'), `${p}.data`),
    changes: listAt(o, 'changes', p).map((c, i) => readChange(c, `${p}.changes[${i}]`)),
  };
  // Checked for shape only: recomputed from the log (readHistory).
  const status = member(o, 'status');
  if (status !== undefined && status !== 'applied' && status !== 'undone') {
    throw invalid(`${p}.status must be applied or undone`, { path: `${p}.status` });
  }
  optionalIntAt(o, 'applied_at', p, 1);
  optionalIntAt(o, 'undone_at', p, 1);
  const foreign = (kind === 'command' ? TARGET_KEYS : COMMAND_ONLY_KEYS).find(
    (k) => member(o, k) !== undefined,
  );
  if (foreign !== undefined)
    throw invalid(`${p}.${foreign} does not belong on a ${kind} entry`, { path: `${p}.${foreign}` });
  if (kind === 'command') {
    if (member(o, 'node_id') !== undefined) entry.node_id = nodeIdAt(o, 'node_id', p);
    if (member(o, 'node_ids') !== undefined) {
      entry.node_ids = nodeIdListAt(o, 'node_ids', p);
    }
  } else {
    readTargetOf(entry, o, p);
  }
  return entry;
}

/** An undo / redo names its target in `data` (and, in the public form, also at the top level). */
function readTargetOf(entry: HistoryEntry, o: JsonObject, p: string): void {
  const key = entry.kind === 'undo' ? 'undone_command_id' : 'redone_command_id';
  const other = entry.kind === 'undo' ? 'redone_command_id' : 'undone_command_id';
  const inData = optionalStringAt(entry.data, key, `${p}.data`);
  const top = optionalStringAt(o, key, p);
  const target = inData ?? top;
  if (target === undefined)
    throw invalid(`${p}: the ${entry.kind} entry has no ${key}`, { path: `${p}.data.${key}` });
  if (inData !== undefined && top !== undefined && inData !== top) {
    throw invalid(`${p}.${key} disagrees with ${p}.data.${key}`, { path: `${p}.${key}` });
  }
  if (member(o, other) !== undefined)
    throw invalid(`${p} has ${other} on a ${entry.kind} entry`, { path: `${p}.${other}` });
  const scope = member(entry.data, 'scope');
  if (typeof scope !== 'string' || !SCOPES.has(scope)) {
    throw invalid(`${p}.data.scope must be session or mine`, { path: `${p}.data.scope` });
  }
  entry[key] = target;
}

const CREATE_KEYS = new Set(['op', 'parent_id', 'index', 'nodes']);
const MOVE_KEYS = new Set(['op', 'node_id', 'from_parent', 'from_index', 'to_parent', 'to_index', 'via']);
const SET_KEYS = new Set(['op', 'node_id', 'type_id', 'property_id', 'old', 'new', 'via']);

/** One primitive change, every field checked: undo and redo apply them to the graph. */
export function readChange(v: Json | undefined, p: string): Change {
  const o = objectAt(v, p);
  const op = stringAt(o, 'op', p);
  const parentAt = (key: string) => (nullableStringAt(o, key, p) === null ? null : nodeIdAt(o, key, p));
  switch (op) {
    case 'create':
    case 'delete': {
      onlyKeys(o, CREATE_KEYS, p);
      const nodes = listAt(o, 'nodes', p).map((n, i) => nodeRecordAt(n, `${p}.nodes[${i}]`));
      if (nodes.length === 0) throw invalid(`${p}.nodes must not be empty`, { path: `${p}.nodes` });
      return { op, parent_id: parentAt('parent_id'), index: intAt(o, 'index', p), nodes };
    }
    case 'move': {
      onlyKeys(o, MOVE_KEYS, p);
      const via = stringAt(o, 'via', p);
      if (via !== 'link' && via !== 'unlink' && via !== 'move') {
        throw invalid(`${p}.via must be link, unlink or move`, { path: `${p}.via` });
      }
      return {
        op,
        node_id: nodeIdAt(o, 'node_id', p),
        from_parent: parentAt('from_parent'),
        from_index: intAt(o, 'from_index', p),
        to_parent: parentAt('to_parent'),
        to_index: intAt(o, 'to_index', p),
        via,
      };
    }
    case 'set': {
      onlyKeys(o, SET_KEYS, p);
      const change: SetChange = {
        op,
        node_id: nodeIdAt(o, 'node_id', p),
        type_id: stringAt(o, 'type_id', p, { nonEmpty: true }),
        property_id: stringAt(o, 'property_id', p, { nonEmpty: true }),
      };
      const old = member(o, 'old');
      const next = member(o, 'new');
      if (old !== undefined) change.old = old;
      if (next !== undefined) change.new = next;
      const via = member(o, 'via');
      if (via !== undefined) {
        if (via !== 'update' && via !== 'delete')
          throw invalid(`${p}.via must be update or delete`, { path: `${p}.via` });
        change.via = via;
      }
      return change;
    }
    default:
      throw invalid(`${p}.op must be create, delete, move or set, not "${op.slice(0, 50)}"`, {
        path: `${p}.op`,
      });
  }
}
