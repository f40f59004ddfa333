import { assertNever, type Change } from './graph/changes.js';
import type { HistoryEntry } from './history.js';
import type { Template } from './template/model.js';
import type { JsonObject } from './types.js';

/** An event as broadcast: its name in `event`, the envelope and the payload. */
export type GraphEvent = JsonObject & { event: string; revision: number };

export interface EventEnvelope {
  session_id: string | null;
  project_id: string;
}

/**
 * The events one revision broadcasts, in order: `command:executing`, the graph events its changes describe,
 * then `command:executed` (or `command:undo` / `command:redo`). Derived from the stored entry, so a replay
 * to a catching-up client is the same as the live broadcast.
 */
export function entryEvents(entry: HistoryEntry, template: Template, env: EventEnvelope): GraphEvent[] {
  const base = {
    session_id: env.session_id,
    project_id: env.project_id,
    revision: entry.revision,
    command_id: entry.command_id,
    actor: { id: entry.actor.id, name: entry.actor.name },
    timestamp: entry.timestamp,
  };
  const out: GraphEvent[] = [
    {
      event: 'command:executing',
      ...base,
      command_type: entry.command_type,
    },
  ];
  for (const c of entry.changes)
    for (const payload of changeEvents(c, template)) out.push({ ...base, ...payload });
  switch (entry.kind) {
    case 'command':
      out.push({ event: 'command:executed', ...base, command_type: entry.command_type });
      break;
    case 'undo':
      out.push({ event: 'command:undo', ...base, undone_command_id: entry.undone_command_id ?? null });
      break;
    case 'redo':
      out.push({ event: 'command:redo', ...base, redone_command_id: entry.redone_command_id ?? null });
      break;
    default:
      assertNever(entry.kind);
  }
  return out;
}

type Payload = JsonObject & { event: string };

function changeEvents(c: Change, template: Template): Payload[] {
  switch (c.op) {
    case 'create': {
      // the top node sits at `index`; the others at their place in their parent's children
      const positions = new Map<string, number>();
      for (const n of c.nodes) {
        for (const [i, id] of n.children.entries()) positions.set(id, i);
      }
      return c.nodes.map((n, i) => ({
        event: 'node-created',
        node: n as unknown as JsonObject,
        node_id: n.id,
        parent_id: i === 0 ? c.parent_id : n.parent_id,
        blueprint_type_id: n.blueprint_type_id,
        name: n.name,
        index: i === 0 ? c.index : (positions.get(n.id) ?? 0),
      }));
    }
    case 'delete':
      return [{ event: 'node-deleted', node_id: c.nodes[0]!.id, deleted_ids: c.nodes.map((n) => n.id) }];
    case 'move':
      if (c.via === 'move') {
        return [
          {
            event: 'node-moved',
            node_id: c.node_id,
            old_parent_id: c.from_parent,
            old_index: c.from_index,
            parent_id: c.to_parent,
            index: c.to_index,
          },
        ];
      }
      if (c.to_parent === null)
        return [{ event: 'node-unlinked', parent_id: c.from_parent, child_id: c.node_id }];
      return [
        {
          event: 'node-linked',
          parent_id: c.to_parent,
          child_id: c.node_id,
          index: c.to_index,
          old_parent_id: c.from_parent,
        },
      ];
    case 'set': {
      const property_name = template.propertyByRef.get(c.type_id)?.get(c.property_id)?.uuid ?? c.property_id;
      if (c.via === 'delete' || (c.via === undefined && c.new === undefined)) {
        return [
          {
            event: 'property-deleted',
            node_id: c.node_id,
            property_id: c.property_id,
            property_name,
            old_value: c.old ?? null,
          },
        ];
      }
      return [
        {
          event: 'property-changed',
          node_id: c.node_id,
          property_id: c.property_id,
          property_name,
          old_value: c.old ?? null,
          new_value: c.new ?? null,
        },
      ];
    }
    default:
      return assertNever(c);
  }
}
