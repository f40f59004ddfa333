import type { ProjectSummary, TemplateSummary } from '@talus/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { AppHeader } from '../layout/app-header.js';
import { navigate, projectPath, useTitle } from '../router.js';
import { useSession } from '../session/session.js';
import { useConfirm } from '../ui/confirm.js';
import { Icon } from '../ui/icons.js';
import { useReportError } from '../ui/report-error.js';
import { useToasts } from '../ui/toasts.js';
import { downloadJson, exportFileName } from './download.js';
import { ImportDialog } from './import-dialog.js';
import { NewProjectDialog } from './new-project-dialog.js';
import { ProjectRow } from './project-row.js';

/** The list of projects (newest change first), with create, import, rename, export and delete. */
export function ProjectsPage() {
  useTitle('Projects');
  const { client } = useSession();
  const report = useReportError();
  const { show } = useToasts();
  const [projects, setProjects] = useState<ProjectSummary[] | null>(null);
  const [templates, setTemplates] = useState<TemplateSummary[]>([]);
  const [dialog, setDialog] = useState<'new' | 'import' | null>(null);
  const [confirmDialog, confirm] = useConfirm();

  const load = useCallback(() => {
    client.listProjects().then(
      (r) => setProjects([...r.projects].sort((a, b) => b.updated_at.localeCompare(a.updated_at))),
      (err) => report(err, 'Could not list the projects'),
    );
  }, [client, report]);

  useEffect(() => {
    load();
    client.listTemplates().then(
      (r) => setTemplates([...r.templates].sort((a, b) => a.name.localeCompare(b.name))),
      (err) => report(err, 'Could not list the templates'),
    );
  }, [client, load, report]);

  const templateNames = useMemo(() => new Map(templates.map((t) => [t.id, t.name])), [templates]);

  const create = async (templateId: string, name: string) => {
    try {
      const created = await client.createProject({ template_id: templateId, project_name: name });
      navigate(projectPath(created.project_id));
    } catch (err) {
      report(err, 'Could not create the project');
    }
  };

  const importFile = async (file: unknown, templateId: string | undefined) => {
    try {
      const r = await client.importProject(file, templateId ? { template_id: templateId } : {});
      show(`Imported ${r.node_count} nodes`, 'success');
      navigate(projectPath(r.project_id));
    } catch (err) {
      report(err, 'Could not import the file');
    }
  };

  const rename = async (p: ProjectSummary, name: string) => {
    try {
      await client.renameProject(p.project_id, name);
      load();
      return true;
    } catch (err) {
      report(err, 'Could not rename the project');
      return false;
    }
  };

  const exportProject = async (p: ProjectSummary) => {
    try {
      downloadJson(await client.exportProject(p.project_id), exportFileName(p.name));
    } catch (err) {
      report(err, 'Could not export the project');
    }
  };

  const remove = async (p: ProjectSummary) => {
    const ok = await confirm({
      title: `Delete “${p.name}”?`,
      message: 'The project, its whole tree and its history are deleted for everyone. This cannot be undone.',
      confirmLabel: 'Delete project',
      danger: true,
    });
    if (!ok) return;
    try {
      await client.deleteProject(p.project_id);
      show(`“${p.name}” deleted`, 'success');
      load();
    } catch (err) {
      report(err, 'Could not delete the project');
    }
  };

  return (
    <>
      <AppHeader />
      <main className="page">
        <div className="page__title-row">
          <h1>Projects</h1>
          <div className="toolbar">
            <button type="button" className="button" onClick={() => setDialog('import')}>
              <Icon name="upload" size={16} /> Import
            </button>
            <button type="button" className="button button--primary" onClick={() => setDialog('new')}>
              <Icon name="plus" size={16} /> New project
            </button>
          </div>
        </div>
        <table className="table projects-table">
          <caption className="visually-hidden">Projects</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Template</th>
              <th scope="col">Last change</th>
              <th scope="col" className="numeric">
                Revision
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {projects === null ? (
              <tr>
                <td colSpan={5}>Loading…</td>
              </tr>
            ) : projects.length === 0 ? (
              <tr>
                <td colSpan={5} className="empty-state">
                  No projects yet. Create one from a template, or import a project file.
                </td>
              </tr>
            ) : (
              projects.map((p) => (
                <ProjectRow
                  key={p.project_id}
                  project={p}
                  templateName={templateNames.get(p.template_id) ?? p.template_id}
                  onRename={(name) => rename(p, name)}
                  onExport={() => void exportProject(p)}
                  onDelete={() => void remove(p)}
                />
              ))
            )}
          </tbody>
        </table>
      </main>
      {dialog === 'new' ? (
        <NewProjectDialog templates={templates} onClose={() => setDialog(null)} onCreate={create} />
      ) : null}
      {dialog === 'import' ? (
        <ImportDialog templates={templates} onClose={() => setDialog(null)} onImport={importFile} />
      ) : null}
      {confirmDialog}
    </>
  );
}
