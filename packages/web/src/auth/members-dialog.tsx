import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { accounts, type Member, type Role } from '../api/accounts.js';
import { Dialog } from '../ui/dialog.js';
import { useReportError } from '../ui/report-error.js';
import { useToasts } from '../ui/toasts.js';

const ROLES: Array<{ role: Role; what: string }> = [
  { role: 'owner', what: 'manages members' },
  { role: 'editor', what: 'makes changes' },
  { role: 'viewer', what: 'read only' },
];

export interface MembersDialogProps {
  projectId: string;
  /** Owners (and administrators) add, change and remove members; others only see the list. */
  canManage: boolean;
  onClose(): void;
  /** After a change (the caller may have changed their own role). */
  onChanged?: () => void;
}

/** The project's members and their roles. */
export function MembersDialog({ projectId, canManage, onClose, onChanged }: MembersDialogProps) {
  const report = useReportError();
  const { show } = useToasts();
  const [members, setMembers] = useState<Member[] | null>(null);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('editor');

  const load = useCallback(() => {
    accounts.members(projectId).then(setMembers, (err) => report(err, 'Could not list the members'));
  }, [projectId, report]);
  useEffect(load, [load]);

  const change = async (who: string, next: Role) => {
    try {
      await accounts.setMember(projectId, who, next);
      show(`${who} is now ${next === 'owner' ? 'an' : 'a'} ${next}`, 'success');
      load();
      onChanged?.();
    } catch (err) {
      report(err, `Could not change ${who}'s role`);
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const who = username.trim();
    if (!who) return;
    await change(who, role);
    setUsername('');
  };

  const remove = async (who: string) => {
    try {
      await accounts.removeMember(projectId, who);
      show(`${who} removed from the project`, 'success');
      load();
      onChanged?.();
    } catch (err) {
      report(err, `Could not remove ${who}`);
    }
  };

  return (
    <Dialog title="Members" onClose={onClose} wide>
      <ul className="members">
        {members === null ? <li>Loading…</li> : null}
        {members?.map((m) => (
          <li key={m.username} className="members__row">
            <span className="members__who">
              <strong>{m.name || m.username}</strong> <span className="muted">@{m.username}</span>
            </span>
            <label className="visually-hidden" htmlFor={`role-${m.username}`}>
              Role of {m.username}
            </label>
            <select
              id={`role-${m.username}`}
              value={m.role}
              disabled={!canManage}
              onChange={(e) => void change(m.username, e.target.value as Role)}
            >
              {ROLES.map((r) => (
                <option key={r.role} value={r.role}>
                  {r.role}
                </option>
              ))}
            </select>
            {canManage ? (
              <button
                type="button"
                className="button button--small button--danger"
                aria-label={`Remove ${m.username}`}
                onClick={() => void remove(m.username)}
              >
                Remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canManage ? (
        <form className="inline-form" onSubmit={add} aria-label="Add a member">
          <div className="field field--grow">
            <label className="field__label" htmlFor="member-username">
              Username
            </label>
            <input
              id="member-username"
              name="member-username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </div>
          <div className="field">
            <label className="field__label" htmlFor="member-role">
              Role
            </label>
            <select
              id="member-role"
              name="member-role"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
            >
              {ROLES.map((r) => (
                <option key={r.role} value={r.role}>
                  {r.role} — {r.what}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button button--primary" disabled={!username.trim()}>
            Add
          </button>
        </form>
      ) : (
        <p className="muted">Only the project’s owners change its members.</p>
      )}
    </Dialog>
  );
}
