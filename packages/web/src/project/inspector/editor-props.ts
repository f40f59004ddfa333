import type { Json, SchemaProperty } from '@talus/client';

/** What every property editor of the inspector gets. */
export interface EditorProps {
  /** The id of the editor's input (its label points at it). */
  inputId: string;
  property: SchemaProperty;
  value: Json | undefined;
  disabled: boolean;
  /** The input holds a value that cannot be sent (its error is shown). */
  invalid: boolean;
  /** The ids of the help and error texts. */
  describedBy: string | undefined;
  /** Send a new value (null clears it). Only called with a valid value. Resolves false if refused. */
  commit(value: Json | null): Promise<boolean>;
  /** Say what is wrong with the input (null: nothing); it is shown next to the field. */
  setError(message: string | null): void;
  /** The user started (true) or stopped (false) editing this property: presence tells the others. */
  editing(on: boolean): void;
}

/** Whether two JSON values are the same. */
export function sameValue(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === null || b === null;
  return JSON.stringify(a) === JSON.stringify(b);
}
