import { isTalusError } from '@talus/client';
import { messageOf } from '../api/accounts.js';
import { AppHeader } from '../layout/app-header.js';
import { linkProps, useTitle } from '../router.js';
import { ProjectWorkspace } from './project-workspace.js';
import { useProject } from './use-project.js';

/** A project: opened live, then shown as its workspace (tree, inspector, history). */
export function ProjectPage({ projectId }: { projectId: string }) {
  const load = useProject(projectId);
  useTitle(load.status === 'ready' ? load.mirror.name : 'Project');

  if (load.status === 'ready') {
    return <ProjectWorkspace key={projectId} projectId={projectId} {...load} />;
  }
  return (
    <>
      <AppHeader>
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <a {...linkProps('/')}>Projects</a>
        </nav>
      </AppHeader>
      <main className="page">
        {load.status === 'loading' ? (
          <p className="page-status" role="status">
            Opening the project…
          </p>
        ) : (
          <div className="notice notice--error" role="alert">
            <h1>The project cannot be opened</h1>
            <p>
              {isTalusError(load.error) && load.error.code === 'PROJECT_NOT_FOUND'
                ? 'It does not exist (any more), or you are not one of its members.'
                : messageOf(load.error)}
            </p>
            <a className="button" {...linkProps('/')}>
              Back to the projects
            </a>
          </div>
        )}
      </main>
    </>
  );
}
