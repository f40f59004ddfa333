import { type FormEvent, useState } from 'react';
import { Dialog } from '../ui/dialog.js';

/** The name the browser declares in the local mode (empty: "Local user"). */
export function NameDialog(props: { current: string; onClose(): void; onSave(name: string | null): void }) {
  const [name, setName] = useState(props.current);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSave(name.trim() || null);
  };
  return (
    <Dialog title="Your name" onClose={props.onClose}>
      <form onSubmit={submit} className="stack">
        <p>
          Authentication is off, so this server trusts the name you give. It is shown in the history and to
          the others working on a project. Leave it empty to be “Local user”.
        </p>
        <label className="field">
          <span className="field__label">Name</span>
          <input autoFocus maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
