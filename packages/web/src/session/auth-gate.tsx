import { isTalusError } from '@talus/client';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { accounts, messageOf, type User } from '../api/accounts.js';
import { FirstAccountPage } from '../auth/first-account-page.js';
import { SignInPage } from '../auth/sign-in-page.js';
import { AccountSession, LocalSession } from './session.js';

type Gate =
  | { kind: 'loading' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'local' }
  | { kind: 'first-account' }
  | { kind: 'sign-in'; signupOpen: boolean; notice?: string }
  | { kind: 'sign-up' }
  | { kind: 'signed-in'; user: User };

/**
 * What comes before the app: the local mode opens straight away; with accounts, the first-account page
 * while no account exists, else the sign-in page until the user is signed in.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const [gate, setGate] = useState<Gate>({ kind: 'loading' });
  const [signupOpen, setSignupOpen] = useState(false);

  const check = useCallback(async (notice?: string) => {
    try {
      const status = await accounts.status();
      if (!status.auth) return setGate({ kind: 'local' });
      const open = status.signup === 'open';
      setSignupOpen(open);
      if (status.first_account) return setGate({ kind: 'first-account' });
      try {
        setGate({ kind: 'signed-in', user: await accounts.me() });
      } catch (err) {
        if (isTalusError(err) && err.status === 401) {
          setGate({ kind: 'sign-in', signupOpen: open, ...(notice ? { notice } : {}) });
        } else throw err;
      }
    } catch (err) {
      setGate({ kind: 'unreachable', message: messageOf(err) });
    }
  }, []);

  useEffect(() => {
    void check();
  }, [check]);

  const signOut = useCallback(async () => {
    try {
      await accounts.logout();
    } finally {
      setGate({ kind: 'sign-in', signupOpen, notice: 'You are signed out.' });
    }
  }, [signupOpen]);
  const expired = useCallback(() => {
    setGate({ kind: 'sign-in', signupOpen, notice: 'Your session has ended: sign in again.' });
  }, [signupOpen]);
  const signedIn = useCallback((user: User) => setGate({ kind: 'signed-in', user }), []);

  switch (gate.kind) {
    case 'loading':
      return <p className="page-status">Loading…</p>;
    case 'unreachable':
      return (
        <main className="auth-page">
          <div className="auth-card" role="alert">
            <h1>The server cannot be reached</h1>
            <p>{gate.message}</p>
            <button type="button" className="button button--primary" onClick={() => void check()}>
              Try again
            </button>
          </div>
        </main>
      );
    case 'local':
      return <LocalSession>{children}</LocalSession>;
    case 'first-account':
      return <FirstAccountPage variant="first" onSignedIn={signedIn} />;
    case 'sign-up':
      return (
        <FirstAccountPage
          variant="open"
          onSignedIn={signedIn}
          onCancel={() => setGate({ kind: 'sign-in', signupOpen })}
        />
      );
    case 'sign-in':
      return (
        <SignInPage
          {...(gate.notice ? { notice: gate.notice } : {})}
          onSignedIn={signedIn}
          {...(gate.signupOpen ? { onSignUp: () => setGate({ kind: 'sign-up' }) } : {})}
        />
      );
    case 'signed-in':
      return (
        <AccountSession key={gate.user.id} user={gate.user} signOut={signOut} expired={expired}>
          {children}
        </AccountSession>
      );
  }
}
