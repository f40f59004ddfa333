import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Answers, ExecuteBody } from '@talus/protocol';
import { actorOf } from '../auth/request.js';
import type { Hub } from '../hub.js';
import { answers } from './responses.js';

/** `POST /commands/execute`: the same pipeline as the socket's `execute_command`. */
export const commandRoutes: FastifyPluginAsyncTypebox<{ hub: Hub }> = async (app, { hub }) => {
  app.post(
    '/commands/execute',
    {
      schema: {
        tags: ['commands'],
        summary: 'Execute a command in a session',
        body: ExecuteBody,
        response: answers(Answers.executed),
      },
    },
    async (req) => {
      const { session_id, ...rest } = req.body;
      return hub.execute(session_id, rest, actorOf(req));
    },
  );
};
