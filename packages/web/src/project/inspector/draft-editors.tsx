import type { Json } from '@talus/client';
import { useEffect, useRef, useState } from 'react';
import { type EditorProps, sameValue } from './editor-props.js';
import { formatCurrency, inputText, parseInput } from './validate.js';

/**
 * A typed field with a local draft: it follows the stored value (changes by others show at once) until
 * the user types; Enter or leaving the field checks the draft and sends it only when it is valid.
 */
function useDraft(props: EditorProps) {
  const { property, value, commit, setError } = props;
  const [draft, setDraft] = useState(() => inputText(property, value));
  const dirty = useRef(false);
  const sending = useRef<Json | null | undefined>(undefined);

  useEffect(() => {
    if (!dirty.current) setDraft(inputText(property, value));
  }, [property, value]);

  const change = (text: string) => {
    dirty.current = true;
    setDraft(text);
    // say what is wrong while typing, once there is something to judge
    const parsed = parseInput(property, text);
    setError(parsed.ok ? null : parsed.message);
  };

  const save = (text = draft) => {
    const parsed = parseInput(property, text);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    setError(null);
    dirty.current = false;
    if (sameValue(parsed.value, value ?? null)) return;
    // Enter then leaving the field: the value is on its way already
    if (sending.current !== undefined && sameValue(parsed.value, sending.current)) return;
    sending.current = parsed.value;
    void commit(parsed.value).then((ok) => {
      sending.current = undefined;
      // refused by the server (its message is in a toast): show the stored value again
      if (!ok) setDraft(inputText(property, value));
    });
  };

  const revert = () => {
    dirty.current = false;
    setError(null);
    setDraft(inputText(property, value));
  };

  return { draft, change, save, revert, dirty: dirty.current };
}

/** `text`, `number` and `date`: one input line. */
export function LineEditor(props: EditorProps) {
  const { inputId, property, disabled, describedBy, editing } = props;
  const { draft, change, save, revert } = useDraft(props);
  const type = property.type === 'date' ? 'date' : 'text';
  return (
    <input
      id={inputId}
      type={type}
      inputMode={property.type === 'number' ? 'decimal' : undefined}
      className="input"
      value={draft}
      disabled={disabled}
      required={property.required}
      aria-required={property.required}
      aria-describedby={describedBy}
      aria-invalid={props.invalid || undefined}
      onFocus={() => editing(true)}
      onChange={(e) => {
        change(e.target.value);
        // a date picked from the calendar is complete: send it at once
        if (property.type === 'date' && e.target.value !== '') save(e.target.value);
      }}
      onBlur={() => {
        save();
        editing(false);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') save();
        else if (e.key === 'Escape') revert();
      }}
    />
  );
}

/** `currency`: shown formatted ("$1,250.00"), edited as a plain amount. */
export function CurrencyEditor(props: EditorProps) {
  const { inputId, property, value, disabled, describedBy, editing } = props;
  const { draft, change, save, revert, dirty } = useDraft(props);
  const [focused, setFocused] = useState(false);
  const formatted = focused || dirty ? '' : formatCurrency(value);
  return (
    <input
      id={inputId}
      type="text"
      inputMode="decimal"
      className="input input--currency"
      value={formatted || draft}
      disabled={disabled}
      aria-required={property.required}
      aria-describedby={describedBy}
      aria-invalid={props.invalid || undefined}
      onFocus={() => {
        setFocused(true);
        editing(true);
      }}
      onChange={(e) => change(e.target.value)}
      onBlur={() => {
        setFocused(false);
        save();
        editing(false);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') save();
        else if (e.key === 'Escape') revert();
      }}
    />
  );
}

/** `editor`: multi-line text; Ctrl+Enter or leaving the field saves. */
export function MultilineEditor(props: EditorProps) {
  const { inputId, property, disabled, describedBy, editing } = props;
  const { draft, change, save, revert } = useDraft(props);
  return (
    <textarea
      id={inputId}
      className="input input--multiline"
      rows={4}
      value={draft}
      disabled={disabled}
      aria-required={property.required}
      aria-describedby={describedBy}
      aria-invalid={props.invalid || undefined}
      onFocus={() => editing(true)}
      onChange={(e) => change(e.target.value)}
      onBlur={() => {
        save();
        editing(false);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) save();
        else if (e.key === 'Escape') revert();
      }}
    />
  );
}
