/** Listener signatures by event name. */
export type EventMap = Record<string, (...args: never[]) => void>;

/**
 * A small typed event emitter that works the same in Node and browsers. A listener that throws does not
 * stop the others nor the caller: its error is reported asynchronously, as `EventTarget` does.
 */
export class Emitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  /** Add a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, fn: E[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn);
    return () => this.off(event, fn);
  }

  off<K extends keyof E>(event: K, fn: E[K]): void {
    this.listeners.get(event)?.delete(fn);
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        reportAsync(err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** Rethrow outside the caller's stack, so one listener's bug cannot corrupt the mirror's bookkeeping. */
export function reportAsync(err: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof report === 'function') report(err);
  else
    setTimeout(() => {
      throw err;
    }, 0);
}
