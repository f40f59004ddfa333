/**
 * The answers of the REST API (PRODUCT.md section 5) as the server sends them; the client's tests against
 * the real server keep them in step.
 */
import type { Actor, GraphEvent, Json, JsonObject, NodeRecord, TreeGraph } from './types.js';

export interface HealthAnswer {
  status: 'ok';
  version: string;
}

export interface SessionSummary {
  session_id: string;
  project_id: string | null;
  created_at: string;
  last_activity: string;
  active_clients: number;
  has_project: boolean;
}

export interface SessionInfo extends SessionSummary {
  undo_available: boolean;
  redo_available: boolean;
  node_count: number;
  revision: number | null;
}

export interface SessionList {
  sessions: SessionSummary[];
  total: number;
}

export interface CleanupAnswer {
  sessions_removed: number;
  active_sessions: number;
}

export interface ProjectCreated {
  session_id: string;
  project_id: string;
  revision: number;
  graph: TreeGraph;
}

export interface ProjectAnswer {
  project_id: string;
  name: string;
  template_id: string;
  template_version: string;
  revision: number;
  graph: TreeGraph;
}

export interface ProjectSummary {
  project_id: string;
  name: string;
  template_id: string;
  revision: number;
  updated_at: string;
  session_id?: string;
}

export interface ProjectList {
  projects: ProjectSummary[];
}

export interface ProjectRenamed {
  project_id: string;
  name: string;
}

export interface ProjectOpened {
  session_id: string;
  revision: number;
}

export interface HistoryEntry {
  revision: number;
  kind: 'command' | 'undo' | 'redo';
  command_id: string;
  command_type: string;
  undone_command_id?: string;
  redone_command_id?: string;
  status?: 'applied' | 'undone';
  actor: Actor;
  timestamp: string;
  data: JsonObject;
  changes: JsonObject[];
}

export interface HistoryPage {
  history: HistoryEntry[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: number | null;
}

export interface EventsAnswer {
  /** The revision the events lead to. */
  revision: number;
  events: GraphEvent[];
}

export interface ExecuteAnswer {
  success: true;
  command_id: string;
  revision: number;
  node_id?: string;
  node_ids?: string[];
  events: GraphEvent[];
  graph?: TreeGraph;
}

export interface UndoAnswer {
  success: true;
  command_id: string;
  undone_command_id: string;
  revision: number;
  events: GraphEvent[];
}

export interface RedoAnswer {
  success: true;
  command_id: string;
  redone_command_id: string;
  revision: number;
  events: GraphEvent[];
}

export interface SavedAnswer {
  success: true;
  revision: number;
}

export interface GraphLoaded {
  success: true;
  session_id: string;
  project_id: string;
  revision: number;
  graph: TreeGraph;
}

/** A `talus-tally/1` project file (`GET /projects/{id}/export`). */
export interface ProjectFile {
  format: 'talus-tally/1';
  exported_at: string;
  project: {
    project_id: string;
    name: string;
    template_id: string;
    template_version: string;
    template: JsonObject;
    extras: JsonObject;
    [key: string]: Json;
  };
  nodes: NodeRecord[];
  history?: JsonObject[];
  [key: string]: unknown;
}

export interface ImportAnswer {
  project_id: string;
  session_id: string;
  revision: number;
  node_count: number;
}

export interface TemplateProblem {
  file: string;
  path: string;
  message: string;
}

export interface TemplateSummary {
  id: string;
  name: string;
  description: string;
  version: string;
  valid: boolean;
  problems?: TemplateProblem[];
}

export interface TemplateList {
  templates: TemplateSummary[];
}

export interface SchemaOption {
  id: string;
  uuid: string;
  name: string;
  indicator_id: string | null;
  [key: string]: Json;
}

export interface SchemaProperty {
  id: string;
  uuid: string;
  /** The label (the original's field name). */
  name: string;
  label: string;
  type: string;
  required: boolean;
  default?: Json;
  options?: SchemaOption[];
  target_type?: string;
  [key: string]: Json | undefined;
}

export interface SchemaNodeType {
  id: string;
  uuid: string;
  /** The label (the original's field name). */
  name: string;
  label: string;
  allowed_children: string[];
  features: string[];
  icon: Json;
  properties: SchemaProperty[];
  [key: string]: unknown;
}

export interface TemplateSchema {
  template_id: string;
  name: string;
  description: string;
  version: string;
  root_type_id: string;
  node_types: SchemaNodeType[];
}

export interface TemplateUploaded {
  template_id: string;
}
