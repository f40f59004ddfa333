import type { CreateProjectBody } from '@talus/protocol';
import type {
  CleanupAnswer,
  EventsAnswer,
  ExecuteAnswer,
  GraphLoaded,
  HealthAnswer,
  HistoryPage,
  ImportAnswer,
  ProjectAnswer,
  ProjectCreated,
  ProjectFile,
  ProjectList,
  ProjectOpened,
  ProjectRenamed,
  RedoAnswer,
  SavedAnswer,
  SessionInfo,
  SessionList,
  TemplateList,
  TemplateSchema,
  TemplateUploaded,
  UndoAnswer,
} from './answers.js';
import type { BackoffOptions } from './backoff.js';
import { TalusError } from './errors.js';
import { type FetchLike, Http, normalizeBaseUrl } from './http.js';
import { newCommandId } from './ids.js';
import { type MirrorContext, type OpenProjectOptions, ProjectMirror } from './mirror.js';
import type { CommandDataMap, CommandType, ExecuteOptions, TreeGraph, UndoOptions } from './types.js';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:5000` (a trailing `/api/v1` is accepted). */
  url?: string;
  /** Several servers behind one store: requests and mirrors fail over from one to the next. */
  urls?: readonly string[];
  /** An API token (authentication on): sent as `Authorization: Bearer` and as the socket's `auth.token`. */
  token?: string;
  /** The declared user name (authentication off): `X-Talus-User` and the socket's `auth.name`. */
  name?: string;
  /** The `fetch` to use (default: the global one). */
  fetch?: FetchLike;
  /** Time limit of each request and command, and of opening a mirror (default 30,000 ms). */
  timeoutMs?: number;
  /** Reconnection timing of mirrors (exponential with jitter, at most 5 s between tries). */
  reconnect?: BackoffOptions;
}

const enc = encodeURIComponent;

/**
 * A client of one Talus Tally deployment: a typed method for each REST call (PRODUCT.md section 5), and
 * `openProject` for a live mirror of a project. Every refusal is thrown as a `TalusError`.
 */
export class TalusClient {
  private readonly http: Http;
  private readonly mirrors = new Set<ProjectMirror>();
  private readonly timeoutMs: number;
  private closed = false;

  constructor(private readonly options: ClientOptions) {
    const urls = [...(options.urls ?? []), ...(options.url !== undefined ? [options.url] : [])];
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.http = new Http({
      urls: urls.map(normalizeBaseUrl),
      token: options.token,
      name: options.name,
      fetch: options.fetch,
      timeoutMs: this.timeoutMs,
    });
  }

  /** The base URL in use now (it moves on when a server cannot be reached). */
  get url(): string {
    return this.http.url;
  }

  // ---- live mirrors -------------------------------------------------------------------------------------

  /**
   * Open a live mirror of a project: its session (`POST /projects/{id}/open`), its graph, and a socket joined
   * to the session. Resolves once the mirror is live; rejects with a TalusError if the project cannot be
   * opened (`PROJECT_NOT_FOUND`…) or is not live within `timeoutMs`.
   */
  async openProject(projectId: string, options: OpenProjectOptions = {}): Promise<ProjectMirror> {
    if (this.closed) throw new TalusError('CLOSED', 'the client is closed');
    const auth: MirrorContext['auth'] =
      this.options.token !== undefined
        ? { token: this.options.token }
        : this.options.name !== undefined
          ? { name: this.options.name }
          : {};
    const mirror = new ProjectMirror(
      projectId,
      {
        http: this.http,
        auth,
        timeoutMs: this.timeoutMs,
        backoff: this.options.reconnect ?? {},
        onClose: (m) => this.mirrors.delete(m),
      },
      { batched: options.batched ?? true },
    );
    this.mirrors.add(mirror);
    await mirror.start();
    return mirror;
  }

  /** Close every mirror (their pending commands reject with `CLOSED`) and abort requests in flight. */
  close(): void {
    this.closed = true;
    for (const m of [...this.mirrors]) m.close();
    this.http.close();
  }

  // ---- operations ---------------------------------------------------------------------------------------

  /** `GET /health`. */
  health(): Promise<HealthAnswer> {
    return this.http.request('GET', '/health', { failover: true });
  }

  // ---- sessions -----------------------------------------------------------------------------------------

  /** `POST /sessions`: a session with no project yet. */
  createSession(): Promise<{ session_id: string }> {
    return this.http.request('POST', '/sessions');
  }

  /** `GET /sessions`. */
  listSessions(): Promise<SessionList> {
    return this.http.request('GET', '/sessions', { failover: true });
  }

  /** `GET /sessions/{id}/info`. */
  sessionInfo(sessionId: string): Promise<SessionInfo> {
    return this.http.request('GET', `/sessions/${enc(sessionId)}/info`, { failover: true });
  }

  /** `POST /sessions/cleanup`: remove sessions without sockets idle longer than the given hours. */
  cleanupSessions(maxInactiveHours: number): Promise<CleanupAnswer> {
    return this.http.request('POST', '/sessions/cleanup', { body: { max_inactive_hours: maxInactiveHours } });
  }

  /** `GET /sessions/{id}/graph`: the session's project in tree form. */
  sessionGraph(sessionId: string): Promise<TreeGraph> {
    return this.http.request('GET', `/sessions/${enc(sessionId)}/graph`, { failover: true });
  }

  /** `GET /sessions/{id}/events?since=`: every event after revision `since` (410 `HISTORY_TRUNCATED`). */
  sessionEvents(sessionId: string, since: number): Promise<EventsAnswer> {
    return this.http.request('GET', `/sessions/${enc(sessionId)}/events`, {
      query: { since },
      failover: true,
    });
  }

  /** `POST /sessions/{id}/save`: write a snapshot. */
  saveSession(sessionId: string): Promise<SavedAnswer> {
    return this.http.request('POST', `/sessions/${enc(sessionId)}/save`, { failover: true });
  }

  /** `POST /sessions/{id}/load-graph`: import a project file into a session that has no project. */
  loadGraph(sessionId: string, file: unknown, options: { template_id?: string } = {}): Promise<GraphLoaded> {
    return this.http.request('POST', `/sessions/${enc(sessionId)}/load-graph`, {
      body: file,
      query: { template_id: options.template_id },
    });
  }

  // ---- commands -----------------------------------------------------------------------------------------

  /**
   * `POST /commands/execute`. A `command_id` is generated when none is given, so that the request can be
   * retried (and fail over) without applying the command twice.
   */
  execute<K extends CommandType>(
    sessionId: string,
    commandType: K,
    data: CommandDataMap[K],
    options: ExecuteOptions = {},
  ): Promise<ExecuteAnswer> {
    return this.http.request('POST', '/commands/execute', {
      body: { session_id: sessionId, command_type: commandType, data, ...withId(options) },
      failover: true,
    });
  }

  /** `POST /sessions/{id}/undo` (scope `session` by default, or `mine`). */
  undo(sessionId: string, options: UndoOptions = {}): Promise<UndoAnswer> {
    return this.http.request('POST', `/sessions/${enc(sessionId)}/undo`, {
      body: withId(options),
      failover: true,
    });
  }

  /** `POST /sessions/{id}/redo` (scope `session` by default, or `mine`). */
  redo(sessionId: string, options: UndoOptions = {}): Promise<RedoAnswer> {
    return this.http.request('POST', `/sessions/${enc(sessionId)}/redo`, {
      body: withId(options),
      failover: true,
    });
  }

  // ---- projects -----------------------------------------------------------------------------------------

  /** `POST /projects`: a project from a template at revision 0, in a new session or the given one. */
  createProject(body: CreateProjectBody): Promise<ProjectCreated> {
    return this.http.request('POST', '/projects', { body });
  }

  /** `GET /projects`. */
  listProjects(): Promise<ProjectList> {
    return this.http.request('GET', '/projects', { failover: true });
  }

  /** `GET /projects/{id}`: the project with its graph in tree form. */
  getProject(projectId: string): Promise<ProjectAnswer> {
    return this.http.request('GET', `/projects/${enc(projectId)}`, { failover: true });
  }

  /** `PATCH /projects/{id}`: rename. */
  renameProject(projectId: string, name: string): Promise<ProjectRenamed> {
    return this.http.request('PATCH', `/projects/${enc(projectId)}`, { body: { name }, failover: true });
  }

  /** `DELETE /projects/{id}`: joined sockets get `project:deleted`, the session ends. */
  async deleteProject(projectId: string): Promise<void> {
    await this.http.request<undefined>('DELETE', `/projects/${enc(projectId)}`, { failover: true });
  }

  /** `POST /projects/{id}/open`: the project's live session, created if none. */
  openSession(projectId: string): Promise<ProjectOpened> {
    return this.http.request('POST', `/projects/${enc(projectId)}/open`, { failover: true });
  }

  /** `GET /projects/{id}/history`: newest first; `before` is an exclusive revision, `limit` 1–1000. */
  projectHistory(projectId: string, options: { before?: number; limit?: number } = {}): Promise<HistoryPage> {
    return this.http.request('GET', `/projects/${enc(projectId)}/history`, {
      query: { before: options.before, limit: options.limit },
      failover: true,
    });
  }

  /** `GET /projects/{id}/events?since=`: every event after revision `since` (410 `HISTORY_TRUNCATED`). */
  projectEvents(projectId: string, since: number): Promise<EventsAnswer> {
    return this.http.request('GET', `/projects/${enc(projectId)}/events`, {
      query: { since },
      failover: true,
    });
  }

  /** `GET /projects/{id}/export`: a `talus-tally/1` file, with the history if asked. */
  exportProject(projectId: string, options: { history?: boolean } = {}): Promise<ProjectFile> {
    return this.http.request('GET', `/projects/${enc(projectId)}/export`, {
      query: { history: options.history === true ? 'true' : undefined },
      failover: true,
    });
  }

  /** `POST /projects/import`: a Talus Tally export or an original project file, as a new project. */
  importProject(file: unknown, options: { template_id?: string } = {}): Promise<ImportAnswer> {
    return this.http.request('POST', '/projects/import', {
      body: file,
      query: { template_id: options.template_id },
    });
  }

  // ---- templates ----------------------------------------------------------------------------------------

  /** `GET /templates`: every installed template, broken ones with `valid: false` and their problems. */
  listTemplates(): Promise<TemplateList> {
    return this.http.request('GET', '/templates', { failover: true });
  }

  /** `GET /templates/{id}/schema`. */
  templateSchema(templateId: string): Promise<TemplateSchema> {
    return this.http.request('GET', `/templates/${enc(templateId)}/schema`, { failover: true });
  }

  /** `GET /projects/{id}/schema`: the schema of the project's own copy of its template. */
  projectSchema(projectId: string): Promise<TemplateSchema> {
    return this.http.request('GET', `/projects/${enc(projectId)}/schema`, { failover: true });
  }

  /** `POST /templates?id=`: install a template from its YAML (400 `INVALID_TEMPLATE` with the problems). */
  uploadTemplate(templateId: string, yaml: string): Promise<TemplateUploaded> {
    return this.http.request('POST', '/templates', {
      body: yaml,
      contentType: 'application/yaml',
      query: { id: templateId },
    });
  }
}

/** A command's options with a `command_id`, generated if missing (idempotent retries). */
function withId(options: ExecuteOptions | UndoOptions): Record<string, unknown> {
  return { ...options, command_id: options.command_id ?? newCommandId() };
}

/** Create a client: `createClient({ url: 'http://127.0.0.1:5000', name: 'ada' })`. */
export function createClient(options: ClientOptions): TalusClient {
  return new TalusClient(options);
}
