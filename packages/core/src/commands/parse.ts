import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { BatchData, type Command, SIMPLE_COMMAND_SCHEMAS, type SimpleCommand } from '@talus/protocol';
import { invalid } from './mutation.js';

const checkers = new Map<string, TypeCheck<TSchema>>(
  Object.entries(SIMPLE_COMMAND_SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s)]),
);
const batchChecker = TypeCompiler.Compile(BatchData);

function check(checker: TypeCheck<TSchema>, data: unknown, what: string): void {
  if (checker.Check(data)) return;
  const first = checker.Errors(data).First();
  const where = first?.path ? ` at ${first.path}` : '';
  throw invalid(`${what}: invalid data${where}: ${first?.message ?? 'does not match'}`);
}

function parseSimple(commandType: unknown, data: unknown): SimpleCommand {
  if (typeof commandType !== 'string') throw invalid('command_type must be a string');
  const checker = checkers.get(commandType);
  if (!checker) {
    if (commandType === 'Batch') throw invalid('a Batch cannot contain a Batch');
    throw invalid(`unknown command_type "${commandType.slice(0, 100)}"`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw invalid('data must be an object');
  check(checker, data, commandType);
  return { command_type: commandType, data } as SimpleCommand;
}

/** Validate `command_type` and `data` against the protocol schemas (INVALID_COMMAND on any refusal). */
export function parseCommand(commandType: unknown, data: unknown): Command {
  if (commandType !== 'Batch') return parseSimple(commandType, data);
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw invalid('data must be an object');
  check(batchChecker, data, 'Batch');
  const { commands } = data as { commands: Array<{ command_type: string; data: unknown }> };
  return {
    command_type: 'Batch',
    data: { commands: commands.map((c, i) => withIndex(i, () => parseSimple(c.command_type, c.data))) },
  };
}

function withIndex<T>(i: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error) e.message = `commands[${i}]: ${e.message}`;
    throw e;
  }
}
