import { useEffect } from 'react';
import { Icon } from '../ui/icons.js';
import type { Commands } from './use-commands.js';

/** True when a key press is for a text field (its own undo applies there). */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes, anywhere on the page but in a text field. */
export function useUndoShortcuts(commands: Commands): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || typingIn(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) {
        e.preventDefault();
        void commands.undo();
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        e.preventDefault();
        void commands.redo();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [commands]);
}

/** Undo and redo buttons, and whose changes they step through: mine (default) or everyone's. */
export function UndoControls({ commands }: { commands: Commands }) {
  const disabled = commands.readOnly !== null;
  return (
    <div className="undo-controls">
      <button
        type="button"
        className="icon-button"
        aria-label="Undo"
        title={disabled ? (commands.readOnly ?? '') : 'Undo (Ctrl+Z)'}
        disabled={disabled}
        onClick={() => void commands.undo()}
      >
        <Icon name="undo" />
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Redo"
        title={disabled ? (commands.readOnly ?? '') : 'Redo (Ctrl+Shift+Z)'}
        disabled={disabled}
        onClick={() => void commands.redo()}
      >
        <Icon name="redo" />
      </button>
      <label className="scope-toggle" title="Undo only your own changes, or the last change of anyone here">
        <input
          type="checkbox"
          checked={commands.scope === 'session'}
          disabled={disabled}
          onChange={(e) => commands.setScope(e.target.checked ? 'session' : 'mine')}
          aria-label="Everyone’s changes"
        />
        <span className="wide-only">Everyone’s changes</span>
      </label>
    </div>
  );
}
