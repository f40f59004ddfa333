import type { Json, JsonObject } from '../types.js';

/** The property types the core validates; any other type string is kept and its values are opaque JSON. */
export const KNOWN_PROPERTY_TYPES = [
  'text',
  'number',
  'currency',
  'checkbox',
  'date',
  'select',
  'node_reference',
  'editor',
] as const;
export type KnownPropertyType = (typeof KNOWN_PROPERTY_TYPES)[number];

/** One option of a `select` property. Values are stored as the option's `uuid`. */
export interface SelectOption {
  uuid: string;
  name: string;
  indicator_id: string | null;
  /** The option's own `id`, when the template gave one. */
  id?: string;
  /** Fields of the option beyond the known ones, kept as written. */
  extras: JsonObject;
}

export interface PropertyDef {
  id: string;
  uuid: string;
  /** The template's `label` (or `name`). */
  label: string;
  /** The type string as written; unknown types are kept and treated as opaque JSON. */
  type: string;
  required: boolean;
  /** The template's `value`, when given. */
  default?: Json;
  options?: SelectOption[];
  target_type?: string;
  description?: string;
  system_locked?: boolean;
  ui_group?: string;
  semantic_role?: string;
  markup_profile?: string;
  /** Added by a feature macro (`scheduling`, `budgeting`, `is_person`), not written in the file. */
  from_feature?: string;
  /** Fields beyond the known ones (`indicator_set`, `markup`, `key`, `bullet`…), kept as written. */
  extras: JsonObject;
}

export interface NodeTypeDef {
  id: string;
  uuid: string;
  label: string;
  /** Type ids (never uuids) of the children this type allows, in template order. */
  allowed_children: string[];
  /** Feature names (`is_root`, `scheduling`…); a mapping in the file becomes the list of its truthy keys. */
  features: string[];
  icon: string | null;
  properties: PropertyDef[];
  extras: JsonObject;
}

/** A problem found while loading a template: `path` like `node_types[0].properties[1].options`. */
export interface TemplateProblem {
  file: string;
  path: string;
  message: string;
}

/** A loaded, valid template, with lookups by id and by uuid. */
export interface Template {
  /** File name without `.yaml`, or the id given at upload. */
  id: string;
  name: string;
  description: string;
  version: string;
  node_types: NodeTypeDef[];
  /** The root type: the one with `is_root`, else the first. */
  root_type_id: string;
  /** Top-level fields beyond the known ones, kept as written. */
  extras: JsonObject;
  /** Type by `id` or `uuid`. */
  typeByRef: ReadonlyMap<string, NodeTypeDef>;
  /** Per type id: property by `id` or `uuid`. */
  propertyByRef: ReadonlyMap<string, ReadonlyMap<string, PropertyDef>>;
}

/** The result of loading a template: a template, or the list of its problems. */
export type TemplateLoad =
  | { ok: true; template: Template; source: string }
  | {
      ok: false;
      id: string;
      name: string;
      description: string;
      version: string;
      problems: TemplateProblem[];
    };
