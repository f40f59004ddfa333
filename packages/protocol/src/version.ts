/**
 * The wire protocol's version. Bump it with every change to a schema in this package and add a line here.
 * - 1: REST v1 and Socket.IO `/graph` as in PRODUCT.md (commands, undo/redo scopes, batched revisions).
 */
export const PROTOCOL_VERSION = 1;
