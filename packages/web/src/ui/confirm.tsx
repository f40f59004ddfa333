import { type ReactNode, useCallback, useRef, useState } from 'react';
import { Dialog } from './dialog.js';

export interface ConfirmOptions {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  /** A destructive action: the button is red. */
  danger?: boolean;
}

/**
 * `const [dialog, confirm] = useConfirm()`: render `dialog`, and `await confirm({...})` resolves true
 * when the user confirms, false when they cancel or close.
 */
export function useConfirm(): [ReactNode, (options: ConfirmOptions) => Promise<boolean>] {
  const [open, setOpen] = useState<ConfirmOptions | null>(null);
  const resolver = useRef<((ok: boolean) => void) | null>(null);
  const confirm = useCallback((options: ConfirmOptions) => {
    resolver.current?.(false);
    setOpen(options);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);
  const finish = (ok: boolean) => {
    resolver.current?.(ok);
    resolver.current = null;
    setOpen(null);
  };
  const dialog = open ? (
    <Dialog
      title={open.title}
      onClose={() => finish(false)}
      actions={
        <>
          <button type="button" className="button" onClick={() => finish(false)}>
            Cancel
          </button>
          <button
            type="button"
            className={open.danger ? 'button button--danger' : 'button button--primary'}
            // biome-ignore lint/a11y/noAutofocus: the confirming button is the dialog's first choice
            autoFocus
            onClick={() => finish(true)}
          >
            {open.confirmLabel}
          </button>
        </>
      }
    >
      <div className="confirm__message">{open.message}</div>
    </Dialog>
  ) : null;
  return [dialog, confirm];
}
