import { createClient, type TalusClient } from '@talus/client';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import type { User } from '../api/accounts.js';

const NAME_KEY = 'talus.name';

/**
 * Who uses the UI. `local`: authentication is off (the local single-user mode); the user may declare a
 * name, which becomes their actor in history and presence. `accounts`: a signed-in user.
 */
export type Session =
  | { mode: 'local'; client: TalusClient; name: string | null; setName(name: string | null): void }
  | { mode: 'accounts'; client: TalusClient; user: User; signOut(): Promise<void>; expired(): void };

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a SessionProvider');
  return s;
}

/** The name shown for the current user. */
export function displayName(s: Session): string {
  return s.mode === 'accounts' ? s.user.name || s.user.username : (s.name ?? 'Local user');
}

function storedName(): string | null {
  try {
    const n = window.localStorage.getItem(NAME_KEY)?.trim();
    return n ? n : null;
  } catch {
    return null;
  }
}

/** The local mode: a client that declares the stored name (if any). */
export function LocalSession({ children }: { children: ReactNode }) {
  const [name, setNameState] = useState<string | null>(storedName);
  const client = useMemo(
    () => createClient({ url: window.location.origin, ...(name ? { name } : {}) }),
    [name],
  );
  useEffect(() => () => client.close(), [client]);
  const value = useMemo<Session>(
    () => ({
      mode: 'local',
      client,
      name,
      setName(next) {
        const clean = next?.trim() || null;
        try {
          if (clean) window.localStorage.setItem(NAME_KEY, clean);
          else window.localStorage.removeItem(NAME_KEY);
        } catch {
          // storage refused (private mode): the name lasts until the page is closed
        }
        setNameState(clean);
      },
    }),
    [client, name],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** A signed-in user: REST and sockets carry the HTTP-only session cookie. */
export function AccountSession(props: {
  user: User;
  signOut(): Promise<void>;
  expired(): void;
  children: ReactNode;
}) {
  const { user, signOut, expired, children } = props;
  const client = useMemo(() => createClient({ url: window.location.origin }), []);
  useEffect(() => () => client.close(), [client]);
  const value = useMemo<Session>(
    () => ({ mode: 'accounts', client, user, signOut, expired }),
    [client, user, signOut, expired],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session, or null outside one (the sign-in pages). */
export function useOptionalSession(): Session | null {
  return useContext(SessionContext);
}
