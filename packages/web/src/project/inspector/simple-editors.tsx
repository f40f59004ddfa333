import { useEffect, useState } from 'react';
import { clip } from '../../ui/text.js';
import type { EditorProps } from './editor-props.js';

/** `checkbox`: shown changed at once and sent; put back if the server refuses. */
export function CheckboxEditor({ inputId, value, disabled, describedBy, commit }: EditorProps) {
  const [checked, setChecked] = useState(value === true);
  useEffect(() => setChecked(value === true), [value]);
  return (
    <input
      id={inputId}
      type="checkbox"
      className="checkbox"
      checked={checked}
      disabled={disabled}
      aria-describedby={describedBy}
      onChange={(e) => {
        const next = e.target.checked;
        setChecked(next);
        void commit(next).then((ok) => ok || setChecked(value === true));
      }}
    />
  );
}

/** A value of a type the UI does not edit (`object` and other opaque JSON): shown as it is. */
export function JsonView({ inputId, value, describedBy }: EditorProps) {
  const text = value === undefined || value === null ? '—' : JSON.stringify(value, null, 1);
  return (
    <output id={inputId} className="json-view" aria-describedby={describedBy}>
      {clip(text, 2001)}
    </output>
  );
}
