import type { TSchema } from '@sinclair/typebox';
import { ErrorBody } from '@talus/protocol';

/** Response schemas of a route: its answer, and the error envelope for every refusal. */
export const answers = <T extends TSchema>(schema: T, status = 200) => ({
  [status]: schema,
  '4xx': ErrorBody,
  '5xx': ErrorBody,
});
