import type { HistoryEntry, ProjectMirror } from '@talus/client';
import { useCallback, useEffect, useState } from 'react';
import { useSession } from '../session/session.js';
import { useReportError } from '../ui/report-error.js';
import { formatDateTime, timeAgo } from '../ui/time.js';
import { describeEntry } from './history-describe.js';
import type { SchemaIndex } from './schema-index.js';

const PAGE = 50;

export interface HistoryPanelProps {
  projectId: string;
  mirror: ProjectMirror;
  /** The mirror's revision: the newest page is fetched again when it moves. */
  revision: number;
  schema: SchemaIndex;
}

/** Who did what, when: the project's history (`GET /projects/{id}/history`), newest first. */
export function HistoryPanel({ projectId, mirror, revision, schema }: HistoryPanelProps) {
  const { client } = useSession();
  const report = useReportError();
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [older, setOlder] = useState<number | null>(null);

  const merge = useCallback((page: HistoryEntry[]) => {
    setEntries((prev) => {
      const byRevision = new Map((prev ?? []).map((e) => [e.revision, e]));
      for (const e of page) byRevision.set(e.revision, e);
      return [...byRevision.values()].sort((a, b) => b.revision - a.revision);
    });
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new revision is the reason to fetch again
  useEffect(() => {
    // several revisions in quick succession: one request
    const t = window.setTimeout(() => {
      client.projectHistory(projectId, { limit: PAGE }).then(
        (page) => {
          merge(page.history);
          setOlder((o) => (o === null ? page.next_before : o));
        },
        (err) => report(err, 'Could not load the history'),
      );
    }, 250);
    return () => window.clearTimeout(t);
  }, [client, projectId, revision, merge, report]);

  const loadOlder = () => {
    if (older === null) return;
    client.projectHistory(projectId, { before: older, limit: PAGE }).then(
      (page) => {
        merge(page.history);
        setOlder(page.next_before);
      },
      (err) => report(err, 'Could not load older history'),
    );
  };

  const ctx = { schema, nameOf: (id: string) => mirror.getNode(id)?.name };
  return (
    <section className="history" aria-label="History">
      <h2>History</h2>
      {entries === null ? <p className="muted">Loading…</p> : null}
      {entries?.length === 0 ? <p className="muted">No changes yet.</p> : null}
      <ol className="history__list">
        {entries?.map((e) => (
          <li
            key={e.revision}
            className={`history__item${e.status === 'undone' ? ' history__item--undone' : ''}`}
          >
            <span className="history__who">{e.actor.name}</span>{' '}
            <span className="history__what">{describeEntry(ctx, e)}</span>
            <span className="history__when" title={`${formatDateTime(e.timestamp)} · revision ${e.revision}`}>
              {timeAgo(e.timestamp)}
              {e.status === 'undone' ? ' · undone' : ''}
            </span>
          </li>
        ))}
      </ol>
      {older !== null ? (
        <button type="button" className="button button--small" onClick={loadOlder}>
          Show older
        </button>
      ) : null}
    </section>
  );
}
