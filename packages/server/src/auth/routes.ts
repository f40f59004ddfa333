import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isTalusError, TalusError } from '@talus/core';
import {
  AccountAnswers,
  CreateTokenBody,
  CreateUserBody,
  LoginBody,
  MemberBody,
  MemberParams,
  ProjectParams,
  SignupBody,
  TokenParams,
} from '@talus/protocol';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { answers } from '../http/responses.js';
import { sessionCookieOptions } from './http.js';
import { SESSION_COOKIE } from './secrets.js';
import type { AuthService, Principal } from './service.js';

const STATUS_ROUTE = '/api/v1/auth/status';

function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new TalusError('UNAUTHORIZED', 'sign in first');
  return req.principal;
}

/**
 * Accounts, login, API tokens and project members (PRODUCT.md section 9). Who may call each is in
 * `policy.ts`; with authentication off they all answer 400 INVALID_REQUEST, but `GET /auth/status`.
 */
export const accountRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService | null; config: Config }> = async (
  app,
  { auth: maybeAuth, config },
) => {
  app.addHook('onRequest', async (req) => {
    if (!maybeAuth && req.routeOptions.url !== STATUS_ROUTE) {
      throw new TalusError(
        'INVALID_REQUEST',
        'authentication is off (TALUS_AUTH=off, local mode): there are no accounts',
      );
    }
  });
  // with authentication off the hook above answers first; handlers only run with it on
  const service = () => maybeAuth!;

  app.get(
    '/auth/status',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Whether accounts are on, and whether the first account is still to be made',
        response: answers(AccountAnswers.authStatus),
      },
    },
    async () => (maybeAuth ? maybeAuth.status() : { auth: false }),
  );

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign up (the first account is an administrator; later ones need TALUS_SIGNUP=open)',
        body: SignupBody,
        response: answers(AccountAnswers.user, 201),
      },
    },
    async (req, reply) => reply.code(201).send({ user: await service().signup(req.body) }),
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign in: a token and an HTTP-only session cookie',
        body: LoginBody,
        response: answers(AccountAnswers.login),
      },
    },
    async (req, reply) => {
      try {
        const r = await service().login(req.body.username, req.body.password);
        reply.header('cache-control', 'no-store'); // the answer carries a secret
        reply.setCookie(SESSION_COOKIE, r.token, sessionCookieOptions(config, r.expires_at));
        return r;
      } catch (err) {
        if (isTalusError(err) && err.code === 'RATE_LIMITED') {
          reply.header('retry-after', String(err.details?.retry_after ?? 900));
        }
        throw err;
      }
    },
  );

  app.post(
    '/auth/logout',
    { schema: { tags: ['accounts'], summary: 'End the login session (the cookie or Bearer one)' } },
    async (req, reply) => {
      await service().logout(principalOf(req));
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
      return reply.code(204).send();
    },
  );

  app.get(
    '/me',
    { schema: { tags: ['accounts'], summary: 'The signed-in user', response: answers(AccountAnswers.user) } },
    async (req) => ({ user: principalOf(req).user }),
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (administrators)',
        body: CreateUserBody,
        response: answers(AccountAnswers.user, 201),
      },
    },
    async (req, reply) => reply.code(201).send({ user: await service().createUser(req.body) }),
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create a personal API token (shown once)',
        body: CreateTokenBody,
        response: answers(AccountAnswers.tokenCreated, 201),
      },
    },
    async (req, reply) => {
      const token = await service().createToken(principalOf(req), req.body.name);
      return reply.code(201).header('cache-control', 'no-store').send(token);
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['accounts'],
        summary: "The caller's API tokens (never the tokens themselves)",
        response: answers(AccountAnswers.tokens),
      },
    },
    async (req) => ({ tokens: await service().listTokens(principalOf(req)) }),
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Revoke an API token; sockets using it are disconnected',
        params: TokenParams,
      },
    },
    async (req, reply) => {
      await service().revokeToken(principalOf(req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/projects/:id/members',
    {
      schema: {
        tags: ['accounts'],
        summary: "A project's members (any member)",
        params: ProjectParams,
        response: answers(AccountAnswers.members),
      },
    },
    async (req) => ({ members: await service().listMembers(req.params.id) }),
  );

  app.post(
    '/projects/:id/members',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Add a member or change a role (owners)',
        params: ProjectParams,
        body: MemberBody,
        response: answers(AccountAnswers.member),
      },
    },
    async (req) => service().setMember(req.params.id, req.body.username, req.body.role),
  );

  app.delete(
    '/projects/:id/members/:username',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Remove a member (owners); their sockets leave the session',
        params: MemberParams,
      },
    },
    async (req, reply) => {
      await service().removeMember(req.params.id, req.params.username);
      return reply.code(204).send();
    },
  );
};
