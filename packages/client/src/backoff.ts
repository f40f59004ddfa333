/** Reconnection timing: exponential backoff with jitter, never more than 5 s between tries. */
export interface BackoffOptions {
  /** The delay before the first retry, before jitter (default 200 ms). */
  initialDelayMs?: number;
  /** The cap between tries (default and maximum 5,000 ms). */
  maxDelayMs?: number;
}

export const MAX_RETRY_DELAY_MS = 5_000;

/**
 * The delay before retry number `attempt` (0 for the first): `min(cap, initial · 2^attempt)`, of which a
 * random half is kept ("equal jitter"), so that many clients cut at once do not retry in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = Math.max(1, options.initialDelayMs ?? 200);
  const cap = Math.min(MAX_RETRY_DELAY_MS, Math.max(initial, options.maxDelayMs ?? MAX_RETRY_DELAY_MS));
  const ceiling = Math.min(cap, initial * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
