import type { SchemaOption } from '@talus/client';
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../../ui/icons.js';
import { Indicator } from '../../ui/indicator.js';
import type { EditorProps } from './editor-props.js';

const NONE = '__none__';

/**
 * `select`: a list box whose options show their indicator (empty, partial, filled, alert…) beside the
 * name. The stored value is the option's uuid; a property that is not required can be cleared.
 */
export function SelectEditor(props: EditorProps) {
  const { inputId, property, value, disabled, describedBy, commit, editing } = props;
  const options = property.options ?? [];
  const current = options.find((o) => o.uuid === value || o.id === value || o.name === value);
  const choices: Array<SchemaOption | null> = property.required ? options : [null, ...options];
  // options without indicators (a plain list of names) show none
  const indicators = options.some((o) => o.indicator_id);
  const mark = (o: SchemaOption | null | undefined) =>
    indicators ? (
      <Indicator id={o ? (o.indicator_id ?? 'other') : null} label={o ? o.name : 'Not set'} decorative />
    ) : null;
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const list = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    list.current?.focus();
    const outside = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!list.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const openList = () => {
    setActive(Math.max(0, choices.indexOf(current ?? null)));
    setOpen(true);
    editing(true);
  };
  const close = (focusButton = true) => {
    setOpen(false);
    editing(false);
    if (focusButton) button.current?.focus();
  };
  const pick = (o: SchemaOption | null) => {
    close();
    if ((o?.uuid ?? null) !== (current?.uuid ?? null)) void commit(o ? o.uuid : null);
  };
  const optionId = (o: SchemaOption | null) => `${inputId}-opt-${o ? o.uuid : NONE}`;

  return (
    <div className="select">
      <button
        ref={button}
        id={inputId}
        type="button"
        className="select__button input"
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-describedby={describedBy}
        disabled={disabled}
        onClick={() => (open ? close() : openList())}
        onKeyDown={(e) => {
          if (!open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
            e.preventDefault();
            openList();
          }
        }}
      >
        {mark(current)}
        <span className="select__value">{current?.name ?? (value ? String(value) : 'Not set')}</span>
        <Icon name="chevron-down" size={14} />
      </button>
      {open ? (
        <div
          ref={list}
          className="select__list"
          role="listbox"
          tabIndex={-1}
          aria-label={property.label}
          aria-activedescendant={optionId(choices[active] ?? null)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              const step = e.key === 'ArrowDown' ? 1 : -1;
              setActive((a) => (a + step + choices.length) % choices.length);
            } else if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              pick(choices[active] ?? null);
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              close();
            } else if (e.key === 'Tab') close(false);
          }}
        >
          {choices.map((o, i) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the list box handles the keys (active descendant)
            <div
              key={o ? o.uuid : NONE}
              id={optionId(o)}
              role="option"
              tabIndex={-1}
              aria-selected={(o?.uuid ?? null) === (current?.uuid ?? null)}
              className={`select__option${i === active ? ' select__option--active' : ''}`}
              onPointerEnter={() => setActive(i)}
              onClick={() => pick(o)}
            >
              {mark(o)}
              {o ? o.name : 'Not set'}
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
