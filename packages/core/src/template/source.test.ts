import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../types.js';
import { stableId } from './ids.js';
import { loadTemplate } from './load.js';
import type { Template } from './model.js';
import { builtinTemplatesDir } from './registry.js';
import { templateSchema, templateToSource } from './source.js';

const ORIGINAL = fileURLToPath(
  new URL('../../../../../shared/fixtures/talus-original/templates/', import.meta.url),
);
const CONFORMANCE = fileURLToPath(new URL('../../../../../shared/conformance/templates/', import.meta.url));
const BUILTIN = `${builtinTemplatesDir()}/`;

function load(dir: string, file: string): Template {
  const id = file.replace(/\.ya?ml$/, '');
  const result = loadTemplate(id, readFileSync(`${dir}${file}`, 'utf8'), file);
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.problems)}`);
  return result.template;
}

function allTemplates(): Template[] {
  const out: Template[] = [];
  for (const dir of [ORIGINAL, CONFORMANCE, BUILTIN]) {
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.yaml') || file.startsWith('broken') || file.startsWith('bad_')) continue;
      out.push(load(dir, file));
    }
  }
  return out;
}

/** True when the value survives JSON unchanged: no undefined, no NaN, no Map, no functions. */
function jsonSafe(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(jsonSafe);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as object).every(jsonSafe);
  }
  return false;
}

describe('template source and schema', () => {
  it('[TPL21] templateToSource gives a JSON document that loads back to an equal template', () => {
    const templates = allTemplates();
    expect(templates.length).toBeGreaterThanOrEqual(14);
    for (const t of templates) {
      const source = templateToSource(t);
      expect(jsonSafe(source)).toBe(true);
      const viaObject = loadTemplate(t.id, source, `${t.id}.json`);
      expect(viaObject.ok).toBe(true);
      if (viaObject.ok) expect(viaObject.template).toEqual(t);
      // The stored copy travels as JSON text; YAML reads JSON, so the text form loads as well.
      const viaText = loadTemplate(t.id, JSON.stringify(source), `${t.id}.json`);
      expect(viaText.ok && viaText.template).toEqual(t);
      // And a second round gives the same document.
      if (viaObject.ok) expect(templateToSource(viaObject.template)).toEqual(source);
    }
  });

  it('[TPL21] the stored copy keeps macro properties, so it does not depend on the macros', () => {
    const t = load(CONFORMANCE, 'festival.yaml');
    const source = templateToSource(t);
    expect(source).not.toHaveProperty('id');
    const doc = loadTemplate(
      's',
      'name: S\nnode_types:\n  - id: job\n    label: Job\n    features: [scheduling]\n    properties:\n      - {id: status, label: Phase, type: select, options: [A, B]}\n',
      's.yaml',
    );
    if (!doc.ok) throw new Error('expected valid');
    const written = templateToSource(doc.template);
    const job = (written.node_types as JsonObject[])[0] as JsonObject;
    const ids = (job.properties as JsonObject[]).map((p) => [p.id, p.from_feature ?? null]);
    expect(ids).toEqual([
      ['status', null],
      ['start_date', 'scheduling'],
      ['end_date', 'scheduling'],
      ['assigned_to', 'scheduling'],
      ['estimated_hours', 'scheduling'],
      ['actual_hours', 'scheduling'],
      ['allocations', 'scheduling'],
      ['_feat_scheduling_status', 'scheduling'],
    ]);
  });

  it('[TPL22] the schema: node types and properties with id, uuid, name (the label), options { uuid, name, indicator_id }', () => {
    const t = load(CONFORMANCE, 'festival.yaml');
    const schema = templateSchema(t);
    expect(schema).toMatchObject({
      template_id: 'festival',
      name: 'Festival Production',
      version: '2.3',
      description: expect.stringMatching(/festival/),
    });
    const types = schema.node_types as JsonObject[];
    expect(types.map((x) => x.id)).toEqual([
      'festival',
      'stage',
      'act',
      'task',
      'crew_pool',
      'crew_member',
      'vendor',
      'area',
    ]);
    const act = types[2] as JsonObject;
    expect(act).toMatchObject({
      id: 'act',
      uuid: stableId('node_type', 'act'),
      name: 'Act',
      allowed_children: ['task'],
      features: [],
      icon: 'microphone',
    });
    const status = (act.properties as JsonObject[]).find((p) => p.id === 'status') as JsonObject;
    expect(status).toMatchObject({
      uuid: stableId('property.act', 'status'),
      name: 'Status',
      type: 'select',
      required: false,
    });
    expect((status.options as JsonObject[])[1]).toMatchObject({
      uuid: stableId('act.status', 'Contracted'),
      name: 'Contracted',
      indicator_id: 'partial',
    });
    const liaison = (act.properties as JsonObject[]).find((p) => p.id === 'liaison') as JsonObject;
    expect(liaison).toMatchObject({ type: 'node_reference', target_type: 'crew_member' });
    expect(liaison).not.toHaveProperty('options');
    expect(liaison).not.toHaveProperty('default');
    const stageStatus = ((types[1] as JsonObject).properties as JsonObject[]).find((p) => p.id === 'status');
    expect(((stageStatus as JsonObject).options as JsonObject[])[0]).toMatchObject({
      name: 'Planned',
      indicator_id: null,
    });
    // Fields beyond the known ones come along.
    const fest = (types[0] as JsonObject).properties as JsonObject[];
    expect(fest.find((p) => p.id === 'status')).toMatchObject({ indicator_set: 'status' });
  });

  it('[TPL22] the schema is deterministic and JSON-safe for every template', () => {
    for (const t of allTemplates()) {
      const a = templateSchema(t);
      const b = templateSchema(t);
      expect(jsonSafe(a)).toBe(true);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      expect(JSON.parse(JSON.stringify(a)) as Json).toEqual(a);
      // Mutating an answer never changes the template.
      ((a.node_types as JsonObject[])[0] as JsonObject).id = 'changed';
      expect(templateSchema(t)).toEqual(b);
    }
  });
});
