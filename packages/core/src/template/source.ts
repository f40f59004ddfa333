import type { Json, JsonObject } from '../types.js';
import { cloneJson } from './load.js';
import type { NodeTypeDef, PropertyDef, SelectOption, Template } from './model.js';

/** Optional string fields of a property, in output order. */
const PROPERTY_STRINGS = [
  'target_type',
  'description',
  'ui_group',
  'semantic_role',
  'markup_profile',
] as const;

function withExtras(extras: JsonObject, known: JsonObject): JsonObject {
  // Extras first so that a known field always wins over a same-named extra.
  return { ...cloneJson(extras), ...known };
}

function optionSource(o: SelectOption): JsonObject {
  const out: JsonObject = { name: o.name, uuid: o.uuid };
  if (o.id !== undefined) out.id = o.id;
  if (o.indicator_id !== null) out.indicator_id = o.indicator_id;
  return withExtras(o.extras, out);
}

/** The fields a property carries alike in its source and in its schema, and its extra fields. */
function withPropertyFields(p: PropertyDef, out: JsonObject): JsonObject {
  for (const key of PROPERTY_STRINGS) {
    const v = p[key];
    if (v !== undefined) out[key] = v;
  }
  if (p.system_locked !== undefined) out.system_locked = p.system_locked;
  if (p.from_feature !== undefined) out.from_feature = p.from_feature;
  return withExtras(p.extras, out);
}

function propertySource(p: PropertyDef): JsonObject {
  const out: JsonObject = { id: p.id, uuid: p.uuid, label: p.label, type: p.type, required: p.required };
  if (p.default !== undefined) out.value = cloneJson(p.default);
  if (p.options !== undefined) out.options = p.options.map(optionSource);
  return withPropertyFields(p, out);
}

function typeSource(t: NodeTypeDef): JsonObject {
  const out: JsonObject = {
    id: t.id,
    uuid: t.uuid,
    label: t.label,
    allowed_children: [...t.allowed_children],
    features: [...t.features],
  };
  if (t.icon !== null) out.icon = t.icon;
  out.properties = t.properties.map(propertySource);
  return withExtras(t.extras, out);
}

/**
 * A plain JSON document that `loadTemplate` turns back into an equal template: the project's stored copy
 * of its template. Everything is written out in full (uuids, option ids, and the properties feature
 * macros added, marked with `from_feature`), so the copy does not depend on later changes to the
 * macros or to id derivation.
 */
export function templateToSource(t: Template): JsonObject {
  return withExtras(t.extras, {
    name: t.name,
    description: t.description,
    version: t.version,
    node_types: t.node_types.map(typeSource),
  });
}

function optionSchema(o: SelectOption): JsonObject {
  return withExtras(o.extras, {
    id: o.id ?? o.uuid,
    uuid: o.uuid,
    name: o.name,
    indicator_id: o.indicator_id,
  });
}

function propertySchema(p: PropertyDef): JsonObject {
  const out: JsonObject = {
    id: p.id,
    uuid: p.uuid,
    name: p.label,
    label: p.label,
    type: p.type,
    required: p.required,
  };
  if (p.default !== undefined) out.default = cloneJson(p.default);
  if (p.options !== undefined) out.options = p.options.map(optionSchema);
  return withPropertyFields(p, out);
}

function typeSchema(t: NodeTypeDef): JsonObject {
  const props: Json[] = t.properties.map(propertySchema);
  return withExtras(t.extras, {
    id: t.id,
    uuid: t.uuid,
    name: t.label,
    label: t.label,
    allowed_children: [...t.allowed_children],
    features: [...t.features],
    icon: t.icon,
    properties: props,
  });
}

/**
 * The answer of `GET /templates/{id}/schema` (PRODUCT.md section 5): every node type and property with
 * its id and uuid, `name` being the label, options as `{ id, uuid, name, indicator_id }`, and the fields
 * beyond the known ones as written. Deterministic and JSON-safe.
 */
export function templateSchema(t: Template): JsonObject {
  return {
    template_id: t.id,
    name: t.name,
    description: t.description,
    version: t.version,
    root_type_id: t.root_type_id,
    node_types: t.node_types.map(typeSchema),
  };
}
