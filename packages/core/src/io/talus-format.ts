import type { HistoryEntry } from '../history.js';
import type { Project } from '../project.js';
import type { JsonObject, NodeRecord } from '../types.js';
import { intAt, listAt, nodeRecordAt, objectAt, onlyKeys, stringAt } from './fields.js';
import { checkForest } from './forest.js';
import { exportEntry, readHistory } from './history-file.js';
import { cloneJson, invalid, member, readJson } from './shape.js';

/** The format string of Talus Tally's own project files. */
export const TALUS_FORMAT = 'talus-tally/1';

/** A project exported by `GET /projects/{id}/export` (PRODUCT.md section 5). */
export interface TalusExportFile {
  format: typeof TALUS_FORMAT;
  exported_at: string;
  project: {
    project_id: string;
    name: string;
    template_id: string;
    template_version: string;
    /** The project's copy of its template, as a parsed document. */
    template: JsonObject;
    /** What an imported original file carried beyond its nodes. */
    extras: JsonObject;
  };
  /** Id form, parents before children, roots in order, children in order. */
  nodes: NodeRecord[];
  /** With `history: true`: the kept entries, oldest first (see `exportEntry`). */
  history?: JsonObject[];
  /** With `history: true`: the project's revision, which an import keeps. */
  revision?: number;
}

export interface ExportOptions {
  now: string;
  extras: JsonObject;
  templateSource: JsonObject;
  templateVersion: string;
  history?: boolean;
}

/** What a Talus Tally file holds, checked, ready for `Project.restore`. */
export interface ParsedTalusFile {
  name: string;
  template_id: string;
  template_version: string;
  template: JsonObject;
  extras: JsonObject;
  /** Parents before children, roots in order, children in order, whatever the order in the file. */
  nodes: NodeRecord[];
  roots: string[];
  /** Present when the file carries history; statuses recomputed from the log. */
  history?: HistoryEntry[];
  /** Present exactly when `history` is. */
  revision?: number;
}

/** Export a project as a `talus-tally/1` file; shares no object with the project. */
export function exportProject(project: Project, opts: ExportOptions): TalusExportFile {
  const file: TalusExportFile = {
    format: TALUS_FORMAT,
    exported_at: opts.now,
    project: {
      project_id: project.id,
      name: project.name,
      template_id: project.template.id,
      template_version: opts.templateVersion,
      template: cloneJson(opts.templateSource),
      extras: cloneJson(opts.extras),
    },
    nodes: [...project.graph.walk()].map(exportNode),
  };
  if (opts.history) {
    file.history = project.history.map(exportEntry);
    file.revision = project.revision;
  }
  return file;
}

/** A node with its fields in a fixed order, deep-copied. */
function exportNode(n: NodeRecord): NodeRecord {
  return {
    id: n.id,
    blueprint_type_id: n.blueprint_type_id,
    name: n.name,
    properties: cloneJson(n.properties),
    parent_id: n.parent_id,
    children: [...n.children],
    metadata: cloneJson(n.metadata as JsonObject),
    created_at: n.created_at,
    updated_at: n.updated_at,
  };
}

const FILE_KEYS = new Set(['format', 'exported_at', 'project', 'nodes', 'history', 'revision']);
const PROJECT_KEYS = new Set(['project_id', 'name', 'template_id', 'template_version', 'template', 'extras']);

/**
 * Check a `talus-tally/1` file strictly (every field, no unknown ones, a forest whose `parent_id` and
 * `children` agree, a consistent history) and return its content. Refuses with INVALID_REQUEST:
 * `details.path` for a malformed field, `details.node_id` for a forest violation.
 */
export function parseTalusFile(input: unknown): ParsedTalusFile {
  const doc = objectAt(readJson(input), '');
  const format = member(doc, 'format');
  if (format !== TALUS_FORMAT) {
    const what = typeof format === 'string' ? `"${format.slice(0, 50)}"` : 'missing';
    throw invalid(`format must be "${TALUS_FORMAT}", not ${what}`, { path: 'format' });
  }
  onlyKeys(doc, FILE_KEYS, '');
  stringAt(doc, 'exported_at', '');
  const project = objectAt(member(doc, 'project'), 'project');
  onlyKeys(project, PROJECT_KEYS, 'project');
  stringAt(project, 'project_id', 'project');

  const listed = listAt(doc, 'nodes', '').map((n, i) => nodeRecordAt(n, `nodes[${i}]`));
  if (listed.length === 0) throw invalid('the file has no nodes', { path: 'nodes' });
  const forest = checkForest(listed);
  const byId = new Map(listed.map((n) => [n.id, n]));

  const out: ParsedTalusFile = {
    name: stringAt(project, 'name', 'project', { nonEmpty: true, max: 200 }),
    template_id: stringAt(project, 'template_id', 'project', { nonEmpty: true }),
    template_version: stringAt(project, 'template_version', 'project'),
    template: objectAt(member(project, 'template'), 'project.template'),
    extras: objectAt(member(project, 'extras'), 'project.extras'),
    nodes: forest.order.map((id) => byId.get(id)!),
    roots: forest.roots,
  };
  const history = member(doc, 'history');
  const revision = member(doc, 'revision');
  if ((history === undefined) !== (revision === undefined)) {
    const path = history === undefined ? 'history' : 'revision';
    throw invalid('history and revision come together: a file has both or neither', { path });
  }
  if (history !== undefined) {
    out.revision = intAt(doc, 'revision', '');
    out.history = readHistory(listAt(doc, 'history', ''), out.revision);
  }
  return out;
}
