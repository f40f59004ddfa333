/**
 * Projects of 10, 10,000 and 100,000 nodes for the benchmark, built with the core micro-benchmark's builder
 * (packages/core/bench/projects.ts: the `software_release` shape, with references) and exported as
 * `talus-tally/1` files, which the benchmark imports through `POST /projects/import` like any user would.
 */
import { buildProject, loadSoftwareRelease } from '../packages/core/bench/projects.js';
import { exportProject, type TalusExportFile, templateToSource } from '../packages/core/src/index.js';

export interface BenchProject {
  nodes: number;
  /** The `talus-tally/1` file. */
  file: TalusExportFile;
  tasks: string[];
  people: string[];
  parents: string[];
}

export function benchProject(nodes: number): BenchProject {
  const template = loadSoftwareRelease();
  const built = buildProject(template, nodes);
  const file = exportProject(built.project, {
    now: new Date().toISOString(),
    extras: {},
    templateSource: templateToSource(template),
    templateVersion: template.version,
  });
  return {
    nodes,
    file,
    tasks: built.tasks,
    people: built.people,
    parents: built.parents,
  };
}
