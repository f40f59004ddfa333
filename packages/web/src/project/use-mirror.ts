import type { MirrorState, PresenceClient, ProjectMirror } from '@talus/client';
import { useMemo, useSyncExternalStore } from 'react';

/**
 * A number that changes whenever the mirror shows another graph (each applied revision, each resync):
 * components that read the mirror re-render on it.
 */
export function useGraphVersion(mirror: ProjectMirror): number {
  const store = useMemo(() => {
    let version = 0;
    return {
      subscribe(fn: () => void) {
        const bump = () => {
          version++;
          fn();
        };
        const a = mirror.on('change', bump);
        const b = mirror.on('resync', bump);
        return () => {
          a();
          b();
        };
      },
      get: () => version,
    };
  }, [mirror]);
  return useSyncExternalStore(store.subscribe, store.get);
}

/** The mirror's connection state: connecting, live, reconnecting, offline. */
export function useMirrorState(mirror: ProjectMirror): MirrorState {
  return useSyncExternalStore(
    (fn) => mirror.on('state', fn),
    () => mirror.state,
  );
}

/** Everyone in the project's session (this browser included), with what each has selected. */
export function usePresence(mirror: ProjectMirror): readonly PresenceClient[] {
  return useSyncExternalStore(
    (fn) => mirror.on('presence', fn),
    () => mirror.presence,
  );
}
