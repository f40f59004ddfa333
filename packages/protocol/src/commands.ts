import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** Node ids are UUIDs in practice, but any 1–200 character string is accepted as a reference. */
const NodeId = Type.String({ minLength: 1, maxLength: 200 });
const Ref = Type.String({ minLength: 1, maxLength: 200 });
const Index = Type.Integer({ minimum: 0 });
/** Any JSON value; the property's type decides what is allowed. */
const Value = Type.Unknown();
/** The original clients send `old_value`; it is accepted and ignored. */
const OldValue = { old_value: Type.Optional(Type.Unknown()) };

const strict = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false });

export const CreateNodeData = strict({
  parent_id: Type.Union([NodeId, Type.Null()]),
  blueprint_type_id: Ref,
  // a name is text: at most 100,000 characters, which the core counts (up to 200,000 UTF-16 units)
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200_000 })),
  properties: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Value)),
  index: Type.Optional(Index),
  node_id: Type.Optional(NodeId),
});
export const DeleteNodeData = strict({ node_id: NodeId });
export const UpdatePropertyData = strict({ node_id: NodeId, property_id: Ref, value: Value, ...OldValue });
export const DeletePropertyData = strict({ node_id: NodeId, property_id: Ref, ...OldValue });
export const LinkNodeData = strict({ parent_id: NodeId, child_id: NodeId, index: Type.Optional(Index) });
export const UnlinkNodeData = strict({ parent_id: NodeId, child_id: NodeId });
export const MoveNodeData = strict({
  node_id: NodeId,
  parent_id: Type.Union([NodeId, Type.Null()]),
  index: Index,
});

/** Every command type but `Batch`, with the schema of its `data`. */
export const SIMPLE_COMMAND_SCHEMAS = {
  CreateNode: CreateNodeData,
  DeleteNode: DeleteNodeData,
  UpdateProperty: UpdatePropertyData,
  DeleteProperty: DeletePropertyData,
  LinkNode: LinkNodeData,
  UnlinkNode: UnlinkNodeData,
  MoveNode: MoveNodeData,
} as const;

export type SimpleCommandType = keyof typeof SIMPLE_COMMAND_SCHEMAS;
export const SIMPLE_COMMAND_TYPES = Object.keys(SIMPLE_COMMAND_SCHEMAS) as SimpleCommandType[];

export const BatchData = strict({
  commands: Type.Array(strict({ command_type: Type.String(), data: Type.Unknown() }), {
    minItems: 1,
    maxItems: 1000,
  }),
});

export const COMMAND_TYPES = [...SIMPLE_COMMAND_TYPES, 'Batch'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

export type CreateNodeData = Static<typeof CreateNodeData>;
export type DeleteNodeData = Static<typeof DeleteNodeData>;
export type UpdatePropertyData = Static<typeof UpdatePropertyData>;
export type DeletePropertyData = Static<typeof DeletePropertyData>;
export type LinkNodeData = Static<typeof LinkNodeData>;
export type UnlinkNodeData = Static<typeof UnlinkNodeData>;
export type MoveNodeData = Static<typeof MoveNodeData>;

/** A validated simple command: a discriminated union on `command_type`. */
export type SimpleCommand =
  | { command_type: 'CreateNode'; data: CreateNodeData }
  | { command_type: 'DeleteNode'; data: DeleteNodeData }
  | { command_type: 'UpdateProperty'; data: UpdatePropertyData }
  | { command_type: 'DeleteProperty'; data: DeletePropertyData }
  | { command_type: 'LinkNode'; data: LinkNodeData }
  | { command_type: 'UnlinkNode'; data: UnlinkNodeData }
  | { command_type: 'MoveNode'; data: MoveNodeData };

export type Command = SimpleCommand | { command_type: 'Batch'; data: { commands: SimpleCommand[] } };

/** `command_id`: 1–128 printable characters. */
export const CommandId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x20-\\x7E]+$' });
export const UndoScope = Type.Union([Type.Literal('session'), Type.Literal('mine')]);
export type UndoScope = Static<typeof UndoScope>;
