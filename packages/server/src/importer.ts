import {
  exportProject,
  importOriginalFile,
  loadTemplate,
  originalTemplateId,
  Project,
  parseTalusFile,
  TalusError,
} from '@talus/core';
import type { Hub, Loaded, Session } from './hub.js';
import { reservedIdProblems } from './templates.js';

/**
 * Import an original desktop-app project file or a Talus Tally export as a new project, into `session`
 * (which must have no project) or a new session.
 */
export async function importProject(
  hub: Hub,
  doc: unknown,
  templateId: string | undefined,
  session?: Session,
) {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new TalusError('INVALID_REQUEST', 'a project file is a JSON object');
  }
  if (session?.row.project_id) throw new TalusError('CONFLICT', 'this session already has a project');
  const now = new Date().toISOString();
  const id = globalThis.crypto.randomUUID();
  // an original desktop-app file has a `graph` (its shape is checked by the original importer); ours a `format`
  if ('graph' in doc && !('format' in doc)) {
    const named = templateId ?? originalTemplateId(doc);
    if (named === undefined || named.length === 0) {
      throw new TalusError('INVALID_REQUEST', 'the file names no template: choose one (template_id)');
    }
    const template = hub.templates.require(named);
    const file = importOriginalFile(doc, template, { now });
    const project = Project.restore(
      { id, name: file.name, template, created_at: now, updated_at: now },
      file.nodes,
      file.roots,
      0,
      [],
    );
    return hub.adopt(project, template, file.extras, session, []);
  }
  const file = parseTalusFile(doc);
  const where = `${file.template_id} (in the file)`;
  const load = loadTemplate(file.template_id, file.template, where);
  const problems = load.ok ? reservedIdProblems(load.template, where) : load.problems;
  if (!load.ok || problems.length > 0) {
    throw new TalusError('INVALID_TEMPLATE', 'the template carried by the file is invalid', {
      problems: problems.map((p) => ({ ...p })),
    });
  }
  const history = file.history ?? [];
  const project = Project.restore(
    { id, name: file.name, template: load.template, created_at: now, updated_at: now },
    file.nodes,
    file.roots,
    file.history ? (file.revision ?? 0) : 0,
    history,
  );
  return hub.adopt(project, load.template, file.extras, session, history);
}

/** The project as a `talus-tally/1` file, optionally with its history. */
export function exportFile(loaded: Loaded, withHistory: boolean) {
  return exportProject(loaded.project, {
    now: new Date().toISOString(),
    extras: loaded.row.extras,
    templateSource: loaded.row.template,
    templateVersion: loaded.row.template_version,
    history: withHistory,
  });
}
