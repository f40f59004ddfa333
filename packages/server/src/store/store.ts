import type { HistoryEntry, JsonObject, NodeRecord } from '@talus/core';

/** A project's stored header: everything but its nodes and history. */
export interface ProjectRow {
  id: string;
  name: string;
  template_id: string;
  template_version: string;
  /** The project's copy of its template (a parsed template document). */
  template: JsonObject;
  /** What an imported original file carried beyond the graph. */
  extras: JsonObject;
  revision: number;
  roots: string[];
  created_at: string;
  updated_at: string;
}

export interface StoredProject {
  row: ProjectRow;
  nodes: NodeRecord[];
  /** The kept history, oldest first. */
  history: HistoryEntry[];
}

export interface SessionRow {
  session_id: string;
  project_id: string | null;
  created_at: string;
  last_activity: string;
}

/** One revision to make durable: its entry, the undo/redo target's new status, and the changed rows. */
export interface RevisionWrite {
  project_id: string;
  entry: HistoryEntry;
  target?: HistoryEntry | undefined;
  upserts: NodeRecord[];
  deletes: string[];
  /** The new root order, when it changed. */
  roots?: string[] | undefined;
  revision: number;
  updated_at: string;
  /** History entries below this revision are dropped in the same transaction (TALUS_HISTORY_KEEP). */
  history_floor?: number | undefined;
}

/**
 * A commit refused because another writer (another server process) stored one of its revisions first. The
 * writer catches up (`loadEntriesSince`) and retries; nothing of the refused group was written.
 */
export class RevisionConflictError extends Error {
  readonly code = 'REVISION_CONFLICT';
  constructor(
    readonly projectIds: readonly string[],
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`revision conflict on project ${projectIds.join(', ')}: ${detail}`, options);
    this.name = 'RevisionConflictError';
  }
}

/**
 * Storage behind a small interface (one contract suite runs against every implementation). A `commit`
 * is atomic and durable when its promise resolves: the server acknowledges only then.
 */
export interface Store {
  readonly kind: string;
  createProject(project: StoredProject): Promise<void>;
  loadProject(id: string): Promise<StoredProject | undefined>;
  listProjects(): Promise<Array<Omit<ProjectRow, 'template' | 'extras' | 'roots'>>>;
  renameProject(id: string, name: string, updatedAt: string): Promise<boolean>;
  deleteProject(id: string): Promise<boolean>;
  /** Make a group of revisions durable, all or none. */
  commit(writes: readonly RevisionWrite[]): Promise<void>;
  /** History entries with a revision above `revision`, oldest first (catching up with other processes). */
  loadEntriesSince(projectId: string, revision: number): Promise<HistoryEntry[]>;
  /** The project's last stored revision, or undefined when there is no such project. */
  currentRevision(projectId: string): Promise<number | undefined>;

  saveSession(session: SessionRow): Promise<void>;
  getSession(id: string): Promise<SessionRow | undefined>;
  /** The session of a project, if it has one (one session per project at a time). */
  findSessionByProject(projectId: string): Promise<SessionRow | undefined>;
  touchSessions(ids: readonly string[], at: string): Promise<void>;
  deleteSessions(ids: readonly string[]): Promise<void>;
  listSessions(): Promise<SessionRow[]>;

  saveTemplate(id: string, source: string): Promise<void>;
  listTemplates(): Promise<Array<{ id: string; source: string }>>;

  /** Write a consistent snapshot (checkpoint) of the store. */
  snapshot(): Promise<void>;
  close(): Promise<void>;
}
