import type { Static } from '@sinclair/typebox';
import {
  builtinTemplatesDir,
  type JsonObject,
  loadTemplate,
  TalusError,
  type Template,
  type TemplateProblem,
  TemplateRegistry,
  templateSchema,
  templateToSource,
} from '@talus/core';
import type { Answers } from '@talus/protocol';
import type { Logger } from 'pino';
import type { Store } from './store/store.js';

/**
 * Names of `Object.prototype` members (`__proto__`, `constructor`, `toString`…). The domain keeps property values
 * in plain objects keyed by property id, where such a key is no own value (a `__proto__` value is dropped,
 * `constructor` reads an inherited function and the command fails after it was applied): templates from
 * outside (uploads, imported files) may not use them as type or property ids.
 */
const RESERVED_IDS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Problems for type and property ids a template from outside may not use (see RESERVED_IDS). */
export function reservedIdProblems(t: Template, file: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  t.node_types.forEach((type, i) => {
    if (RESERVED_IDS.has(type.id)) {
      problems.push({
        file,
        path: `node_types[${i}].id`,
        message: `"${type.id}" is reserved and cannot be a node type id`,
      });
    }
    type.properties.forEach((prop, j) => {
      if (RESERVED_IDS.has(prop.id)) {
        problems.push({
          file,
          path: `node_types[${i}].properties[${j}].id`,
          message: `"${prop.id}" is reserved and cannot be a property id`,
        });
      }
    });
  });
  return problems;
}

/**
 * The installed templates: built-ins, then `TALUS_TEMPLATES_DIR` folders (overriding built-ins of the same id,
 * with a warning), then uploads kept in the store.
 */
export class TemplateCatalog {
  readonly registry = new TemplateRegistry();
  private readonly schemas = new WeakMap<Template, Static<typeof Answers.schema>>();

  constructor(private readonly log: Logger) {}

  async load(dirs: readonly string[], store: Store): Promise<void> {
    this.warn(this.registry.loadDirectory(builtinTemplatesDir(), { origin: 'builtin' }));
    for (const dir of dirs) this.warn(this.registry.loadDirectory(dir, { origin: dir }));
    for (const { id, source } of await store.listTemplates()) {
      this.warn(this.registry.add(loadTemplate(id, source, `${id}.yaml`), 'upload'));
    }
    for (const t of this.registry.list()) {
      if (!t.valid) this.log.warn({ template_id: t.id, problems: t.problems }, 'template is invalid');
    }
  }

  private warn(messages: string[]): void {
    for (const m of messages) this.log.warn(m);
  }

  require(id: string): Template {
    return this.registry.require(id);
  }

  list() {
    return this.registry.list();
  }

  /** The schema answer of a template, computed once per loaded template. */
  schema(id: string): Static<typeof Answers.schema> {
    return this.schemaOf(this.require(id));
  }

  /** The schema answer of a loaded template (an installed one, or a project's own copy), computed once. */
  schemaOf(t: Template): Static<typeof Answers.schema> {
    const cached = this.schemas.get(t);
    if (cached) return cached;
    // templateSchema builds exactly this shape (its own tests check it); JsonObject cannot say so
    const schema = templateSchema(t) as unknown as Static<typeof Answers.schema>;
    this.schemas.set(t, schema);
    return schema;
  }

  /** The copy of a template a project keeps. */
  source(t: Template): JsonObject {
    return templateToSource(t);
  }

  /** Validate and install an uploaded template (YAML), keeping it in the store. */
  async upload(id: string, yaml: string, store: Store): Promise<void> {
    const load = loadTemplate(id, yaml, `${id}.yaml`);
    const problems = load.ok ? reservedIdProblems(load.template, `${id}.yaml`) : load.problems;
    if (!load.ok || problems.length > 0) {
      throw new TalusError('INVALID_TEMPLATE', `template "${id}" is invalid`, {
        template_id: id,
        problems: problems.map((p) => ({ ...p })),
      });
    }
    await store.saveTemplate(id, yaml);
    this.warn(this.registry.add(load, 'upload'));
  }
}
