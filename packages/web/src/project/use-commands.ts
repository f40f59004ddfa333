import {
  type CommandDataMap,
  type CommandType,
  type ExecuteAnswer,
  isTalusError,
  newCommandId,
  type ProjectMirror,
  type UndoScope,
} from '@talus/client';
import { useCallback, useMemo, useRef, useState } from 'react';
import { useReportError } from '../ui/report-error.js';
import { useToasts } from '../ui/toasts.js';

const SCOPE_KEY = 'talus.undoScope';

export interface Commands {
  /** Why this user may not change the project (a viewer), or null when they may. */
  readOnly: string | null;
  /** Whether a revision came from this browser (its command ids): others' changes are highlighted. */
  isMine(commandId: string): boolean;
  /** Run a command; a refusal is shown as a toast with the server's message and resolves null. */
  run<K extends CommandType>(type: K, data: CommandDataMap[K], doing: string): Promise<ExecuteAnswer | null>;
  undo(): Promise<void>;
  redo(): Promise<void>;
  /** Commands, undos and redos sent and not yet answered (queued while the connection is down). */
  pending: number;
  /** `mine` (default): undo my own last change; `session`: the last change of anyone. */
  scope: UndoScope;
  setScope(scope: UndoScope): void;
}

function storedScope(): UndoScope {
  try {
    return window.localStorage.getItem(SCOPE_KEY) === 'session' ? 'session' : 'mine';
  } catch {
    return 'mine';
  }
}

/** Commands, undo and redo through the mirror, with their ids remembered and their refusals reported. */
export function useCommands(mirror: ProjectMirror, readOnly: string | null): Commands {
  const report = useReportError();
  const { show } = useToasts();
  const mine = useRef(new Set<string>());
  const [scope, setScopeState] = useState<UndoScope>(storedScope);
  const [pending, setPending] = useState(0);

  /** Count a call while it waits for its answer. */
  const counted = useCallback(async <T>(call: () => Promise<T>): Promise<T> => {
    setPending((n) => n + 1);
    try {
      return await call();
    } finally {
      setPending((n) => n - 1);
    }
  }, []);

  const track = useCallback(() => {
    const id = newCommandId();
    mine.current.add(id);
    return id;
  }, []);

  const run = useCallback(
    async <K extends CommandType>(type: K, data: CommandDataMap[K], doing: string) => {
      if (readOnly) {
        show(readOnly, 'info');
        return null;
      }
      try {
        return await counted(() => mirror.execute(type, data, { command_id: track() }));
      } catch (err) {
        report(err, doing);
        return null;
      }
    },
    [mirror, readOnly, report, show, track, counted],
  );

  const step = useCallback(
    async (which: 'undo' | 'redo') => {
      if (readOnly) return show(readOnly, 'info');
      try {
        await counted<unknown>(() => mirror[which]({ scope, command_id: track() }));
      } catch (err) {
        if (isTalusError(err) && (err.code === 'NOTHING_TO_UNDO' || err.code === 'NOTHING_TO_REDO')) {
          const whose = scope === 'mine' ? 'of yours ' : '';
          show(`Nothing ${whose}to ${which}`, 'info');
        } else report(err, which === 'undo' ? 'Could not undo' : 'Could not redo');
      }
    },
    [mirror, readOnly, report, scope, show, track, counted],
  );

  const setScope = useCallback((s: UndoScope) => {
    setScopeState(s);
    try {
      window.localStorage.setItem(SCOPE_KEY, s);
    } catch {
      // not remembered: fine
    }
  }, []);

  // stable: listeners keep it across re-renders
  const isMine = useCallback((id: string) => mine.current.has(id), []);

  return useMemo(
    () => ({
      readOnly,
      isMine,
      run,
      undo: () => step('undo'),
      redo: () => step('redo'),
      pending,
      scope,
      setScope,
    }),
    [readOnly, isMine, run, step, pending, scope, setScope],
  );
}
