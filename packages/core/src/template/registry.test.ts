import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isTalusError } from '../errors.js';
import { loadTemplate } from './load.js';
import { KNOWN_PROPERTY_TYPES, type Template } from './model.js';
import { builtinTemplatesDir, isValidTemplateId, TemplateRegistry } from './registry.js';

const ORIGINAL = fileURLToPath(
  new URL('../../../../../shared/fixtures/talus-original/templates', import.meta.url),
);
const CONFORMANCE = fileURLToPath(new URL('../../../../../shared/conformance/templates', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'talus-templates-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const INDICATORS = new Set(['empty', 'partial', 'filled', 'alert']);

describe('template registry', () => {
  it('[TPL23] loads a folder: ids from file names, broken templates listed invalid with problems, sorted by id', () => {
    const registry = new TemplateRegistry();
    expect(registry.loadDirectory(ORIGINAL, { origin: 'original' })).toEqual([]);
    const list = registry.list();
    expect(list.map((t) => t.id)).toEqual([...list.map((t) => t.id)].sort());
    expect(list.map((t) => t.id)).toContain('DetailingProject');
    const broken = list.find((t) => t.id === 'broken_template');
    expect(broken).toMatchObject({ valid: false, name: 'BROKEN TEST TEMPLATE', version: '1.0' });
    expect(broken?.problems?.map((p) => p.path)).toEqual([
      'node_types[0]',
      'node_types[0].properties[0]',
      'node_types[0].properties[0].options',
    ]);
    expect(broken?.problems?.[0]?.file).toBe('broken_template.yaml');
    const album = list.find((t) => t.id === 'album');
    expect(album).toEqual({
      id: 'album',
      name: 'Album Organizer',
      description: 'A template for organizing and managing creation of a music album.',
      version: '1.0',
      valid: true,
    });
    expect(registry.require('album').id).toBe('album');
    expect(registry.get('broken_template')?.ok).toBe(false);
  });

  it('[TPL23] a later folder overrides an id with a warning; bad names are skipped; errors carry codes', () => {
    writeFileSync(join(temp, 'festival.yml'), readFileSync(join(CONFORMANCE, 'festival.yaml'), 'utf8'));
    writeFileSync(join(temp, 'album.yaml'), 'name: My Album\nnode_types: [{id: a, label: A}]\n');
    writeFileSync(join(temp, 'bad name.yaml'), 'name: x\nnode_types: [{id: a, label: A}]\n');
    writeFileSync(join(temp, 'notes.txt'), 'not a template');
    const registry = new TemplateRegistry();
    registry.loadDirectory(ORIGINAL, { origin: 'builtin' });
    const warnings = registry.loadDirectory(temp, { origin: 'custom' });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/"album".*overrides the builtin template/);
    expect(warnings[1]).toMatch(/skipping template file .*bad name\.yaml/);
    expect(registry.require('album').name).toBe('My Album');
    expect(registry.entry('album')?.origin).toBe('custom');
    expect(registry.require('festival').root_type_id).toBe('festival');
    expect(registry.has('notes')).toBe(false);

    expect(registry.loadDirectory(join(temp, 'missing'), { origin: 'x' })[0]).toMatch(
      /cannot read template folder/,
    );

    const codes: string[] = [];
    for (const id of ['nope', 'broken_template']) {
      try {
        registry.require(id);
      } catch (e) {
        if (isTalusError(e)) codes.push(e.code);
        if (isTalusError(e) && e.code === 'INVALID_TEMPLATE') expect(e.details?.problems).toHaveLength(3);
      }
    }
    expect(codes).toEqual(['TEMPLATE_NOT_FOUND', 'INVALID_TEMPLATE']);

    const upload = loadTemplate('uploaded.v2', 'name: U\nnode_types: [{id: a, label: A}]', 'upload');
    expect(registry.add(upload, 'upload')).toEqual([]);
    expect(registry.require('uploaded.v2').name).toBe('U');
    expect(() =>
      registry.add(loadTemplate('../etc', 'name: U\nnode_types: [{id: a, label: A}]', 'upload')),
    ).toThrow(/invalid template id/);
    for (const id of ['a', 'A-b_c.1', 'x'.repeat(100)]) expect(isValidTemplateId(id)).toBe(true);
    for (const id of ['', '.', '..', '../x', 'a/b', 'a b', 'x'.repeat(101), 'é'])
      expect(isValidTemplateId(id)).toBe(false);
  });

  it('[TPL24] built-in templates: at least three, valid, 5–9 node types, every property type, name required', () => {
    const dir = builtinTemplatesDir();
    expect(existsSync(dir)).toBe(true);
    const registry = new TemplateRegistry();
    expect(registry.loadDirectory(dir, { origin: 'builtin' })).toEqual([]);
    const ids = registry.list().map((t) => t.id);
    expect(ids).toEqual(['event_production', 'software_release', 'vehicle_build']);
    for (const id of ids) {
      const t: Template = registry.require(id);
      expect(t.description.length).toBeGreaterThan(20);
      expect(t.version).toBe('1.0');
      expect(t.node_types.length).toBeGreaterThanOrEqual(5);
      expect(t.node_types.length).toBeLessThanOrEqual(9);
      expect(t.typeByRef.get(t.root_type_id)?.features).toContain('is_root');
      const used = new Set<string>();
      const reachable = new Set([t.root_type_id]);
      for (const nt of t.node_types) {
        expect(nt.icon, `${id}.${nt.id} icon`).toBeTruthy();
        for (const c of nt.allowed_children) reachable.add(c);
        const name = nt.properties.find((p) => p.id === 'name');
        expect(name, `${id}.${nt.id} name`).toMatchObject({ type: 'text', required: true });
        for (const p of nt.properties) {
          used.add(p.type);
          for (const o of p.options ?? []) {
            if (o.indicator_id !== null)
              expect(INDICATORS.has(o.indicator_id), `${id} ${o.indicator_id}`).toBe(true);
          }
          if (p.type === 'node_reference') expect(t.typeByRef.has(p.target_type ?? '')).toBe(true);
        }
      }
      for (const type of KNOWN_PROPERTY_TYPES) expect(used.has(type), `${id} uses ${type}`).toBe(true);
      const indicatorSelects = t.node_types.flatMap((nt) =>
        nt.properties.filter(
          (p) => p.from_feature === undefined && p.options?.some((o) => o.indicator_id !== null),
        ),
      );
      expect(indicatorSelects.length).toBeGreaterThan(0);
      // Every type can be placed somewhere in a tree that starts at the root.
      expect([...reachable].sort()).toEqual(t.node_types.map((nt) => nt.id).sort());
    }
  });
});
