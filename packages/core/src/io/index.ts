export { checkForest, type Forest, type ForestNode } from './forest.js';
export { exportEntry, readHistory } from './history-file.js';
export {
  type ImportedProject,
  type ImportOriginalOptions,
  importOriginalFile,
  isOriginalProjectFile,
  originalTemplateId,
} from './original.js';
export {
  type ExportOptions,
  exportProject,
  type ParsedTalusFile,
  parseTalusFile,
  TALUS_FORMAT,
  type TalusExportFile,
} from './talus-format.js';
