import type { Actor } from '@talus/core';

export const LOCAL_ACTOR: Actor = { id: 'local', name: 'Local user' };

/**
 * With authentication off, the name a client declares (socket `auth.name`, REST `X-Talus-User`) is both the
 * actor's id and name, so two clients declaring one name are one actor; without one it is the local user.
 */
export function declaredActor(name: unknown): Actor {
  if (typeof name !== 'string') return LOCAL_ACTOR;
  const trimmed = name.trim().slice(0, 100);
  return trimmed.length > 0 ? { id: trimmed, name: trimmed } : LOCAL_ACTOR;
}
