export type {
  Actor,
  Json,
  JsonObject,
  NodeMetadata,
  NodeRecord,
  TreeGraph,
  TreeNode,
} from '@talus/protocol';

import type { Actor } from '@talus/protocol';

/** Context of one command: explicit, never ambient. */
export interface CommandContext {
  actor: Actor;
  /** ISO 8601 UTC with milliseconds. */
  now: string;
  command_id: string;
}
