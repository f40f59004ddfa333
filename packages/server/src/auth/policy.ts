import { TalusError } from '@talus/core';
import type { Role } from '../store/account-store.js';

/**
 * Who may do what (PRODUCT.md section 9), in one place: every REST route and every socket event is mapped
 * to an action here, and the transports ask `decide` — there are no permission checks anywhere else.
 *
 * - `public`: anyone, without credentials;
 * - `signed-in`: any account (the answer may still be filtered to what the caller may see);
 * - `admin`: administrators only;
 * - `metrics`: administrators, or anyone on loopback when `TALUS_METRICS_PUBLIC=true`;
 * - `read`, `edit`, `rename`, `delete`, `manage`: about one project, named directly or through a session;
 *   they need the role in `MIN_ROLE` (administrators have owner rights on every project).
 *
 * Members who may not act get 403 FORBIDDEN; callers who may not even see the project get the same 404 as
 * for a project or session that does not exist. A session with no project yet may be used by id by any
 * signed-in user (whoever loads a project into it becomes its owner).
 */
export type ProjectAction = 'read' | 'edit' | 'rename' | 'delete' | 'manage';
export type Action = 'public' | 'signed-in' | 'admin' | 'metrics' | ProjectAction;

/** Where the rule finds the project or session it is about. */
export interface Target {
  kind: 'project' | 'session';
  /** `params`, `query` or `body` of a request; `payload` of a socket event. */
  from: 'params' | 'query' | 'body' | 'payload';
  key: string;
  /** The request may leave it out (then only the action's account condition applies). */
  optional?: boolean;
}

export interface Rule {
  action: Action;
  target?: Target;
}

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export const MIN_ROLE: Record<ProjectAction, Role> = {
  read: 'viewer',
  edit: 'editor',
  rename: 'editor',
  delete: 'owner',
  manage: 'owner',
};

const rule = (action: Action, target?: Target): Rule => (target ? { action, target } : { action });
const project = (action: ProjectAction, from: Target['from'] = 'params', key = 'id') =>
  rule(action, { kind: 'project', from, key });
const session = (action: ProjectAction, from: Target['from'] = 'params', key = 'id', optional = false) =>
  rule(action, { kind: 'session', from, key, ...(optional ? { optional } : {}) });

const API = '/api/v1';

/** Every route of the REST API (method and route pattern, as Fastify registers them). */
export const ROUTE_RULES: Readonly<Record<string, Rule>> = {
  [`GET ${API}/health`]: rule('public'),
  [`GET ${API}/openapi.json`]: rule('public'),
  [`GET ${API}/auth/status`]: rule('public'),
  [`POST ${API}/auth/signup`]: rule('public'),
  [`POST ${API}/auth/login`]: rule('public'),
  [`POST ${API}/auth/logout`]: rule('signed-in'),
  [`GET ${API}/me`]: rule('signed-in'),
  [`POST ${API}/users`]: rule('admin'),
  [`POST ${API}/tokens`]: rule('signed-in'),
  [`GET ${API}/tokens`]: rule('signed-in'),
  [`DELETE ${API}/tokens/:id`]: rule('signed-in'),

  [`GET ${API}/templates`]: rule('signed-in'),
  [`GET ${API}/templates/:id/schema`]: rule('signed-in'),
  [`POST ${API}/templates`]: rule('admin'),

  [`POST ${API}/sessions`]: rule('signed-in'),
  [`GET ${API}/sessions`]: rule('signed-in'),
  [`POST ${API}/sessions/cleanup`]: rule('admin'),
  [`GET ${API}/sessions/:id/info`]: session('read'),
  [`POST ${API}/sessions/:id/undo`]: session('edit'),
  [`POST ${API}/sessions/:id/redo`]: session('edit'),
  [`GET ${API}/graph`]: session('read', 'query', 'session_id'),
  [`GET ${API}/sessions/:id/graph`]: session('read'),
  [`GET ${API}/sessions/:id/graph/tree`]: session('read'),
  [`GET ${API}/sessions/:id/events`]: session('read'),
  [`POST ${API}/sessions/:id/save`]: session('edit'),
  [`POST ${API}/sessions/:id/load-graph`]: session('edit'),
  [`POST ${API}/commands/execute`]: session('edit', 'body', 'session_id'),

  [`POST ${API}/projects`]: session('edit', 'body', 'session_id', true),
  [`GET ${API}/projects`]: rule('signed-in'),
  [`POST ${API}/projects/import`]: rule('signed-in'),
  [`GET ${API}/projects/:id`]: project('read'),
  [`PATCH ${API}/projects/:id`]: project('rename'),
  [`DELETE ${API}/projects/:id`]: project('delete'),
  [`POST ${API}/projects/:id/open`]: project('read'),
  [`GET ${API}/projects/:id/history`]: project('read'),
  [`GET ${API}/projects/:id/schema`]: project('read'),
  [`GET ${API}/projects/:id/events`]: project('read'),
  [`GET ${API}/projects/:id/export`]: project('read'),
  [`GET ${API}/projects/:id/members`]: project('read'),
  [`POST ${API}/projects/:id/members`]: project('manage'),
  [`DELETE ${API}/projects/:id/members/:username`]: project('manage'),

  'GET /metrics': rule('metrics'),
};

/** Every event of the Socket.IO namespace `/graph` (connecting at all needs an account). */
export const SOCKET_RULES: Readonly<Record<string, Rule>> = {
  join_session: session('read', 'payload', 'session_id'),
  leave_session: session('read', 'payload', 'session_id'),
  execute_command: session('edit', 'payload', 'session_id'),
  undo: session('edit', 'payload', 'session_id'),
  redo: session('edit', 'payload', 'session_id'),
  presence: session('read', 'payload', 'session_id'),
  ping: rule('signed-in'),
};

const PROJECT_ACTIONS: ReadonlySet<string> = new Set(Object.keys(MIN_ROLE));

/** Whether a rule is about one project (named directly or through a session). */
export function isProjectActionRule(r: Rule): r is Rule & { action: ProjectAction; target: Target } {
  return r.target !== undefined && PROJECT_ACTIONS.has(r.action);
}

/** The browsable API docs (Swagger UI and its files) are public. */
const DOCS_PREFIX = `${API}/docs`;

/**
 * The rule of a route: the table's, or `public` for the docs and for everything outside the API (the web
 * UI's files). `undefined` for an API route missing from the table — refused, and reported at start-up.
 */
export function routeRule(method: string, url: string): Rule | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  const hit = ROUTE_RULES[`${m} ${url}`];
  if (hit) return hit;
  if (m === 'OPTIONS') return rule('public'); // CORS preflight: answered before authentication
  if (url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`)) return rule('public');
  if (!isApiPath(url)) return rule('public');
  return undefined;
}

/** Paths that need credentials even when no route matches them (so that 404s do not map the API). */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/metrics';
}

export interface Caller {
  admin: boolean;
}

export type Decision = 'allow' | 'forbidden' | 'hidden';

/**
 * The decision for an action about a project, given the caller's role on it (undefined: not a member).
 * `hidden`: answer as if the project did not exist.
 */
export function decide(caller: Caller, action: ProjectAction, role: Role | undefined): Decision {
  if (caller.admin) return 'allow';
  if (!role) return 'hidden';
  return RANK[role] >= RANK[MIN_ROLE[action]] ? 'allow' : 'forbidden';
}

/** Whether the caller may see the project at all (lists show only these). */
export const canSee = (caller: Caller, role: Role | undefined) => caller.admin || role !== undefined;

/** The 403 of a member whose role does not allow the action. */
export function forbidden(action: ProjectAction, role: Role | undefined): TalusError {
  const need = MIN_ROLE[action];
  return new TalusError('FORBIDDEN', `this needs the ${need} role on the project (yours: ${role})`, {
    role: role ?? null,
    required: need,
  });
}
