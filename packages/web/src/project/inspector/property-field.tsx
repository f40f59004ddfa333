import type { Json, NodeRecord, PresenceClient, SchemaProperty } from '@talus/client';
import { useState } from 'react';
import { CurrencyEditor, LineEditor, MultilineEditor } from './draft-editors.js';
import type { EditorProps } from './editor-props.js';
import { ReferenceEditor } from './reference-editor.js';
import { SelectEditor } from './select-editor.js';
import { CheckboxEditor, JsonView } from './simple-editors.js';

export interface PropertyFieldProps {
  nodeId: string;
  property: SchemaProperty;
  value: Json | undefined;
  disabled: boolean;
  /** Someone else just changed it. */
  changed: boolean;
  /** Others editing this property now. */
  editors: readonly PresenceClient[];
  commit(property: SchemaProperty, value: Json | null): Promise<boolean>;
  editing(propertyId: string | null): void;
  /** For references: the nodes of a type (all nodes when undefined) and names by id. */
  nodesOfType(typeId: string | undefined): readonly NodeRecord[];
  nameOf(id: string): string | undefined;
  typeLabel(typeId: string): string;
}

const EDITED_TYPES = new Set([
  'text',
  'editor',
  'number',
  'currency',
  'checkbox',
  'date',
  'select',
  'node_reference',
]);

/** One property of the selected node: its label (required ones marked), editor, help and problems. */
export function PropertyField(props: PropertyFieldProps) {
  const { nodeId, property: p, value, disabled, changed, editors } = props;
  const [error, setError] = useState<string | null>(null);
  const base = `prop-${nodeId}-${p.id}`;
  const inputId = `${base}-input`;
  const helpId = typeof p.description === 'string' && p.description ? `${base}-help` : undefined;
  const errorId = error ? `${base}-error` : undefined;
  const describedBy = [helpId, errorId].filter(Boolean).join(' ') || undefined;
  const missing = p.required && (value === undefined || value === null || value === '');

  const editorProps: EditorProps = {
    inputId,
    property: p,
    value,
    disabled: disabled || !EDITED_TYPES.has(p.type),
    invalid: error !== null,
    describedBy,
    commit: (v) => props.commit(p, v),
    setError,
    editing: (on) => props.editing(on ? p.id : null),
  };

  const classes = ['prop', `prop--${p.type}`];
  if (changed) classes.push('prop--changed');
  if (error) classes.push('prop--invalid');

  return (
    <div className={classes.join(' ')} data-property-id={p.id}>
      <div className="prop__head">
        <label htmlFor={inputId} className="prop__label">
          {p.label}
          {p.required ? (
            <span className="prop__required" title="Required">
              <span aria-hidden="true"> *</span>
              <span className="visually-hidden"> (required)</span>
            </span>
          ) : null}
        </label>
        {editors.length > 0 ? (
          <span className="prop__editors" style={{ color: editors[0]!.color }}>
            {editors.map((c) => c.user.name).join(', ')} editing…
          </span>
        ) : null}
      </div>
      {editorFor(p.type, editorProps, props)}
      {helpId ? (
        <p id={helpId} className="prop__help">
          {String(p.description)}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="prop__error" role="alert">
          {error}
        </p>
      ) : missing ? (
        <p className="prop__missing">Required: not set yet</p>
      ) : null}
    </div>
  );
}

function editorFor(type: string, e: EditorProps, props: PropertyFieldProps) {
  switch (type) {
    case 'text':
    case 'number':
    case 'date':
      return <LineEditor {...e} />;
    case 'currency':
      return <CurrencyEditor {...e} />;
    case 'editor':
      return <MultilineEditor {...e} />;
    case 'checkbox':
      return <CheckboxEditor {...e} />;
    case 'select':
      return <SelectEditor {...e} />;
    case 'node_reference': {
      const target = typeof e.property.target_type === 'string' ? e.property.target_type : undefined;
      return (
        <ReferenceEditor
          {...e}
          candidates={props.nodesOfType(target)}
          nameOf={props.nameOf}
          targetLabel={target ? props.typeLabel(target) : 'node'}
        />
      );
    }
    default:
      return <JsonView {...e} />;
  }
}
