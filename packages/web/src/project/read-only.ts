import type { MirrorState } from '@talus/client';
import type { Role } from '../api/accounts.js';

/** Why the user may not change the project now, or null when they may. */
export function readOnlyReason(role: Role, state: MirrorState): string | null {
  if (role === 'viewer') {
    return 'You are a viewer of this project: you can follow along, but not change it. An owner can make you an editor.';
  }
  if (state === 'offline') return 'This project is offline: reload the page to reconnect.';
  return null;
}
