import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Answers,
  CleanupBody,
  GraphQuery,
  SessionParams,
  SinceQuery,
  TreeGraphSchema,
  UndoBody,
} from '@talus/protocol';
import { actorOf, visibleTo } from '../auth/request.js';
import type { Hub, Session } from '../hub.js';
import { answers } from './responses.js';

/** Sessions, undo/redo, graph reads, catch-up, snapshots: the original's session routes and their kin. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ hub: Hub }> = async (app, { hub }) => {
  const sessionInfo = (s: Session, clients: number) => ({
    session_id: s.row.session_id,
    project_id: s.row.project_id,
    created_at: s.row.created_at,
    last_activity: s.row.last_activity,
    active_clients: clients,
    has_project: s.row.project_id !== null,
  });

  app.post(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Create an empty session',
        response: answers(Answers.sessionCreated, 201),
      },
    },
    async (_req, reply) => {
      const s = await hub.createSession();
      return reply.code(201).send({ session_id: s.row.session_id });
    },
  );

  app.get(
    '/sessions',
    { schema: { tags: ['sessions'], summary: 'List sessions', response: answers(Answers.sessions) } },
    async (req) => {
      const visible = await visibleTo(req); // authentication on: only what the caller may see
      const sessions = (await hub.listSessions())
        .filter(({ session }) => visible(session.row.project_id))
        .map(({ session, clients }) => sessionInfo(session, clients));
      return { sessions, total: sessions.length };
    },
  );

  app.get(
    '/sessions/:id/info',
    { schema: { tags: ['sessions'], params: SessionParams, response: answers(Answers.sessionInfo) } },
    async (req) => {
      const s = await hub.session(req.params.id);
      const base = sessionInfo(s, await hub.clients(s.row.session_id));
      if (!s.row.project_id) {
        return { ...base, undo_available: false, redo_available: false, node_count: 0, revision: null };
      }
      const { project } = await hub.projectOfSession(s);
      return {
        ...base,
        undo_available: project.undoAvailable,
        redo_available: project.redoAvailable,
        node_count: project.graph.size,
        revision: project.revision,
      };
    },
  );

  app.post(
    '/sessions/cleanup',
    { schema: { tags: ['sessions'], body: CleanupBody, response: answers(Answers.cleanup) } },
    async (req) => hub.cleanupSessions(req.body.max_inactive_hours),
  );

  for (const kind of ['undo', 'redo'] as const) {
    app.post(
      `/sessions/:id/${kind}`,
      {
        schema: {
          tags: ['commands'],
          summary: `${kind} in the session`,
          params: SessionParams,
          body: UndoBody,
          response: answers(Answers.undone),
        },
        // the original's clients post undo/redo without a body (a JSON `null` body is not "no body": 400)
        preValidation: async (req) => {
          if (req.body === undefined) req.body = {};
        },
      },
      async (req) => hub.undoRedo(kind, req.params.id, req.body, actorOf(req)),
    );
  }

  const graphOf = async (sessionId: string) => {
    const loaded = await hub.projectOfSession(await hub.session(sessionId));
    return hub.tree(loaded);
  };
  app.get(
    '/graph',
    { schema: { tags: ['graph'], querystring: GraphQuery, response: answers(TreeGraphSchema) } },
    async (req) => graphOf(req.query.session_id),
  );
  app.get(
    '/sessions/:id/graph',
    { schema: { tags: ['graph'], params: SessionParams, response: answers(TreeGraphSchema) } },
    async (req) => graphOf(req.params.id),
  );
  app.get(
    '/sessions/:id/graph/tree',
    { schema: { tags: ['graph'], params: SessionParams, response: answers(TreeGraphSchema) } },
    async (req) => graphOf(req.params.id),
  );

  app.get(
    '/sessions/:id/events',
    {
      schema: {
        tags: ['graph'],
        params: SessionParams,
        querystring: SinceQuery,
        response: answers(Answers.events),
      },
    },
    async (req) => {
      const s = await hub.session(req.params.id);
      const loaded = await hub.projectOfSession(s);
      return hub.eventsSince(loaded, Number(req.query.since), s.row.session_id);
    },
  );

  app.post(
    '/sessions/:id/save',
    { schema: { tags: ['sessions'], params: SessionParams, response: answers(Answers.saved) } },
    async (req) => {
      const s = await hub.session(req.params.id);
      const loaded = await hub.projectOfSession(s);
      return { success: true as const, revision: await hub.saveSnapshot(loaded, s.row.session_id) };
    },
  );
};
