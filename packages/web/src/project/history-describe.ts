import type { HistoryEntry, Json, JsonObject } from '@talus/client';
import { clip } from '../ui/text.js';
import { formatCurrency } from './inspector/validate.js';
import type { SchemaIndex } from './schema-index.js';

export interface DescribeContext {
  schema: SchemaIndex;
  /** The node's current name, if it still exists. */
  nameOf(id: string): string | undefined;
}

function nodeName(ctx: DescribeContext, id: Json | undefined, fallback?: Json): string {
  const name =
    (typeof id === 'string' && ctx.nameOf(id)) || (typeof fallback === 'string' ? fallback : undefined);
  return name ? `“${clip(name, 40)}”` : 'a node';
}

function showValue(ctx: DescribeContext, typeId: string, propertyId: string, v: Json | undefined): string {
  if (v === undefined || v === null) return 'nothing';
  const p = ctx.schema.type(typeId)?.properties.find((x) => x.id === propertyId);
  if (p?.type === 'select') return ctx.schema.option(p, v)?.name ?? String(v);
  if (p?.type === 'currency') return formatCurrency(v);
  if (p?.type === 'checkbox') return v === true ? 'yes' : 'no';
  if (p?.type === 'node_reference') {
    const ids = Array.isArray(v) ? v : [v];
    return ids.map((id) => nodeName(ctx, id)).join(', ');
  }
  return typeof v === 'string' ? `“${clip(v, 40)}”` : clip(JSON.stringify(v), 40);
}

/** One change of a history entry in words: "added Phase “Bodywork”", "set Status of “Engine” to Done". */
export function describeChange(ctx: DescribeContext, c: JsonObject): string {
  const nodes = Array.isArray(c.nodes) ? (c.nodes as JsonObject[]) : [];
  const first = nodes[0];
  switch (c.op) {
    case 'create': {
      const type =
        typeof first?.blueprint_type_id === 'string' ? ctx.schema.typeLabel(first.blueprint_type_id) : 'node';
      const more = nodes.length > 1 ? ` with ${nodes.length - 1} inside` : '';
      return `added ${type} ${nodeName(ctx, undefined, first?.name)}${more}`;
    }
    case 'delete': {
      const more = nodes.length > 1 ? ` and ${nodes.length - 1} inside` : '';
      return `deleted ${nodeName(ctx, undefined, first?.name)}${more}`;
    }
    case 'move':
      return `moved ${nodeName(ctx, c.node_id)}`;
    case 'set': {
      const typeId = typeof c.type_id === 'string' ? c.type_id : '';
      const propertyId = typeof c.property_id === 'string' ? c.property_id : '';
      if (propertyId === 'name')
        return `renamed ${nodeName(ctx, undefined, c.old)} to ${showValue(ctx, typeId, 'name', c.new)}`;
      const label = ctx.schema.type(typeId)?.properties.find((p) => p.id === propertyId)?.label ?? propertyId;
      if (c.new === undefined) return `cleared ${label} of ${nodeName(ctx, c.node_id)}`;
      return `set ${label} of ${nodeName(ctx, c.node_id)} to ${showValue(ctx, typeId, propertyId, c.new)}`;
    }
    default:
      return 'changed the project';
  }
}

/**
 * The change an undo entry reverses, as the undone command made it: an undo's own changes run backwards
 * (undoing "added X" deletes X), so "undid: added X" is told from its inverse.
 */
function undone(c: JsonObject): JsonObject {
  switch (c.op) {
    case 'create':
      return { ...c, op: 'delete' };
    case 'delete':
      return { ...c, op: 'create' };
    case 'set': {
      const { old, new: now, ...rest } = c;
      return {
        ...rest,
        ...(now === undefined ? {} : { old: now }),
        ...(old === undefined ? {} : { new: old }),
      };
    }
    default:
      return c;
  }
}

/** A whole history entry in words; undo and redo say so, naming what the undone or redone command did. */
export function describeEntry(ctx: DescribeContext, entry: HistoryEntry): string {
  const changes = entry.kind === 'undo' ? [...entry.changes].reverse().map(undone) : entry.changes;
  const main = changes.length > 0 ? describeChange(ctx, changes[0]!) : entry.command_type;
  const more = changes.length > 1 ? ` (+${changes.length - 1} more)` : '';
  const prefix = entry.kind === 'undo' ? 'undid: ' : entry.kind === 'redo' ? 'redid: ' : '';
  return `${prefix}${main}${more}`;
}
