import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TalusError } from '../errors.js';
import { Project } from '../project.js';
import { loadTemplate } from '../template/load.js';
import type { Template } from '../template/model.js';
import { templateToSource } from '../template/source.js';
import type { JsonObject } from '../types.js';
import {
  exportProject,
  importOriginalFile,
  parseTalusFile,
  TALUS_FORMAT,
  type TalusExportFile,
} from './index.js';

const ORIGINAL = new URL('../../../../../shared/fixtures/talus-original/', import.meta.url);

function loaded(id: string, source: unknown): Template {
  const load = loadTemplate(id, source, `${id}.yaml`);
  if (!load.ok) throw new Error(`template ${id} does not load: ${JSON.stringify(load.problems)}`);
  return load.template;
}
const fixtureTemplate = (id: string) =>
  loaded(id, readFileSync(new URL(`templates/${id}.yaml`, ORIGINAL), 'utf8'));
const fixtureFile = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`projects/${file}`, ORIGINAL), 'utf8'));

let clock = Date.parse('2026-03-01T00:00:00.000Z');
const tick = () => {
  clock += 1000;
  return new Date(clock).toISOString();
};
let seq = 0;
const ctx = (actor = 'alice', now = tick(), command_id = `cmd-${++seq}`) => ({
  actor: { id: actor, name: actor },
  now,
  command_id,
});

const CREW = loaded(
  'crew',
  `
name: Crew
version: '2.1'
node_types:
- id: crew
  label: Crew
  features: [is_root]
  allowed_children: [job]
  properties:
  - { id: name, label: Name, type: text, required: true }
- id: job
  label: Job
  allowed_children: [job]
  properties:
  - { id: name, label: Name, type: text, required: true }
  - { id: hours, label: Hours, type: number }
  - id: state
    label: State
    type: select
    options: [{ name: Open }, { name: Done }]
`,
);

const info = (template: Template, name: string) => {
  const at = tick();
  return { id: globalThis.crypto.randomUUID(), name, template, created_at: at, updated_at: at };
};

/** Export as the wire carries it (a JSON round trip). */
function exported(p: Project, extras: JsonObject = {}, history = false): TalusExportFile {
  const file = exportProject(p, {
    now: tick(),
    extras,
    templateSource: templateToSource(p.template),
    templateVersion: p.template.version,
    history,
  });
  return JSON.parse(JSON.stringify(file)) as TalusExportFile;
}

/** What `POST /projects/import` does with a Talus Tally file, minus storage. */
function reimport(file: unknown): { project: Project; extras: JsonObject } {
  const parsed = parseTalusFile(file);
  const template = loaded(parsed.template_id, parsed.template);
  const project = Project.restore(
    info(template, parsed.name),
    parsed.nodes,
    parsed.roots,
    parsed.revision ?? 0,
    parsed.history ?? [],
  );
  return { project, extras: parsed.extras };
}

/** The file but for what must differ between two exports. */
const stable = (f: TalusExportFile) => ({
  ...f,
  exported_at: '-',
  project: { ...f.project, project_id: '-' },
});

function refusal(fn: () => unknown): TalusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TalusError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const edit = (f: TalusExportFile, change: (f: JsonObject) => void): JsonObject => {
  const copy = structuredClone(f) as unknown as JsonObject;
  change(copy);
  return copy;
};
const nodesOf = (f: JsonObject) => f.nodes as JsonObject[];
const historyOf = (f: JsonObject) => f.history as JsonObject[];

/** A project with a few nodes and a history with every entry kind, two actors, a batch, undone and redone entries. */
function busyProject() {
  const p = Project.create(info(CREW, 'Busy'));
  const root = p.graph.roots[0]!;
  const create = (name: string, parent = root, actor = 'alice') =>
    p.execute('CreateNode', { parent_id: parent, blueprint_type_id: 'job', name }, ctx(actor)).entry.node_id!;
  const a = create('A');
  const b = create('B', root, 'bob');
  p.execute('UpdateProperty', { node_id: a, property_id: 'hours', value: 5 }, ctx());
  p.execute(
    'Batch',
    {
      commands: [
        { command_type: 'CreateNode', data: { parent_id: a, blueprint_type_id: 'job', name: 'C' } },
        { command_type: 'CreateNode', data: { parent_id: a, blueprint_type_id: 'job', name: 'D' } },
      ],
    },
    ctx(),
  );
  p.undo('session', ctx()); // the batch
  p.undo('session', ctx()); // hours
  p.redo('session', ctx()); // hours again
  p.execute('UpdateProperty', { node_id: b, property_id: 'state', value: 'Done' }, ctx('bob'));
  p.execute('DeleteNode', { node_id: b }, ctx('bob'));
  p.undo('mine', ctx('bob')); // b is back
  return { p, root, a, b };
}

describe('talus-tally/1 files', () => {
  it('[EXP1] an export carries the format, the project with its template and extras, and the nodes in walk order', () => {
    const { p, a } = busyProject();
    const extras = { filter_sets: [{ id: 'f1' }] };
    const f = exported(p, extras);
    expect(f.format).toBe(TALUS_FORMAT);
    expect(typeof f.exported_at).toBe('string');
    expect(f.project).toEqual({
      project_id: p.id,
      name: 'Busy',
      template_id: 'crew',
      template_version: '2.1',
      template: templateToSource(CREW),
      extras,
    });
    expect(f.nodes.map((n) => n.id)).toEqual([...p.graph.walk()].map((n) => n.id));
    expect(f.nodes.find((n) => n.id === a)).toEqual(JSON.parse(JSON.stringify(p.graph.get(a))));
    expect(f.history).toBeUndefined();
    expect(f.revision).toBeUndefined();
  });

  it('[EXP2] an export shares nothing with the live project', () => {
    const { p, a } = busyProject();
    const f = exportProject(p, { now: tick(), extras: {}, templateSource: {}, templateVersion: '1' });
    f.nodes.find((n) => n.id === a)!.properties.hours = 99;
    expect(p.graph.get(a)!.properties.hours).toBe(5);
  });

  it('[EXP3] with history: the entries with what undo needs (status, applied_at, undone_at, node ids) and the revision', () => {
    const { p } = busyProject();
    const f = exported(p, {}, true);
    expect(f.revision).toBe(p.revision);
    expect(f.history).toHaveLength(p.history.length);
    const batch = f.history!.find((e) => e.command_type === 'Batch')!;
    expect(batch).toMatchObject({ kind: 'command', status: 'undone', applied_at: 4, undone_at: 5 });
    expect(batch.node_ids).toHaveLength(2);
    const first = f.history![0]!;
    expect(first).toMatchObject({
      revision: 1,
      status: 'applied',
      applied_at: 1,
      node_id: p.history[0]!.node_id!,
    });
    expect(f.history!.find((e) => e.kind === 'undo')).toMatchObject({ undone_command_id: batch.command_id });
  });

  for (const [file, templateId] of [
    ['ProtonTherapy.json', 'DetailingProject'],
    ['project_talus.json', 'project_talus'],
    ['orphan_test_project.json', 'orphan_test'],
  ] as const) {
    it(`[EXP8] ${file}: import, export, import again and export again gives the same file`, () => {
      const template = fixtureTemplate(templateId);
      const imported = importOriginalFile(fixtureFile(file), template, { now: tick() });
      const p = Project.restore(info(template, imported.name), imported.nodes, imported.roots, 0, []);
      const first = exported(p, imported.extras);
      const again = reimport(first);
      expect(again.project.revision).toBe(0);
      const second = exported(again.project, again.extras);
      expect(stable(second)).toEqual(stable(first));
      expect(second.project.project_id).not.toBe(first.project.project_id);
    });
  }

  it('[EXP8] with history: the round trip keeps revision and history, and undo / redo carry on identically', () => {
    const { p } = busyProject();
    const first = exported(p, {}, true);
    const { project: q } = reimport(first);
    expect(q.revision).toBe(p.revision);
    expect(stable(exported(q, {}, true))).toEqual(stable(first));
    expect([q.undoAvailable, q.redoAvailable]).toEqual([p.undoAvailable, p.redoAvailable]);
    // the same requests, at the same times, on both: the same answers and the same files
    const steps: Array<(x: Project, c: ReturnType<typeof ctx>) => unknown> = [
      (x, c) => x.redo('session', c), // DeleteNode b again
      (x, c) => x.undo('session', c),
      (x, c) => x.undo('mine', { ...c, actor: { id: 'bob', name: 'bob' } }),
      (x, c) => x.undo('session', c),
      (x, c) => x.redo('session', c),
      (x, c) => x.undo('session', c),
      (x, c) => x.undo('session', c),
    ];
    for (const step of steps) {
      const c = ctx();
      const outcome = (x: Project) => {
        try {
          const r = step(x, c) as { entry: { revision: number; changes: unknown } };
          return JSON.parse(JSON.stringify({ revision: r.entry.revision, changes: r.entry.changes }));
        } catch (e) {
          return (e as TalusError).code;
        }
      };
      expect(outcome(q)).toEqual(outcome(p));
      expect(stable(exported(q, {}, true))).toEqual(stable(exported(p, {}, true)));
    }
    expect(q.revision).toBeGreaterThan(first.revision!);
  });

  it('[EXP8] a replayed command id from the exported history is still recognised after import', () => {
    const { p } = busyProject();
    const { project: q } = reimport(exported(p, {}, true));
    const firstEntry = p.history[0]!;
    const replay = q.execute(firstEntry.command_type, firstEntry.data, {
      actor: firstEntry.actor,
      now: tick(),
      command_id: firstEntry.command_id,
    });
    expect(replay.replayed).toBe(true);
    expect(q.revision).toBe(p.revision);
  });

  it('[EXP4] the shape is checked strictly, with the path of the first fault', () => {
    const f = exported(busyProject().p, {}, false);
    const cases: Array<[unknown, string]> = [
      [null, ''],
      [edit(f, (x) => (x.format = 'talus-tally/2')), 'format'],
      [edit(f, (x) => delete x.format), 'format'],
      [edit(f, (x) => (x.surprise = 1)), 'surprise'],
      [edit(f, (x) => delete x.exported_at), 'exported_at'],
      [edit(f, (x) => (x.project = [])), 'project'],
      [edit(f, (x) => ((x.project as JsonObject).name = '')), 'project.name'],
      [edit(f, (x) => delete (x.project as JsonObject).template), 'project.template'],
      [edit(f, (x) => ((x.project as JsonObject).extras = 'x')), 'project.extras'],
      [edit(f, (x) => ((x.project as JsonObject).owner = 'x')), 'project.owner'],
      [edit(f, (x) => (x.nodes = {})), 'nodes'],
      [edit(f, (x) => (x.nodes = [])), 'nodes'],
      [edit(f, (x) => (nodesOf(x)[1]!.id = 'not-a-uuid')), 'nodes[1].id'],
      [edit(f, (x) => (nodesOf(x)[1]!.id = (nodesOf(x)[1]!.id as string).toUpperCase())), 'nodes[1].id'],
      [edit(f, (x) => delete nodesOf(x)[1]!.blueprint_type_id), 'nodes[1].blueprint_type_id'],
      [edit(f, (x) => (nodesOf(x)[1]!.name = 3)), 'nodes[1].name'],
      [edit(f, (x) => (nodesOf(x)[1]!.name = 'n'.repeat(100_001))), 'nodes[1].name'],
      [edit(f, (x) => (nodesOf(x)[1]!.properties = [])), 'nodes[1].properties'],
      [edit(f, (x) => (nodesOf(x)[1]!.parent_id = 7)), 'nodes[1].parent_id'],
      [edit(f, (x) => (nodesOf(x)[1]!.children = ['x'])), 'nodes[1].children[0]'],
      [edit(f, (x) => (nodesOf(x)[1]!.metadata = null)), 'nodes[1].metadata'],
      [edit(f, (x) => (nodesOf(x)[1]!.metadata = { orphaned: 'yes' })), 'nodes[1].metadata.orphaned'],
      [edit(f, (x) => delete nodesOf(x)[1]!.updated_at), 'nodes[1].updated_at'],
      [edit(f, (x) => (nodesOf(x)[1]!.tree = [])), 'nodes[1].tree'],
      [edit(f, (x) => (x.revision = 3)), 'history'],
      [edit(f, (x) => (x.history = [])), 'revision'],
    ];
    for (const [doc, path] of cases) {
      const e = refusal(() => parseTalusFile(doc));
      expect(e.code, path).toBe('INVALID_REQUEST');
      expect(e.details?.path, `${path}: ${e.message}`).toBe(path);
    }
  });

  it('[EXP5] nodes must form a forest whose parent_id and children agree; the output is ordered parents first', () => {
    const { p, a } = busyProject();
    const f = exported(p);
    const at = (x: JsonObject, id: string) => nodesOf(x).find((n) => n.id === id)!;
    const root = f.nodes[0]!.id;
    const cases: Array<[JsonObject, string]> = [
      [edit(f, (x) => (at(x, a).parent_id = null)), a],
      [edit(f, (x) => (at(x, root).children = [...(at(x, root).children as string[]), root])), root],
      [edit(f, (x) => (at(x, a).children = [globalThis.crypto.randomUUID()])), a],
      [edit(f, (x) => nodesOf(x).push(structuredClone(at(x, a)))), a],
      [
        edit(f, (x) => {
          at(x, a).parent_id = a;
          at(x, a).children = [a];
        }),
        a,
      ],
    ];
    for (const [doc, culprit] of cases) {
      const e = refusal(() => parseTalusFile(doc));
      expect(e.code).toBe('INVALID_REQUEST');
      expect(e.details?.node_id, e.message).toBe(culprit);
    }
    const shuffled = edit(f, (x) => nodesOf(x).reverse());
    const parsed = parseTalusFile(shuffled);
    expect(parsed.nodes.map((n) => n.id)).toEqual(f.nodes.map((n) => n.id));
    expect(parsed.roots).toEqual([root]);
  });

  it('[EXP6] a history is checked: consecutive revisions ending at revision, unique ids, undo / redo of real targets', () => {
    const f = exported(busyProject().p, {}, true);
    const entry = (x: JsonObject, i: number) => historyOf(x)[i]!;
    const undoAt = historyOf(f as unknown as JsonObject).findIndex((e) => e.kind === 'undo');
    const redoAt = historyOf(f as unknown as JsonObject).findIndex((e) => e.kind === 'redo');
    const cases: Array<[JsonObject, string]> = [
      [edit(f, (x) => (x.revision = (x.revision as number) + 1)), 'revision'],
      [edit(f, (x) => (entry(x, 2).revision = 7)), 'history[2].revision'],
      [edit(f, (x) => (entry(x, 0).revision = 0)), 'history[0].revision'],
      [edit(f, (x) => (entry(x, 1).command_id = entry(x, 0).command_id!)), 'history[1].command_id'],
      [edit(f, (x) => (entry(x, 1).kind = 'other')), 'history[1].kind'],
      [edit(f, (x) => (entry(x, 1).command_type = 'Undo')), 'history[1].command_type'],
      [edit(f, (x) => delete entry(x, 1).actor), 'history[1].actor'],
      [edit(f, (x) => (entry(x, 1).changes = {})), 'history[1].changes'],
      [
        edit(f, (x) => ((entry(x, 1).changes as JsonObject[])[0]!.op = 'teleport')),
        'history[1].changes[0].op',
      ],
      [
        edit(f, (x) => (((entry(x, 1).changes as JsonObject[])[0]!.nodes as JsonObject[])[0]!.name = null)),
        'history[1].changes[0].nodes[0].name',
      ],
      [edit(f, (x) => (entry(x, 1).status = 'maybe')), 'history[1].status'],
      [edit(f, (x) => (entry(x, 0).undone_command_id = 'cmd-1')), 'history[0].undone_command_id'],
      [
        edit(f, (x) => (entry(x, undoAt).node_id = globalThis.crypto.randomUUID())),
        `history[${undoAt}].node_id`,
      ],
      [edit(f, (x) => (entry(x, 0).node_id = 'x')), 'history[0].node_id'],
      [edit(f, (x) => (entry(x, undoAt).status = 'applied')), `history[${undoAt}].status`],
      [
        edit(f, (x) => ((entry(x, undoAt).data as JsonObject).scope = 'all')),
        `history[${undoAt}].data.scope`,
      ],
      [
        edit(f, (x) => {
          (entry(x, undoAt).data as JsonObject).undone_command_id = 'nope';
          entry(x, undoAt).undone_command_id = 'nope';
        }),
        `history[${undoAt}].data.undone_command_id`,
      ],
      [
        edit(f, (x) => (entry(x, undoAt).undone_command_id = 'other')),
        `history[${undoAt}].undone_command_id`,
      ],
      [
        edit(f, (x) => {
          const target = entry(x, 0).command_id as string;
          (entry(x, redoAt).data as JsonObject).redone_command_id = target;
          entry(x, redoAt).redone_command_id = target;
        }),
        `history[${redoAt}].data.redone_command_id`,
      ],
    ];
    for (const [doc, path] of cases) {
      const e = refusal(() => parseTalusFile(doc));
      expect(e.code, path).toBe('INVALID_REQUEST');
      expect(e.details?.path, `${path}: ${e.message}`).toBe(path);
    }
  });

  it('[EXP6] a pruned history (not starting at revision 1) may name targets older than its first entry', () => {
    const { p } = busyProject();
    p.prune(3);
    const f = exported(p, {}, true);
    expect(f.history![0]!.revision).toBe(p.revision - 2);
    const { project: q } = reimport(f);
    expect(q.historyFloor).toBe(p.historyFloor);
    expect(stable(exported(q, {}, true))).toEqual(stable(f));
  });

  it('[EXP7] statuses are recomputed from the log, whatever the file claims', () => {
    const f = exported(busyProject().p, {}, true);
    const tampered = edit(f, (x) => {
      for (const e of historyOf(x)) {
        if (e.kind !== 'command') continue;
        e.status = 'applied';
        e.applied_at = 1;
        delete e.undone_at;
      }
    });
    const parsed = parseTalusFile(tampered);
    const batch = parsed.history!.find((e) => e.command_type === 'Batch')!;
    expect(batch).toMatchObject({ status: 'undone', applied_at: 4, undone_at: 5 });
    const { project: q } = reimport(tampered);
    expect(stable(exported(q, {}, true))).toEqual(stable(f));
  });

  it('[EXP9] parsing does not alias or change its input', () => {
    const f = exported(busyProject().p, {}, true);
    const before = JSON.stringify(f);
    const parsed = parseTalusFile(f);
    parsed.nodes[0]!.name = 'changed';
    parsed.history![0]!.changes.length = 0;
    expect(JSON.stringify(f)).toBe(before);
  });
});
