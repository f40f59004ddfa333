import { type FormEvent, useState } from 'react';
import { accounts, messageOf, type User } from '../api/accounts.js';
import { useTitle } from '../router.js';

export interface SignInPageProps {
  onSignedIn(user: User): void;
  /** Offered when anyone may sign up (TALUS_SIGNUP=open). */
  onSignUp?: () => void;
  notice?: string;
}

/** Username and password; the server sets an HTTP-only session cookie. */
export function SignInPage({ onSignedIn, onSignUp, notice }: SignInPageProps) {
  useTitle('Sign in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await accounts.login(username.trim(), password));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <p className="brand brand--large">Talus Tally</p>
        <h1 id="sign-in-title">Sign in</h1>
        {notice ? <p className="notice">{notice}</p> : null}
        <label className="field">
          <span className="field__label">Username</span>
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field__label">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button--primary button--wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {onSignUp ? (
          <p className="auth-card__alt">
            No account yet?{' '}
            <button type="button" className="link-button" onClick={onSignUp}>
              Create one
            </button>
          </p>
        ) : (
          <p className="auth-card__alt">No account? An administrator of this server creates one for you.</p>
        )}
      </form>
    </main>
  );
}
