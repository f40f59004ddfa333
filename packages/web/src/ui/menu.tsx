import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';

export interface MenuItem {
  key: string;
  label: string;
  icon?: ReactNode;
  /** A second line in smaller type. */
  hint?: string;
  disabled?: boolean | undefined;
  danger?: boolean;
  onSelect(): void;
}

export interface MenuButtonProps {
  /** The button's content. */
  children: ReactNode;
  /** The accessible name of the button when its content is an icon. */
  label?: string | undefined;
  title?: string | undefined;
  className?: string | undefined;
  disabled?: boolean;
  items: MenuItem[];
  /** Shown instead of the items when there are none. */
  empty?: string | undefined;
  align?: 'start' | 'end';
  testId?: string | undefined;
}

/**
 * A button that opens a menu (WAI-ARIA menu button): arrows move between items, Enter or a click picks
 * one, Escape closes and gives the focus back to the button.
 */
export function MenuButton(props: MenuButtonProps) {
  const { children, label, title, className, disabled, items, empty, align = 'start', testId } = props;
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])')?.focus();
    const outside = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const close = (focusButton: boolean) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };

  const onMenuKey = (e: KeyboardEvent) => {
    const all = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = all.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      all[(at + step + all.length) % all.length]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      (e.key === 'Home' ? all[0] : all[all.length - 1])?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === 'Tab') {
      close(false);
    }
  };

  return (
    <span className="menu-anchor">
      <button
        ref={button}
        type="button"
        className={className ?? 'button'}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={label}
        title={title}
        disabled={disabled}
        data-testid={testId}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        {children}
      </button>
      {open ? (
        <div
          ref={menu}
          id={id}
          role="menu"
          className={`menu menu--${align}`}
          aria-label={label ?? title}
          onKeyDown={onMenuKey}
        >
          {items.length === 0 ? <p className="menu__empty">{empty ?? 'Nothing here'}</p> : null}
          {items.map((item) => (
            <button
              key={item.key}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={item.danger ? 'menu__item menu__item--danger' : 'menu__item'}
              aria-disabled={item.disabled === true}
              onClick={() => {
                if (item.disabled) return;
                close(true);
                item.onSelect();
              }}
            >
              {item.icon ? <span className="menu__icon">{item.icon}</span> : null}
              <span className="menu__label">
                {item.label}
                {item.hint ? <small>{item.hint}</small> : null}
              </span>
            </button>
          ))}
        </div>
      ) : null}
    </span>
  );
}
