import { loadTemplate, Project, type Template } from '../src/index.js';

/** A small template covering every property type; `extra` YAML lines are appended to its node types. */
export const WORKSHOP_YAML = `
name: Workshop
description: A test template with every property type.
version: '1.0'
node_types:
- id: workshop
  label: Workshop
  features: [is_root]
  allowed_children: [bench, crew]
  properties:
  - { id: name, label: Name, type: text, required: true }
  - { id: opened, label: Opened, type: date }
- id: bench
  label: Bench
  allowed_children: [job, bench]
  properties:
  - { id: name, label: Bench, type: text, required: true }
  - { id: width, label: Width, type: number }
  - { id: owner, label: Owner, type: node_reference, target_type: person }
- id: job
  label: Job
  allowed_children: []
  properties:
  - { id: name, label: Job, type: text, required: true }
  - { id: cost, label: Cost, type: currency }
  - { id: due, label: Due, type: date }
  - { id: done, label: Done, type: checkbox }
  - { id: notes, label: Notes, type: editor }
  - { id: code, label: Code, type: text, required: true }
  - id: status
    label: Status
    type: select
    options:
    - { name: Open, indicator_id: empty }
    - { name: Doing, indicator_id: partial }
    - { name: Finished, indicator_id: filled }
  - { id: helpers, label: Helpers, type: node_reference, target_type: person }
  - { id: hours, label: Hours, type: number, value: 8 }
- id: crew
  label: Crew
  allowed_children: [person]
  properties:
  - { id: name, label: Crew, type: text, required: true }
- id: person
  label: Person
  allowed_children: []
  properties:
  - { id: name, label: Name, type: text, required: true }
  - { id: rate, label: Rate, type: currency }
`;

export function buildTemplate(yaml = WORKSHOP_YAML, id = 'workshop'): Template {
  const load = loadTemplate(id, yaml, `${id}.yaml`);
  if (!load.ok) throw new Error(`test template invalid: ${JSON.stringify(load.problems)}`);
  return load.template;
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');
/** A strictly increasing test clock. */
export const tick = () => {
  clock += 1000;
  return new Date(clock).toISOString();
};

export function buildProject(template = buildTemplate(), name = 'Shop'): Project {
  const at = tick();
  return Project.create({
    id: globalThis.crypto.randomUUID(),
    name,
    template,
    created_at: at,
    updated_at: at,
  });
}

let seq = 0;
export const ctx = (actor = 'alice', command_id = `c${++seq}`) => ({
  actor: { id: actor, name: actor },
  now: tick(),
  command_id,
});

/** A comparable copy of the graph: every node in id form, without `updated_at`. */
export function snapshot(project: Project) {
  return JSON.stringify([...project.graph.walk()].map(({ updated_at: _u, ...rest }) => rest));
}
