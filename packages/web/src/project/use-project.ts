import type { ProjectMirror } from '@talus/client';
import { useEffect, useState } from 'react';
import { accounts, type Role } from '../api/accounts.js';
import { type Session, useSession } from '../session/session.js';
import { SchemaIndex } from './schema-index.js';

export type ProjectLoad =
  | { status: 'loading' }
  | { status: 'failed'; error: unknown }
  | {
      status: 'ready';
      mirror: ProjectMirror;
      schema: SchemaIndex;
      templateId: string;
      /** The caller's role (owner in the local mode; administrators are owners everywhere). */
      role: Role;
      reloadRole(): void;
    };

async function roleOf(session: Session, projectId: string): Promise<Role> {
  if (session.mode === 'local' || session.user.admin) return 'owner';
  const members = await accounts.members(projectId);
  return members.find((m) => m.username === session.user.username)?.role ?? 'viewer';
}

/**
 * Open a project: a live mirror (`client.openProject`), the schema of its template and the caller's role.
 * The mirror is closed when the page is left.
 */
export function useProject(projectId: string): ProjectLoad {
  const session = useSession();
  const { client } = session;
  const [load, setLoad] = useState<ProjectLoad>({ status: 'loading' });
  const [roleVersion, setRoleVersion] = useState(0);

  useEffect(() => {
    let cancelled = false;
    let opened: ProjectMirror | undefined;
    setLoad({ status: 'loading' });
    (async () => {
      const mirrorP = client.openProject(projectId).then((m) => {
        opened = m;
        if (cancelled) m.close();
        return m;
      });
      const summary = (await client.listProjects()).projects.find((p) => p.project_id === projectId);
      const mirror = await mirrorP;
      const templateId = summary?.template_id ?? (await client.getProject(projectId)).template_id;
      // the project's own copy: the installed template may have changed since, or be missing
      const [schema, role] = await Promise.all([client.projectSchema(projectId), roleOf(session, projectId)]);
      if (cancelled) return;
      setLoad({
        status: 'ready',
        mirror,
        schema: new SchemaIndex(schema),
        templateId,
        role,
        reloadRole: () => setRoleVersion((v) => v + 1),
      });
    })().catch((error: unknown) => {
      if (!cancelled) setLoad({ status: 'failed', error });
    });
    return () => {
      cancelled = true;
      opened?.close();
    };
  }, [client, projectId, session]);

  // a change of members (the members dialog) may change the caller's own role
  useEffect(() => {
    if (roleVersion === 0) return;
    roleOf(session, projectId).then(
      (role) => setLoad((l) => (l.status === 'ready' ? { ...l, role } : l)),
      () => {},
    );
  }, [roleVersion, session, projectId]);

  return load;
}
