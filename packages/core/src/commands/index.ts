import type { Command, SimpleCommand } from '@talus/protocol';
import { assertNever } from '../graph/changes.js';
import { createNode } from './create-node.js';
import { deleteNode } from './delete-node.js';
import type { Mutation } from './mutation.js';
import { linkNode, moveNode, unlinkNode } from './place-node.js';
import { deleteProperty, updateProperty } from './update-property.js';

export { Mutation } from './mutation.js';
export { parseCommand } from './parse.js';

function runSimple(m: Mutation, c: SimpleCommand): void {
  switch (c.command_type) {
    case 'CreateNode':
      createNode(m, c.data);
      return;
    case 'DeleteNode':
      deleteNode(m, c.data);
      return;
    case 'UpdateProperty':
      updateProperty(m, c.data);
      return;
    case 'DeleteProperty':
      deleteProperty(m, c.data);
      return;
    case 'LinkNode':
      linkNode(m, c.data);
      return;
    case 'UnlinkNode':
      unlinkNode(m, c.data);
      return;
    case 'MoveNode':
      moveNode(m, c.data);
      return;
    default:
      assertNever(c);
  }
}

/** Apply a parsed command through `m`; a Batch runs its commands in order (the caller rolls back on error). */
export function runCommand(m: Mutation, c: Command): void {
  if (c.command_type === 'Batch') {
    c.data.commands.forEach((sub, i) => {
      try {
        runSimple(m, sub);
      } catch (e) {
        if (e instanceof Error) e.message = `commands[${i}]: ${e.message}`;
        throw e;
      }
    });
    return;
  }
  runSimple(m, c);
}
