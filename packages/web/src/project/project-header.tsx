import type { MirrorState, PresenceClient, ProjectMirror } from '@talus/client';
import { useState } from 'react';
import type { Role } from '../api/accounts.js';
import { MembersDialog } from '../auth/members-dialog.js';
import { AppHeader } from '../layout/app-header.js';
import { linkProps } from '../router.js';
import { useSession } from '../session/session.js';
import { Icon } from '../ui/icons.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { PresenceBar } from './presence-bar.js';
import { UndoControls } from './undo-controls.js';
import type { Commands } from './use-commands.js';

export interface ProjectHeaderProps {
  projectId: string;
  mirror: ProjectMirror;
  state: MirrorState;
  /** The other people here. */
  others: readonly PresenceClient[];
  commands: Commands;
  role: Role;
  reloadRole(): void;
  showHistory: boolean;
  onToggleHistory(): void;
}

/** The project's bar: where you are, the connection, who is here, undo/redo, members, history. */
export function ProjectHeader(props: ProjectHeaderProps) {
  const { projectId, mirror, state, others, commands, role } = props;
  const session = useSession();
  const [members, setMembers] = useState(false);
  return (
    <AppHeader>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a {...linkProps('/')}>Projects</a>
        <span aria-hidden="true">/</span>
        <h1 className="breadcrumb__current">{mirror.name}</h1>
        {session.mode === 'accounts' ? (
          <span className={`role-badge role-badge--${role}`}>{role}</span>
        ) : null}
      </nav>
      <ConnectionIndicator state={state} pending={commands.pending} />
      <PresenceBar others={others} mirror={mirror} stale={state !== 'live'} />
      <UndoControls commands={commands} />
      {session.mode === 'accounts' ? (
        <button
          type="button"
          className="button button--ghost"
          aria-label="Members"
          title="Members"
          onClick={() => setMembers(true)}
        >
          <Icon name="people" size={16} /> <span className="wide-only">Members</span>
        </button>
      ) : null}
      <button
        type="button"
        className="button button--ghost"
        aria-pressed={props.showHistory}
        aria-label="History"
        title="History"
        onClick={props.onToggleHistory}
      >
        <Icon name="history" size={16} /> <span className="wide-only">History</span>
      </button>
      {members ? (
        <MembersDialog
          projectId={projectId}
          canManage={role === 'owner'}
          onClose={() => setMembers(false)}
          onChanged={props.reloadRole}
        />
      ) : null}
    </AppHeader>
  );
}
