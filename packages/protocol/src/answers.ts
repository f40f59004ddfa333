import { type TSchema, Type } from '@sinclair/typebox';

/**
 * The answers of the REST API, for the OpenAPI document and response serialization. Objects are open
 * (`additionalProperties: true`) so that nothing the server adds is silently dropped.
 */
const open = <T extends Record<string, TSchema>>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: true, ...(description ? { description } : {}) });

const Json = Type.Unknown();
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ActorSchema = open({ id: Type.String(), name: Type.String() });

export const NodeInIdFormSchema = open(
  {
    id: Type.String(),
    blueprint_type_id: Type.String(),
    name: Type.String(),
    properties: Type.Record(Type.String(), Json),
    parent_id: Nullable(Type.String()),
    children: Type.Array(Type.String()),
    metadata: Type.Record(Type.String(), Json),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  'A node in id form: children are ids, in order',
);

export const TreeGraphSchema = open(
  {
    revision: Type.Integer(),
    roots: Type.Array(Json, {
      description: 'Nodes in tree form: each carries its child nodes in `children`',
    }),
  },
  'The graph in tree form at a revision',
);

export const GraphEventSchema = open(
  { event: Type.String(), revision: Type.Integer() },
  'An event as broadcast: name, envelope and payload (see docs/protocol.md)',
);

export const SessionInfoSchema = open({
  session_id: Type.String(),
  project_id: Nullable(Type.String()),
  created_at: Type.String(),
  last_activity: Type.String(),
  active_clients: Type.Integer(),
  has_project: Type.Boolean(),
});

export const Answers = {
  health: open({ status: Type.Literal('ok'), version: Type.String() }),
  sessionCreated: open({ session_id: Type.String() }),
  sessions: open({ sessions: Type.Array(SessionInfoSchema), total: Type.Integer() }),
  sessionInfo: open({
    ...SessionInfoSchema.properties,
    undo_available: Type.Boolean(),
    redo_available: Type.Boolean(),
    node_count: Type.Integer(),
    revision: Nullable(Type.Integer()),
  }),
  cleanup: open({ sessions_removed: Type.Integer(), active_sessions: Type.Integer() }),
  projectCreated: open({
    session_id: Type.String(),
    project_id: Type.String(),
    revision: Type.Integer(),
    graph: TreeGraphSchema,
  }),
  project: open({
    project_id: Type.String(),
    name: Type.String(),
    template_id: Type.String(),
    template_version: Type.String(),
    revision: Type.Integer(),
    graph: TreeGraphSchema,
  }),
  projects: open({
    projects: Type.Array(
      open({
        project_id: Type.String(),
        name: Type.String(),
        template_id: Type.String(),
        revision: Type.Integer(),
        updated_at: Type.String(),
        session_id: Type.Optional(Type.String()),
      }),
    ),
  }),
  renamed: open({ project_id: Type.String(), name: Type.String() }),
  opened: open({ session_id: Type.String(), revision: Type.Integer() }),
  history: open({
    history: Type.Array(
      open({
        revision: Type.Integer(),
        kind: Type.Union([Type.Literal('command'), Type.Literal('undo'), Type.Literal('redo')]),
        command_id: Type.String(),
        command_type: Type.String(),
        actor: ActorSchema,
        timestamp: Type.String(),
        data: Json,
        changes: Type.Array(Json),
      }),
    ),
    next_before: Nullable(Type.Integer()),
  }),
  events: open({ revision: Type.Integer(), events: Type.Array(GraphEventSchema) }),
  executed: open({
    success: Type.Literal(true),
    command_id: Type.String(),
    revision: Type.Integer(),
    node_id: Type.Optional(Type.String()),
    node_ids: Type.Optional(Type.Array(Type.String())),
    events: Type.Array(GraphEventSchema),
    graph: Type.Optional(TreeGraphSchema),
  }),
  undone: open({
    success: Type.Literal(true),
    command_id: Type.String(),
    undone_command_id: Type.Optional(Type.String()),
    redone_command_id: Type.Optional(Type.String()),
    revision: Type.Integer(),
    events: Type.Array(GraphEventSchema),
  }),
  saved: open({ success: Type.Literal(true), revision: Type.Integer() }),
  imported: open({
    project_id: Type.String(),
    session_id: Type.String(),
    revision: Type.Integer(),
    node_count: Type.Integer(),
  }),
  loadedGraph: open({
    success: Type.Literal(true),
    session_id: Type.String(),
    project_id: Type.String(),
    revision: Type.Integer(),
    graph: TreeGraphSchema,
  }),
  exported: open({
    format: Type.Literal('talus-tally/1'),
    exported_at: Type.String(),
    project: open({ project_id: Type.String(), name: Type.String(), template_id: Type.String() }),
    nodes: Type.Array(NodeInIdFormSchema),
  }),
  templates: open({
    templates: Type.Array(
      open({
        id: Type.String(),
        name: Type.String(),
        description: Type.String(),
        version: Type.String(),
        valid: Type.Boolean(),
        problems: Type.Optional(
          Type.Array(open({ file: Type.String(), path: Type.String(), message: Type.String() })),
        ),
      }),
    ),
  }),
  schema: open({
    template_id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    version: Type.String(),
    node_types: Type.Array(Json),
  }),
  templateUploaded: open({ template_id: Type.String() }),
} as const;
