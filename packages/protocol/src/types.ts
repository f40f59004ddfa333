/**
 * The wire's data types, shared by the server, the core, the client SDK and the web UI.
 */

/** A JSON value as it travels on the wire and sits in property values. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Who runs a command: the signed-in user, an API token's user, or the declared local name. */
export interface Actor {
  id: string;
  name: string;
}

/** Facts about a node that was imported from a file whose template no longer fits it. */
export interface NodeMetadata {
  orphaned?: boolean;
  orphaned_type?: string;
  orphaned_properties?: JsonObject;
  [key: string]: Json | undefined;
}

/**
 * A node in id form: `children` holds ids in order. This is the shape of events, exports and history;
 * the tree form used in graph answers replaces `children` by the child nodes themselves.
 */
export interface NodeRecord {
  id: string;
  blueprint_type_id: string;
  name: string;
  properties: JsonObject;
  parent_id: string | null;
  children: string[];
  metadata: NodeMetadata;
  created_at: string;
  updated_at: string;
}

/** A node in tree form. */
export interface TreeNode extends Omit<NodeRecord, 'children'> {
  children: TreeNode[];
}

export interface TreeGraph {
  revision: number;
  roots: TreeNode[];
}
