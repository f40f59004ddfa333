import type { Actor } from '@talus/core';
import type { FastifyRequest } from 'fastify';
import { declaredActor, headerName } from '../actor.js';

/**
 * What the REST routes ask about the caller. With authentication off these fall back to today's local
 * behaviour: the declared actor (`X-Talus-User`), every project visible, no memberships.
 */

/** The actor of the request's commands: the signed-in user, else the name declared in `X-Talus-User`. */
export function actorOf(req: FastifyRequest): Actor {
  return req.principal?.actor ?? declaredActor(headerName(req.headers['x-talus-user']));
}

/** Which projects (and so sessions; null = a session with no project) the caller may see in lists. */
export async function visibleTo(req: FastifyRequest): Promise<(projectId: string | null) => boolean> {
  const auth = req.server.talusAuth;
  if (!auth) return () => true;
  if (!req.principal) return () => false;
  return auth.visibility(req.principal);
}

/** Before loading a project into an existing empty session: other users' sockets leave it. */
export async function beforeAdopt(req: FastifyRequest, sessionId: string | undefined): Promise<void> {
  const auth = req.server.talusAuth;
  if (auth && req.principal && sessionId !== undefined) await auth.beforeAdopt(req.principal, sessionId);
}

/** The caller made a project (create, import, load-graph): they become its owner. */
export async function becameOwner(
  req: FastifyRequest,
  projectId: string,
  sessionId: string | null,
): Promise<void> {
  const auth = req.server.talusAuth;
  if (auth && req.principal) await auth.becameOwner(req.principal, projectId, sessionId);
}
