import { type FormEvent, useState } from 'react';
import { accounts, messageOf, type User } from '../api/accounts.js';
import { useTitle } from '../router.js';

/** The server's rules (PRODUCT.md section 9), checked here first so that a refusal is explained at once. */
const USERNAME = /^[a-z0-9_.-]{3,32}$/;
const PASSWORD_MIN = 10;

export interface FirstAccountPageProps {
  /** `first`: no account exists, this one becomes the administrator; `open`: anyone may sign up. */
  variant: 'first' | 'open';
  onSignedIn(user: User): void;
  onCancel?: () => void;
}

type Problems = Partial<Record<'username' | 'password' | 'confirm', string>>;

function check(username: string, password: string, confirm: string): Problems {
  const p: Problems = {};
  if (!USERNAME.test(username)) p.username = '3–32 characters: lower-case letters, digits, _ . -';
  if (password.length < PASSWORD_MIN) p.password = `At least ${PASSWORD_MIN} characters`;
  if (confirm !== password) p.confirm = 'The two passwords differ';
  return p;
}

/** Create an account (the first one: the administrator), then sign in with it. */
export function FirstAccountPage({ variant, onSignedIn, onCancel }: FirstAccountPageProps) {
  useTitle(variant === 'first' ? 'Welcome' : 'Create an account');
  const [username, setUsername] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [shown, setShown] = useState<Problems>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problems = check(username, password, confirm);
    setShown(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      await accounts.signup({ username, password, ...(name.trim() ? { name: name.trim() } : {}) });
      onSignedIn(await accounts.login(username, password));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  const fieldError = (key: keyof Problems) =>
    shown[key] ? (
      <span className="field__error" id={`signup-${key}-error`}>
        {shown[key]}
      </span>
    ) : null;

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} noValidate aria-labelledby="signup-title">
        <p className="brand brand--large">Talus Tally</p>
        <h1 id="signup-title">{variant === 'first' ? 'Create the first account' : 'Create an account'}</h1>
        {variant === 'first' ? (
          <p className="notice">
            No account exists on this server yet. The first account is its administrator: it can create
            accounts for the others and sees every project.
          </p>
        ) : null}
        <div className="field">
          <label className="field__label" htmlFor="signup-username">
            Username
          </label>
          <input
            id="signup-username"
            name="username"
            autoComplete="username"
            value={username}
            aria-invalid={shown.username ? true : undefined}
            aria-describedby={shown.username ? 'signup-username-error' : undefined}
            onChange={(e) => setUsername(e.target.value.toLowerCase())}
          />
          {fieldError('username')}
        </div>
        <label className="field">
          <span className="field__label">Your name (shown to others)</span>
          <input
            name="name"
            autoComplete="name"
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <div className="field">
          <label className="field__label" htmlFor="signup-password">
            Password
          </label>
          <input
            id="signup-password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            aria-invalid={shown.password ? true : undefined}
            aria-describedby={shown.password ? 'signup-password-error' : undefined}
            onChange={(e) => setPassword(e.target.value)}
          />
          {fieldError('password')}
        </div>
        <div className="field">
          <label className="field__label" htmlFor="signup-confirm">
            Password again
          </label>
          <input
            id="signup-confirm"
            name="confirm"
            type="password"
            autoComplete="new-password"
            value={confirm}
            aria-invalid={shown.confirm ? true : undefined}
            aria-describedby={shown.confirm ? 'signup-confirm-error' : undefined}
            onChange={(e) => setConfirm(e.target.value)}
          />
          {fieldError('confirm')}
        </div>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button--primary button--wide" disabled={busy}>
          {busy ? 'Creating…' : 'Create account and sign in'}
        </button>
        {onCancel ? (
          <p className="auth-card__alt">
            <button type="button" className="link-button" onClick={onCancel}>
              Back to sign in
            </button>
          </p>
        ) : null}
      </form>
    </main>
  );
}
