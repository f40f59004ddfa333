import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TalusError } from '../errors.js';
import type { Json } from '../types.js';
import { loadTemplate } from './load.js';
import type { Template, TemplateLoad, TemplateProblem } from './model.js';

/** Template ids: file names without extension, or ids given at upload. No path separators, no traversal. */
export const TEMPLATE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

export function isValidTemplateId(id: string): boolean {
  return TEMPLATE_ID_PATTERN.test(id) && id !== '.' && id !== '..';
}

/** Absolute path of the built-in templates folder (`packages/core/templates`), from `src/` or `dist/`. */
export function builtinTemplatesDir(): string {
  // This module is `<package>/src/template/registry.ts` or `<package>/dist/template/registry.js`.
  return fileURLToPath(new URL('../../templates', import.meta.url));
}

/** Where a template came from: `builtin`, a configured folder, an upload… */
export type TemplateOrigin = string;

export interface TemplateEntry {
  id: string;
  origin: TemplateOrigin;
  load: TemplateLoad;
}

export interface TemplateSummary {
  id: string;
  name: string;
  description: string;
  version: string;
  valid: boolean;
  problems?: TemplateProblem[];
}

const TEMPLATE_EXTENSION = /\.(ya?ml)$/i;

function summary(load: TemplateLoad): TemplateSummary {
  if (load.ok) {
    const t = load.template;
    return { id: t.id, name: t.name, description: t.description, version: t.version, valid: true };
  }
  return {
    id: load.id,
    name: load.name,
    description: load.description,
    version: load.version,
    valid: false,
    problems: load.problems.map((p) => ({ ...p })),
  };
}

const loadId = (load: TemplateLoad): string => (load.ok ? load.template.id : load.id);

/** The installed templates by id, valid or not. Later additions override earlier ones of the same id. */
export class TemplateRegistry {
  readonly #entries = new Map<string, TemplateEntry>();

  /**
   * Loads every `*.yaml` / `*.yml` file of `dir` (not recursive), in file name order; a template's id is
   * its file name without extension. Returns warnings for the log: overrides of an earlier template of
   * the same id, skipped file names, an unreadable folder. Broken templates are kept, with their problems.
   */
  loadDirectory(dir: string, options: { origin: TemplateOrigin }): string[] {
    const warnings: string[] = [];
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      warnings.push(`cannot read template folder ${dir}: ${e instanceof Error ? e.message : String(e)}`);
      return warnings;
    }
    for (const fileName of names) {
      if (!TEMPLATE_EXTENSION.test(fileName)) continue;
      const path = join(dir, fileName);
      try {
        if (!statSync(path).isFile()) continue;
      } catch {
        continue;
      }
      const id = fileName.replace(TEMPLATE_EXTENSION, '');
      if (!isValidTemplateId(id)) {
        warnings.push(`skipping template file ${path}: ${JSON.stringify(id)} is not a valid template id`);
        continue;
      }
      let load: TemplateLoad;
      try {
        load = loadTemplate(id, readFileSync(path, 'utf8'), fileName);
      } catch (e) {
        const message = `cannot read the file: ${e instanceof Error ? e.message : String(e)}`;
        load = {
          ok: false,
          id,
          name: id,
          description: '',
          version: '',
          problems: [{ file: fileName, path: '', message }],
        };
      }
      warnings.push(...this.add(load, options.origin));
    }
    return warnings;
  }

  /**
   * Adds (or replaces) a template. Returns a warning when it overrides one of another origin or file.
   * Throws INVALID_REQUEST for an id that is not a valid template id.
   */
  add(load: TemplateLoad, origin: TemplateOrigin = 'upload'): string[] {
    const id = loadId(load);
    if (!isValidTemplateId(id)) {
      throw new TalusError('INVALID_REQUEST', `invalid template id ${JSON.stringify(id)}`, {
        template_id: id,
        pattern: TEMPLATE_ID_PATTERN.source,
      });
    }
    const warnings: string[] = [];
    const previous = this.#entries.get(id);
    if (previous !== undefined) {
      warnings.push(`template "${id}" (${origin}) overrides the ${previous.origin} template of the same id`);
    }
    this.#entries.set(id, { id, origin, load });
    return warnings;
  }

  remove(id: string): boolean {
    return this.#entries.delete(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  get(id: string): TemplateLoad | undefined {
    return this.#entries.get(id)?.load;
  }

  entry(id: string): TemplateEntry | undefined {
    return this.#entries.get(id);
  }

  /**
   * The valid template of that id. Throws TEMPLATE_NOT_FOUND when there is none, INVALID_TEMPLATE with
   * `details.problems` when it is broken.
   */
  require(id: string): Template {
    const load = this.get(id);
    if (load === undefined) {
      throw new TalusError('TEMPLATE_NOT_FOUND', `no template ${JSON.stringify(id)}`, { template_id: id });
    }
    if (!load.ok) {
      const problems: Json[] = load.problems.map((p) => ({ file: p.file, path: p.path, message: p.message }));
      throw new TalusError('INVALID_TEMPLATE', `template ${JSON.stringify(id)} is invalid`, {
        template_id: id,
        problems,
      });
    }
    return load.template;
  }

  /** Every template, valid or not, sorted by id. */
  list(): TemplateSummary[] {
    return [...this.#entries.keys()]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((id) => summary((this.#entries.get(id) as TemplateEntry).load));
  }

  ids(): string[] {
    return [...this.#entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
