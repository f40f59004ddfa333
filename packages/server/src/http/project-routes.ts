import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { publicEntry, TalusError } from '@talus/core';
import {
  Answers,
  CreateProjectBody,
  ExportQuery,
  HistoryQuery,
  ImportQuery,
  ProjectParams,
  RenameProjectBody,
  SessionParams,
  SinceQuery,
} from '@talus/protocol';
import { becameOwner, beforeAdopt, visibleTo } from '../auth/request.js';
import type { Hub } from '../hub.js';
import { exportFile, importProject } from '../importer.js';
import { answers } from './responses.js';

/** Projects: create, read, list, rename, delete, open, history, catch-up, export and import. */
export const projectRoutes: FastifyPluginAsyncTypebox<{ hub: Hub; importLimit: number }> = async (
  app,
  { hub, importLimit },
) => {
  app.post(
    '/projects',
    {
      schema: { tags: ['projects'], body: CreateProjectBody, response: answers(Answers.projectCreated, 201) },
    },
    async (req, reply) => {
      const { template_id, project_name, session_id } = req.body;
      await beforeAdopt(req, session_id);
      const { session, loaded } = await hub.createProject(template_id, project_name, session_id);
      await becameOwner(req, loaded.project.id, session.row.session_id);
      return reply.code(201).send({
        session_id: session.row.session_id,
        project_id: loaded.project.id,
        revision: loaded.project.revision,
        graph: hub.tree(loaded),
      });
    },
  );

  app.get(
    '/projects',
    { schema: { tags: ['projects'], response: answers(Answers.projects) } },
    async (req) => {
      const visible = await visibleTo(req); // authentication on: only the caller's projects
      const rows = (await hub.listProjects()).filter((r) => visible(r.id));
      const sessionOf = new Map((await hub.sessions.list()).map((s) => [s.row.project_id, s.row.session_id]));
      return {
        projects: rows.map((r) => {
          const sid = sessionOf.get(r.id);
          return {
            project_id: r.id,
            name: r.name,
            template_id: r.template_id,
            revision: r.revision,
            updated_at: r.updated_at,
            ...(sid ? { session_id: sid } : {}),
          };
        }),
      };
    },
  );

  app.get(
    '/projects/:id',
    { schema: { tags: ['projects'], params: ProjectParams, response: answers(Answers.project) } },
    async (req) => {
      const loaded = await hub.fresh(req.params.id);
      return {
        project_id: loaded.project.id,
        name: loaded.project.name,
        template_id: loaded.row.template_id,
        template_version: loaded.row.template_version,
        revision: loaded.project.revision,
        graph: hub.tree(loaded),
      };
    },
  );

  app.patch(
    '/projects/:id',
    {
      schema: {
        tags: ['projects'],
        params: ProjectParams,
        body: RenameProjectBody,
        response: answers(Answers.renamed),
      },
    },
    async (req) => {
      await hub.renameProject(req.params.id, req.body.name);
      return { project_id: req.params.id, name: req.body.name };
    },
  );

  app.delete(
    '/projects/:id',
    { schema: { tags: ['projects'], params: ProjectParams } },
    async (req, reply) => {
      await hub.deleteProject(req.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/projects/:id/open',
    { schema: { tags: ['projects'], params: ProjectParams, response: answers(Answers.opened) } },
    async (req) => {
      const { session, loaded } = await hub.openProject(req.params.id);
      return { session_id: session.row.session_id, revision: loaded.committed };
    },
  );

  app.get(
    '/projects/:id/schema',
    {
      schema: {
        tags: ['projects'],
        summary:
          "The schema of the project's own copy of its template (what its commands are checked against)",
        params: ProjectParams,
        response: answers(Answers.schema),
      },
    },
    async (req) => hub.templates.schemaOf((await hub.fresh(req.params.id)).project.template),
  );

  app.get(
    '/projects/:id/history',
    {
      schema: {
        tags: ['projects'],
        params: ProjectParams,
        querystring: HistoryQuery,
        response: answers(Answers.history),
      },
    },
    async (req) => {
      const loaded = await hub.fresh(req.params.id);
      const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
      if (limit < 1 || limit > 1000) throw new TalusError('INVALID_REQUEST', 'limit must be from 1 to 1000');
      const before = req.query.before === undefined ? Number.POSITIVE_INFINITY : Number(req.query.before);
      const all = loaded.project.history;
      let end = all.length;
      while (end > 0 && all[end - 1]!.revision >= before) end--;
      const page = all.slice(Math.max(0, end - limit), end).reverse();
      const last = page.at(-1);
      const more = last !== undefined && end - limit > 0;
      return { history: page.map(publicEntry), next_before: more ? last.revision : null };
    },
  );

  app.get(
    '/projects/:id/events',
    {
      schema: {
        tags: ['graph'],
        params: ProjectParams,
        querystring: SinceQuery,
        response: answers(Answers.events),
      },
    },
    async (req) => {
      const loaded = await hub.fresh(req.params.id);
      const session = await hub.sessionOf(loaded.project.id);
      return hub.eventsSince(loaded, Number(req.query.since), session?.row.session_id ?? null);
    },
  );

  app.get(
    '/projects/:id/export',
    {
      schema: {
        tags: ['projects'],
        params: ProjectParams,
        querystring: ExportQuery,
        response: answers(Answers.exported),
      },
    },
    async (req) => exportFile(await hub.fresh(req.params.id), req.query.history === 'true'),
  );

  app.post(
    '/projects/import',
    {
      bodyLimit: importLimit,
      schema: { tags: ['projects'], querystring: ImportQuery, response: answers(Answers.imported, 201) },
    },
    async (req, reply) => {
      const { session, loaded } = await importProject(hub, req.body, req.query.template_id);
      await becameOwner(req, loaded.project.id, session.row.session_id);
      return reply.code(201).send({
        project_id: loaded.project.id,
        session_id: session.row.session_id,
        revision: loaded.project.revision,
        node_count: loaded.project.graph.size,
      });
    },
  );

  app.post(
    '/sessions/:id/load-graph',
    {
      bodyLimit: importLimit,
      schema: {
        tags: ['sessions'],
        params: SessionParams,
        querystring: ImportQuery,
        response: answers(Answers.loadedGraph),
      },
    },
    async (req) => {
      const session = await hub.session(req.params.id);
      await beforeAdopt(req, session.row.session_id);
      const { loaded } = await importProject(hub, req.body, req.query.template_id, session);
      await becameOwner(req, loaded.project.id, session.row.session_id);
      return {
        success: true as const,
        session_id: session.row.session_id,
        project_id: loaded.project.id,
        revision: loaded.project.revision,
        graph: hub.tree(loaded),
      };
    },
  );
};
