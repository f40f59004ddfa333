import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';

export type ToastKind = 'error' | 'info' | 'success';

interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

interface Toasts {
  show(message: string, kind?: ToastKind): void;
}

const ToastContext = createContext<Toasts>({ show: () => {} });

export const useToasts = (): Toasts => useContext(ToastContext);

/** How long a toast stays; errors stay longer, and any toast stays while hovered or focused. */
const LIFETIME: Record<ToastKind, number> = { error: 8000, info: 4000, success: 3000 };

/** Toasts in a live region at the bottom right: errors carry the server's message. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (message: string, kind: ToastKind = 'error') => {
      const id = next.current++;
      // the same message twice in a row shows once
      setToasts((ts) =>
        ts.some((t) => t.message === message && t.kind === kind)
          ? ts
          : [...ts.slice(-4), { id, kind, message }],
      );
      window.setTimeout(() => dismiss(id), LIFETIME[kind]);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ show }), [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <section className="toasts" aria-live="polite" aria-label="Notifications">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast--${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
            <span className="toast__text">{t.message}</span>
            <button
              type="button"
              className="toast__close"
              aria-label="Dismiss notification"
              onClick={() => dismiss(t.id)}
            >
              ×
            </button>
          </div>
        ))}
      </section>
    </ToastContext.Provider>
  );
}
