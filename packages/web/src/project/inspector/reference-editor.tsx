import type { NodeRecord } from '@talus/client';
import type { EditorProps } from './editor-props.js';

export interface ReferenceEditorProps extends EditorProps {
  /** The nodes the reference may point at: those of the property's `target_type` (all, if none). */
  candidates: readonly NodeRecord[];
  /** The name of a node by id (undefined: it no longer exists). */
  nameOf(id: string): string | undefined;
  targetLabel: string;
}

/**
 * `node_reference`: a picker limited to the nodes of `target_type`. A list value (several assignees)
 * shows each node with a button to remove it, and the picker adds one.
 */
export function ReferenceEditor(props: ReferenceEditorProps) {
  const {
    inputId,
    property,
    value,
    disabled,
    describedBy,
    commit,
    editing,
    candidates,
    nameOf,
    targetLabel,
  } = props;
  const many = Array.isArray(value);
  const chosen = many
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? [value]
      : [];
  const label = (id: string) => nameOf(id) ?? 'a deleted node';

  if (!many) {
    const current = chosen[0] ?? '';
    const dangling = current !== '' && nameOf(current) === undefined;
    return (
      <select
        id={inputId}
        className="input"
        value={current}
        disabled={disabled}
        aria-required={property.required}
        aria-describedby={describedBy}
        onFocus={() => editing(true)}
        onBlur={() => editing(false)}
        onChange={(e) => void commit(e.target.value === '' ? null : e.target.value)}
      >
        <option value="" disabled={property.required && current !== ''}>
          {candidates.length === 0 ? `No ${targetLabel} in this project yet` : `— No ${targetLabel} —`}
        </option>
        {dangling ? <option value={current}>(missing node)</option> : null}
        {candidates.map((n) => (
          <option key={n.id} value={n.id}>
            {n.name}
          </option>
        ))}
      </select>
    );
  }

  const rest = candidates.filter((n) => !chosen.includes(n.id));
  return (
    <div className="reference-list">
      <ul className="chips" aria-label={`${property.label}: chosen`}>
        {chosen.map((id) => (
          <li key={id} className="chip">
            {label(id)}
            <button
              type="button"
              className="chip__remove"
              aria-label={`Remove ${label(id)}`}
              disabled={disabled || (property.required && chosen.length === 1)}
              onClick={() => {
                const next = chosen.filter((c) => c !== id);
                void commit(next.length === 0 ? null : next);
              }}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <select
        id={inputId}
        className="input"
        value=""
        disabled={disabled || rest.length === 0}
        aria-describedby={describedBy}
        onFocus={() => editing(true)}
        onBlur={() => editing(false)}
        onChange={(e) => e.target.value && void commit([...chosen, e.target.value])}
      >
        <option value="">{rest.length === 0 ? `No other ${targetLabel}` : `Add a ${targetLabel}…`}</option>
        {rest.map((n) => (
          <option key={n.id} value={n.id}>
            {n.name}
          </option>
        ))}
      </select>
    </div>
  );
}
