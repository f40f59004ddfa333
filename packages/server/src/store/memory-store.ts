import type { HistoryEntry, NodeRecord } from '@talus/core';
import type { HasAccounts } from './account-store.js';
import { MemoryAccounts } from './memory-accounts.js';
import {
  type ProjectRow,
  RevisionConflictError,
  type RevisionWrite,
  type SessionRow,
  type Store,
  type StoredProject,
} from './store.js';

interface MemProject {
  row: ProjectRow;
  nodes: Map<string, NodeRecord>;
  history: Map<number, HistoryEntry>;
}

/** Everything in memory: for tests and for embedding a throwaway server. Copies on the way in and out. */
export class MemoryStore implements Store, HasAccounts {
  readonly kind = 'memory';
  /** Accounts, tokens, login sessions and project members (src/store/account-store.ts). */
  readonly accounts = new MemoryAccounts();
  private readonly projects = new Map<string, MemProject>();
  private readonly sessions = new Map<string, SessionRow>();
  private readonly templates = new Map<string, string>();

  async createProject({ row, nodes, history }: StoredProject): Promise<void> {
    if (this.projects.has(row.id)) throw new Error(`project ${row.id} exists`);
    this.projects.set(row.id, {
      row: structuredClone(row),
      nodes: new Map(nodes.map((n) => [n.id, structuredClone(n)])),
      history: new Map(history.map((e) => [e.revision, structuredClone(e)])),
    });
  }

  async loadProject(id: string): Promise<StoredProject | undefined> {
    const p = this.projects.get(id);
    if (!p) return undefined;
    return structuredClone({
      row: p.row,
      nodes: [...p.nodes.values()],
      history: [...p.history.values()].sort((a, b) => a.revision - b.revision),
    });
  }

  async listProjects() {
    return [...this.projects.values()]
      .map(({ row: { template: _t, extras: _e, roots: _r, ...rest } }) => ({ ...rest }))
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  async renameProject(id: string, name: string, updatedAt: string): Promise<boolean> {
    const p = this.projects.get(id);
    if (!p) return false;
    p.row.name = name;
    p.row.updated_at = updatedAt;
    return true;
  }

  async deleteProject(id: string): Promise<boolean> {
    this.accounts.forgetProject(id);
    return this.projects.delete(id);
  }

  async commit(writes: readonly RevisionWrite[]): Promise<void> {
    // check everything first, so that a refused group changes nothing (like a rolled-back transaction)
    const revisions = new Map<string, number>();
    for (const w of writes) {
      const p = this.projects.get(w.project_id);
      if (!p) throw new RevisionConflictError([w.project_id], 'the project is gone');
      const stored = revisions.get(w.project_id) ?? p.row.revision;
      if (w.revision !== stored + 1) {
        throw new RevisionConflictError([w.project_id], `revision ${w.revision} does not follow ${stored}`);
      }
      revisions.set(w.project_id, w.revision);
    }
    for (const w of structuredClone(writes)) {
      const p = this.projects.get(w.project_id)!;
      p.history.set(w.entry.revision, w.entry);
      if (w.target) p.history.set(w.target.revision, w.target);
      for (const n of w.upserts) p.nodes.set(n.id, n);
      for (const id of w.deletes) p.nodes.delete(id);
      if (w.roots) p.row.roots = w.roots;
      p.row.revision = w.revision;
      p.row.updated_at = w.updated_at;
      const floor = w.history_floor;
      if (floor !== undefined) for (const r of p.history.keys()) if (r < floor) p.history.delete(r);
    }
  }

  async loadEntriesSince(projectId: string, revision: number): Promise<HistoryEntry[]> {
    const p = this.projects.get(projectId);
    if (!p) return [];
    return structuredClone(
      [...p.history.values()].filter((e) => e.revision > revision).sort((a, b) => a.revision - b.revision),
    );
  }

  async currentRevision(projectId: string): Promise<number | undefined> {
    return this.projects.get(projectId)?.row.revision;
  }

  async saveSession(session: SessionRow): Promise<void> {
    this.sessions.set(session.session_id, { ...session });
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    const s = this.sessions.get(id);
    return s ? { ...s } : undefined;
  }

  async findSessionByProject(projectId: string): Promise<SessionRow | undefined> {
    const s = [...this.sessions.values()].find((x) => x.project_id === projectId);
    return s ? { ...s } : undefined;
  }

  async touchSessions(ids: readonly string[], at: string): Promise<void> {
    for (const id of ids) {
      const s = this.sessions.get(id);
      if (s) s.last_activity = at;
    }
  }

  async deleteSessions(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.sessions.delete(id);
  }

  async listSessions(): Promise<SessionRow[]> {
    return [...this.sessions.values()]
      .map((s) => ({ ...s }))
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async saveTemplate(id: string, source: string): Promise<void> {
    this.templates.set(id, source);
  }

  async listTemplates() {
    return [...this.templates]
      .map(([id, source]) => ({ id, source }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async snapshot(): Promise<void> {}

  async close(): Promise<void> {}
}
