import type { TemplateSummary } from '@talus/client';
import { type FormEvent, useState } from 'react';
import { Dialog } from '../ui/dialog.js';

export interface NewProjectDialogProps {
  templates: TemplateSummary[];
  onClose(): void;
  onCreate(templateId: string, name: string): Promise<void>;
}

/** Pick a template (each with its description; broken ones listed but not selectable) and a name. */
export function NewProjectDialog({ templates, onClose, onCreate }: NewProjectDialogProps) {
  const firstValid = templates.find((t) => t.valid)?.id ?? '';
  const [templateId, setTemplateId] = useState(firstValid);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const trimmed = name.trim();
  const tooLong = trimmed.length > 200;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!templateId || !trimmed || tooLong) return;
    setBusy(true);
    try {
      await onCreate(templateId, trimmed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="New project" onClose={onClose} wide>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span className="field__label">Project name</span>
          <input
            autoFocus
            name="project-name"
            value={name}
            aria-invalid={tooLong ? true : undefined}
            aria-describedby={tooLong ? 'project-name-error' : undefined}
            onChange={(e) => setName(e.target.value)}
          />
          {tooLong ? (
            <span className="field__error" id="project-name-error">
              At most 200 characters
            </span>
          ) : null}
        </label>
        <fieldset className="template-picker">
          <legend className="field__label">Template</legend>
          {templates.map((t) => (
            <label
              key={t.id}
              className={`template-option${t.id === templateId ? ' template-option--selected' : ''}${t.valid ? '' : ' template-option--broken'}`}
            >
              <input
                type="radio"
                name="template"
                value={t.id}
                checked={t.id === templateId}
                disabled={!t.valid}
                onChange={() => setTemplateId(t.id)}
              />
              <span className="template-option__text">
                <span>
                  <strong>{t.name}</strong> <span className="muted">v{t.version}</span>
                </span>
                <span className="template-option__description">
                  {t.valid
                    ? t.description || 'No description.'
                    : `Broken: ${t.problems?.map((p) => `${p.path}: ${p.message}`).join('; ') ?? 'invalid'}`}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button--primary"
            disabled={busy || !trimmed || !templateId || tooLong}
          >
            {busy ? 'Creating…' : 'Create project'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
