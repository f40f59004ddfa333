export { isUuid, NAMESPACE_DNS, nodeIdFromFile, stableId, uuidv5 } from './ids.js';
export { loadTemplate } from './load.js';
export { featureMacro, MACRO_FEATURES } from './macros.js';
export type {
  KnownPropertyType,
  NodeTypeDef,
  PropertyDef,
  SelectOption,
  Template,
  TemplateLoad,
  TemplateProblem,
} from './model.js';
export { KNOWN_PROPERTY_TYPES } from './model.js';
export type { TemplateEntry, TemplateOrigin, TemplateSummary } from './registry.js';
export { builtinTemplatesDir, isValidTemplateId, TEMPLATE_ID_PATTERN, TemplateRegistry } from './registry.js';
export { templateSchema, templateToSource } from './source.js';
