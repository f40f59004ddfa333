import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { accounts, type CreatedToken, type TokenSummary } from '../api/accounts.js';
import { AppHeader } from '../layout/app-header.js';
import { useTitle } from '../router.js';
import { useSession } from '../session/session.js';
import { useConfirm } from '../ui/confirm.js';
import { useReportError } from '../ui/report-error.js';
import { formatDateTime, timeAgo } from '../ui/time.js';
import { useToasts } from '../ui/toasts.js';

/** Personal API tokens: create (shown once), list, revoke. */
export function TokensPage() {
  useTitle('API tokens');
  const session = useSession();
  const report = useReportError();
  const { show } = useToasts();
  const [tokens, setTokens] = useState<TokenSummary[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [confirmDialog, confirm] = useConfirm();

  const load = useCallback(() => {
    if (session.mode !== 'accounts') return;
    accounts.listTokens().then(setTokens, (err) => report(err, 'Could not list the tokens'));
  }, [report, session.mode]);
  useEffect(load, [load]);

  if (session.mode !== 'accounts') {
    return (
      <>
        <AppHeader />
        <main className="page">
          <h1>API tokens</h1>
          <p>Authentication is off on this server (local mode): there are no accounts and no tokens.</p>
        </main>
      </>
    );
  }

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    try {
      setCreated(await accounts.createToken(n));
      setName('');
      load();
    } catch (err) {
      report(err, 'Could not create the token');
    }
  };

  const revoke = async (t: TokenSummary) => {
    const ok = await confirm({
      title: 'Revoke this token?',
      message: `Programs using “${t.name}” lose access at once, and their connections are closed.`,
      confirmLabel: 'Revoke',
      danger: true,
    });
    if (!ok) return;
    try {
      await accounts.revokeToken(t.id);
      show(`Token “${t.name}” revoked`, 'success');
      if (created?.id === t.id) setCreated(null);
      load();
    } catch (err) {
      report(err, 'Could not revoke the token');
    }
  };

  return (
    <>
      <AppHeader />
      <main className="page page--narrow">
        <h1>API tokens</h1>
        <p className="muted">
          A token lets a script or the <code>@talus/client</code> SDK act as you (
          <code>Authorization: Bearer …</code>). Keep it secret; revoke it when it is no longer needed.
        </p>
        <form className="inline-form" onSubmit={create}>
          <label className="field field--grow">
            <span className="field__label">New token’s name</span>
            <input
              value={name}
              maxLength={100}
              placeholder="e.g. nightly export"
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <button type="submit" className="button button--primary" disabled={!name.trim()}>
            Create token
          </button>
        </form>
        {created ? (
          <div className="token-once" role="status">
            <p>
              <strong>Copy the token “{created.name}” now:</strong> it is shown only this once.
            </p>
            <code className="token-once__value" data-testid="new-token">
              {created.token}
            </code>
            <button
              type="button"
              className="button"
              onClick={() =>
                navigator.clipboard?.writeText(created.token).then(
                  () => show('Copied', 'success'),
                  () => show('Copy it by hand: the clipboard is not available', 'info'),
                )
              }
            >
              Copy
            </button>
          </div>
        ) : null}
        <table className="table">
          <caption className="visually-hidden">Your API tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens === null ? (
              <tr>
                <td colSpan={4}>Loading…</td>
              </tr>
            ) : tokens.length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  No tokens yet.
                </td>
              </tr>
            ) : (
              tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td title={formatDateTime(t.created_at)}>{timeAgo(t.created_at)}</td>
                  <td>{t.last_used_at ? timeAgo(t.last_used_at) : 'never'}</td>
                  <td className="table__actions">
                    <button
                      type="button"
                      className="button button--small button--danger"
                      onClick={() => void revoke(t)}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </main>
      {confirmDialog}
    </>
  );
}
