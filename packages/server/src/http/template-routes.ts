import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TalusError } from '@talus/core';
import { Answers, TemplateParams, UploadTemplateQuery } from '@talus/protocol';
import type { Hub } from '../hub.js';
import { answers } from './responses.js';

/** Templates: list, schema, upload (YAML). */
export const templateRoutes: FastifyPluginAsyncTypebox<{ hub: Hub }> = async (app, { hub }) => {
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );

  app.get(
    '/templates',
    { schema: { tags: ['templates'], response: answers(Answers.templates) } },
    async () => ({
      templates: hub.templates.list(),
    }),
  );

  app.get(
    '/templates/:id/schema',
    { schema: { tags: ['templates'], params: TemplateParams, response: answers(Answers.schema) } },
    async (req) => hub.templates.schema(req.params.id),
  );

  app.post(
    '/templates',
    {
      schema: {
        tags: ['templates'],
        querystring: UploadTemplateQuery,
        response: answers(Answers.templateUploaded, 201),
      },
    },
    async (req, reply) => {
      if (typeof req.body !== 'string') {
        throw new TalusError(
          'INVALID_REQUEST',
          'send the template as YAML with Content-Type: application/yaml',
        );
      }
      await hub.templates.upload(req.query.id, req.body, hub.store);
      return reply.code(201).send({ template_id: req.query.id });
    },
  );
};
