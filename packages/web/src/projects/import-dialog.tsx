import type { TemplateSummary } from '@talus/client';
import { type FormEvent, useState } from 'react';
import { Dialog } from '../ui/dialog.js';

export interface ImportDialogProps {
  templates: TemplateSummary[];
  onClose(): void;
  onImport(file: unknown, templateId: string | undefined): Promise<void>;
}

/**
 * Import a project file: a Talus Tally export (`talus-tally/1`) or a file of the original desktop app.
 * The original's files name their template; one that does not can be given one here.
 */
export function ImportDialog({ templates, onClose, onImport }: ImportDialogProps) {
  const [file, setFile] = useState<File | null>(null);
  const [templateId, setTemplateId] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch {
      setProblem(`${file.name} is not a JSON project file`);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      setProblem(`${file.name} is not a project file (it holds no JSON object)`);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      await onImport(parsed, templateId || undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="Import a project" onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <p className="muted">
          A Talus Tally export (<code>.talus.json</code>) or a project file of the original desktop app. It
          becomes a new project.
        </p>
        <label className="field">
          <span className="field__label">Project file</span>
          <input
            type="file"
            name="project-file"
            accept=".json,application/json"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'import-problem' : undefined}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setProblem(null);
            }}
          />
          {problem ? (
            <span className="field__error" id="import-problem">
              {problem}
            </span>
          ) : null}
        </label>
        <label className="field">
          <span className="field__label">Template (only for an original file that names none)</span>
          <select value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
            <option value="">As the file says</option>
            {templates
              .filter((t) => t.valid)
              .map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
          </select>
        </label>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!file || busy}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
