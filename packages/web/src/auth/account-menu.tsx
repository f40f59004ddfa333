import { useState } from 'react';
import { navigate } from '../router.js';
import { displayName, useSession } from '../session/session.js';
import { Avatar } from '../ui/avatar.js';
import { MenuButton } from '../ui/menu.js';
import { NameDialog } from './name-dialog.js';

/**
 * The account menu at the top right: with accounts, the user with their API tokens and sign-out; in the
 * local mode, the name this browser declares (it is who history and presence show).
 */
export function AccountMenu() {
  const session = useSession();
  const [naming, setNaming] = useState(false);
  const name = displayName(session);

  if (session.mode === 'local') {
    return (
      <>
        <span
          className="mode-badge"
          title="Authentication is off (TALUS_AUTH=off): the local single-user mode"
        >
          Local mode
        </span>
        <MenuButton
          className="account-button"
          label={`You: ${name}. Account menu`}
          align="end"
          testId="account-menu"
          items={[
            {
              key: 'name',
              label: 'Change your name…',
              hint: 'Shown in history and to others here',
              onSelect: () => setNaming(true),
            },
          ]}
        >
          <Avatar name={name} color="#334155" size={28} />
          <span className="account-button__name">{name}</span>
        </MenuButton>
        {naming ? (
          <NameDialog
            current={session.name ?? ''}
            onClose={() => setNaming(false)}
            onSave={(n) => {
              session.setName(n);
              setNaming(false);
            }}
          />
        ) : null}
      </>
    );
  }

  return (
    <MenuButton
      className="account-button"
      label={`Signed in as ${name}. Account menu`}
      align="end"
      testId="account-menu"
      items={[
        {
          key: 'who',
          label: `${session.user.username}${session.user.admin ? ' (administrator)' : ''}`,
          disabled: true,
          onSelect: () => {},
        },
        { key: 'tokens', label: 'API tokens', onSelect: () => navigate('/account/tokens') },
        { key: 'sign-out', label: 'Sign out', onSelect: () => void session.signOut() },
      ]}
    >
      <Avatar name={name} color="#334155" size={28} />
      <span className="account-button__name">{name}</span>
    </MenuButton>
  );
}
