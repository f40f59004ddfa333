import { isTalusError } from '@talus/client';
import { useCallback } from 'react';
import { messageOf } from '../api/accounts.js';
import { useOptionalSession } from '../session/session.js';
import { useToasts } from './toasts.js';

/**
 * Show a failure as a toast with the server's message (prefixed by what was being done), and send the
 * user back to sign-in when their session has ended.
 */
export function useReportError(): (err: unknown, doing?: string) => void {
  const { show } = useToasts();
  const session = useOptionalSession();
  return useCallback(
    (err: unknown, doing?: string) => {
      if (isTalusError(err) && err.code === 'CLOSED') return; // the page was left: nothing to say
      const text = messageOf(err);
      show(doing ? `${doing}: ${text}` : text, 'error');
      if (isTalusError(err) && err.code === 'UNAUTHORIZED' && session?.mode === 'accounts') session.expired();
    },
    [show, session],
  );
}
