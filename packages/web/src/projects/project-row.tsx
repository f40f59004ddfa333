import type { ProjectSummary } from '@talus/client';
import { useState } from 'react';
import { linkProps, projectPath } from '../router.js';
import { Icon } from '../ui/icons.js';
import { formatDateTime, timeAgo } from '../ui/time.js';

export interface ProjectRowProps {
  project: ProjectSummary;
  templateName: string;
  onRename(name: string): Promise<boolean>;
  onExport(): void;
  onDelete(): void;
}

/** One project in the list: open it, rename it in place, export it, delete it. */
export function ProjectRow({ project, templateName, onRename, onExport, onDelete }: ProjectRowProps) {
  const [renaming, setRenaming] = useState(false);
  const [draft, setDraft] = useState(project.name);
  const valid = draft.trim().length > 0 && draft.trim().length <= 200;

  const commit = async () => {
    if (!valid) return;
    if (draft.trim() === project.name) return setRenaming(false);
    if (await onRename(draft.trim())) setRenaming(false);
  };

  return (
    <tr data-testid="project-row" data-project-id={project.project_id}>
      <td>
        {renaming ? (
          <form
            className="inline-rename"
            onSubmit={(e) => {
              e.preventDefault();
              void commit();
            }}
          >
            <input
              ref={(el) => el?.focus()}
              aria-label={`New name of ${project.name}`}
              aria-invalid={valid ? undefined : true}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  setDraft(project.name);
                  setRenaming(false);
                }
              }}
            />
            <button type="submit" className="button button--small button--primary" disabled={!valid}>
              Save
            </button>
            <button type="button" className="button button--small" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <a className="project-link" {...linkProps(projectPath(project.project_id))}>
            {project.name}
          </a>
        )}
      </td>
      <td>{templateName}</td>
      <td title={formatDateTime(project.updated_at)}>{timeAgo(project.updated_at)}</td>
      <td className="numeric">{project.revision}</td>
      <td className="table__actions">
        <button
          type="button"
          className="button button--small button--ghost"
          aria-label={`Rename ${project.name}`}
          onClick={() => {
            setDraft(project.name);
            setRenaming(true);
          }}
        >
          <Icon name="pencil" size={16} /> Rename
        </button>
        <button
          type="button"
          className="button button--small button--ghost"
          aria-label={`Export ${project.name}`}
          onClick={onExport}
        >
          <Icon name="download" size={16} /> Export
        </button>
        <button
          type="button"
          className="button button--small button--ghost button--danger-text"
          aria-label={`Delete ${project.name}`}
          onClick={onDelete}
        >
          <Icon name="trash" size={16} /> Delete
        </button>
      </td>
    </tr>
  );
}
