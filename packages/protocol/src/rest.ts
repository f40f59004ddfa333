import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CommandId, UndoScope } from './commands.js';

const strict = <T extends Record<string, TSchema>>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });

/** A session id as the server issues them (UUIDs); anything else is `INVALID_SESSION`. */
export const SessionIdParam = Type.String({ minLength: 1, maxLength: 2048 });
const RevisionQuery = Type.String({ pattern: '^[0-9]{1,15}$', description: 'A revision number' });

export const SessionParams = strict({ id: SessionIdParam });
export const ProjectParams = strict({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const TemplateParams = strict({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const CreateProjectBody = strict({
  template_id: Type.String({ minLength: 1, maxLength: 200 }),
  project_name: Type.String({ minLength: 1, maxLength: 200 }),
  session_id: Type.Optional(SessionIdParam),
});
export type CreateProjectBody = Static<typeof CreateProjectBody>;

export const RenameProjectBody = strict({ name: Type.String({ minLength: 1, maxLength: 200 }) });

export const CleanupBody = strict({ max_inactive_hours: Type.Number({ minimum: 0, maximum: 1_000_000 }) });

export const ExecuteBody = strict({
  session_id: SessionIdParam,
  command_type: Type.String({ maxLength: 100 }),
  data: Type.Optional(Type.Unknown({ description: 'The command data (see the command table)' })),
  command_id: Type.Optional(CommandId),
  expected_revision: Type.Optional(Type.Integer({ minimum: 0 })),
  include_graph: Type.Optional(Type.Boolean()),
});
export type ExecuteBody = Static<typeof ExecuteBody>;

export const UndoBody = strict({
  scope: Type.Optional(UndoScope),
  command_id: Type.Optional(CommandId),
  expected_revision: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type UndoBody = Static<typeof UndoBody>;

export const GraphQuery = strict({ session_id: SessionIdParam });
export const SinceQuery = strict({ since: RevisionQuery });
export const HistoryQuery = strict({
  before: Type.Optional(RevisionQuery),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
});
export const ExportQuery = strict({
  history: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
});
export const ImportQuery = strict({
  template_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export const UploadTemplateQuery = strict({ id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' }) });

/** The error envelope of every refusal, over HTTP and in socket acks. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

// socket payloads (client → server)
export const JoinPayload = strict({
  session_id: SessionIdParam,
  since_revision: Type.Optional(Type.Integer({ minimum: 0 })),
  batched: Type.Optional(Type.Boolean()),
});
export type JoinPayload = Static<typeof JoinPayload>;
export const LeavePayload = strict({ session_id: SessionIdParam });
export const ExecutePayload = ExecuteBody;
export const UndoPayload = strict({
  session_id: SessionIdParam,
  scope: Type.Optional(UndoScope),
  command_id: Type.Optional(CommandId),
  expected_revision: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type UndoPayload = Static<typeof UndoPayload>;
export const PresencePayload = strict({
  session_id: SessionIdParam,
  selected_node_id: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  editing_property_id: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
});
export type PresencePayload = Static<typeof PresencePayload>;
