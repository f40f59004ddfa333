import type { PresenceClient, ProjectMirror } from '@talus/client';
import { Avatar } from '../ui/avatar.js';

export interface PresenceBarProps {
  others: readonly PresenceClient[];
  mirror: ProjectMirror;
  /** Not connected: the list is the last one known. */
  stale: boolean;
}

/** Who else is in the project now, each in their colour, with what they have selected. */
export function PresenceBar({ others, mirror, stale }: PresenceBarProps) {
  const describe = (c: PresenceClient) => {
    const node = c.selected_node_id ? mirror.getNode(c.selected_node_id) : undefined;
    return node ? `${c.user.name}: on “${node.name}”` : `${c.user.name}: here`;
  };
  return (
    <div
      className={stale ? 'presence presence--stale' : 'presence'}
      title={stale ? 'Last known: not connected now' : undefined}
      data-testid="presence"
    >
      {others.length === 0 ? <span className="presence__alone">Only you</span> : null}
      <ul className="presence__list" aria-label={others.length === 0 ? 'Only you are here' : 'Also here'}>
        {others.map((c) => (
          <li key={c.client_id} className="presence__person" data-user={c.user.name}>
            <Avatar name={c.user.name} color={c.color} title={describe(c)} />
            <span className="visually-hidden">{describe(c)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
