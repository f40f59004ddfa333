import type { Change } from './graph/changes.js';
import type { Actor, Json, JsonObject } from './types.js';

export type EntryKind = 'command' | 'undo' | 'redo';

/**
 * One revision of a project: the audit log entry with the changes it made (old and new values). Command
 * entries are `applied` or `undone`; undo and redo entries name their target.
 */
export interface HistoryEntry {
  revision: number;
  kind: EntryKind;
  command_id: string;
  /** The command type, or `Undo` / `Redo`. */
  command_type: string;
  actor: Actor;
  timestamp: string;
  /** The command's data, or `{ undone_command_id | redone_command_id, scope }`. */
  data: JsonObject;
  changes: Change[];
  /** Command entries: whether the command is in effect now. */
  status?: 'applied' | 'undone';
  /** Command entries: the revision at which it was last applied (its own, or its latest redo's). */
  applied_at?: number;
  /** Command entries: the revision of its latest undo. */
  undone_at?: number;
  undone_command_id?: string;
  redone_command_id?: string;
  /** What the answer carried beyond the revision: the created node ids. */
  node_id?: string;
  node_ids?: string[];
}

/** The public form of an entry (`GET /projects/{id}/history`). */
export interface PublicEntry {
  revision: number;
  kind: EntryKind;
  command_id: string;
  command_type: string;
  actor: { id: string; name: string };
  timestamp: string;
  data: JsonObject;
  changes: JsonObject[];
  status?: 'applied' | 'undone';
  undone_command_id?: string;
  redone_command_id?: string;
  [key: string]: Json;
}

export function publicEntry(e: HistoryEntry): PublicEntry {
  const out: PublicEntry = {
    revision: e.revision,
    kind: e.kind,
    command_id: e.command_id,
    command_type: e.command_type,
    actor: { id: e.actor.id, name: e.actor.name },
    timestamp: e.timestamp,
    data: e.data,
    changes: e.changes as unknown as JsonObject[],
  };
  if (e.status) out.status = e.status;
  if (e.undone_command_id) out.undone_command_id = e.undone_command_id;
  if (e.redone_command_id) out.redone_command_id = e.redone_command_id;
  return out;
}
