import { useCallback, useEffect, useRef, useState } from 'react';

const key = (projectId: string) => `talus.tree.${projectId}`;

function load(projectId: string): Set<string> | null {
  try {
    const raw = window.localStorage.getItem(key(projectId));
    if (!raw) return null;
    const ids = JSON.parse(raw) as unknown;
    return Array.isArray(ids) ? new Set(ids.filter((x): x is string => typeof x === 'string')) : null;
  } catch {
    return null;
  }
}

export interface Expanded {
  /** The expanded node ids (a new set after every change). */
  ids: ReadonlySet<string>;
  toggle(id: string): void;
  set(id: string, open: boolean): void;
  /** Expand all of these (to reveal a node). */
  open(ids: Iterable<string>): void;
  replace(ids: Iterable<string>): void;
}

/**
 * Which nodes of a project's tree are expanded, remembered in localStorage per project (a project opened
 * for the first time shows its roots expanded).
 */
export function useExpanded(projectId: string, defaultIds: () => string[]): Expanded {
  const [ids, setIds] = useState<ReadonlySet<string>>(() => load(projectId) ?? new Set(defaultIds()));
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const t = window.setTimeout(() => {
      try {
        window.localStorage.setItem(key(projectId), JSON.stringify([...ids]));
      } catch {
        // storage full or refused: the state lasts until the page is closed
      }
    }, 150);
    return () => window.clearTimeout(t);
  }, [ids, projectId]);

  const toggle = useCallback(
    (id: string) =>
      setIds((prev) => {
        const next = new Set(prev);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    [],
  );
  const set = useCallback(
    (id: string, open: boolean) =>
      setIds((prev) => {
        if (prev.has(id) === open) return prev;
        const next = new Set(prev);
        if (open) next.add(id);
        else next.delete(id);
        return next;
      }),
    [],
  );
  const open = useCallback(
    (more: Iterable<string>) =>
      setIds((prev) => {
        const add = [...more].filter((id) => !prev.has(id));
        return add.length === 0 ? prev : new Set([...prev, ...add]);
      }),
    [],
  );
  const replace = useCallback((all: Iterable<string>) => setIds(new Set(all)), []);
  return { ids, toggle, set, open, replace };
}
