import type { MirrorState } from '@talus/client';

const TEXT: Record<MirrorState, { label: string; hint: string }> = {
  connecting: { label: 'Connecting…', hint: 'Opening the project' },
  live: { label: 'Live', hint: 'Connected: changes are sent and received as they happen' },
  reconnecting: {
    label: 'Reconnecting…',
    hint: 'The connection was lost. Changes you make are kept and sent when it is back.',
  },
  offline: { label: 'Offline', hint: 'Disconnected: reload the page to try again' },
};

/** The state of the project's connection; it recovers by itself after a cut. */
export function ConnectionIndicator({ state, pending }: { state: MirrorState; pending: number }) {
  const t = TEXT[state];
  return (
    <span
      className={`connection connection--${state}`}
      role="status"
      title={t.hint}
      data-testid="connection"
      data-state={state}
    >
      <span className="connection__dot" aria-hidden="true" />
      {t.label}
      {state !== 'live' && pending > 0 ? ` (${pending} waiting)` : ''}
    </span>
  );
}
