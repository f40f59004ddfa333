import type { Json, NodeRecord, PresenceClient, SchemaProperty } from '@talus/client';
import { useMemo } from 'react';
import { Icon, TypeIcon } from '../../ui/icons.js';
import { clip } from '../../ui/text.js';
import type { SchemaIndex } from '../schema-index.js';
import type { GraphReader } from '../tree-rows.js';
import type { Commands } from '../use-commands.js';
import { PropertyField } from './property-field.js';

export interface InspectorProps {
  graph: GraphReader;
  version: number;
  schema: SchemaIndex;
  node: NodeRecord | undefined;
  commands: Commands;
  /** Other people in the project. */
  others: readonly PresenceClient[];
  changedProperties: ReadonlySet<string>;
  onDelete(id: string): void;
  onEditing(propertyId: string | null): void;
}

/** A property named `name` when the type has none (the node's name is always editable). */
const NAME_PROPERTY: SchemaProperty = {
  id: 'name',
  uuid: 'name',
  name: 'Name',
  label: 'Name',
  type: 'text',
  required: true,
};

/** All nodes of a type (all nodes when no type), in tree order; computed once per graph version. */
function useNodesOfType(graph: GraphReader, version: number) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` stands for the graph's content
  return useMemo(() => {
    const cache = new Map<string, NodeRecord[]>();
    return (typeId: string | undefined) => {
      const key = typeId ?? '*';
      let found = cache.get(key);
      if (!found) {
        found = [];
        const stack = [...graph.roots()].reverse();
        while (stack.length > 0) {
          const n = graph.getNode(stack.pop()!);
          if (!n) continue;
          if (typeId === undefined || n.blueprint_type_id === typeId) found.push(n);
          for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
        }
        cache.set(key, found);
      }
      return found;
    };
  }, [graph, version]);
}

/** The selected node's properties, each with the editor of its type, grouped by the template's ui_group. */
export function Inspector(props: InspectorProps) {
  const { graph, version, schema, node, commands, others, changedProperties, onDelete, onEditing } = props;
  const nodesOfType = useNodesOfType(graph, version);

  if (!node) {
    return (
      <div className="inspector inspector--empty">
        <p>Select a node in the tree to see and edit its properties.</p>
      </div>
    );
  }

  const type = schema.type(node.blueprint_type_id);
  const orphaned = node.metadata.orphaned === true;
  const properties = type ? type.properties : [];
  const fields = properties.some((p) => p.id === 'name') ? properties : [NAME_PROPERTY, ...properties];
  const groups = new Map<string, SchemaProperty[]>();
  for (const p of fields) {
    const g = typeof p.ui_group === 'string' && p.ui_group ? p.ui_group : 'Details';
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  const invalid = node.metadata.invalid_properties;

  const commit = async (p: SchemaProperty, value: Json | null): Promise<boolean> => {
    const label = `Could not change ${p.label}`;
    if (value === null) {
      if (node.properties[p.id] === undefined) return true;
      return (await commands.run('DeleteProperty', { node_id: node.id, property_id: p.id }, label)) !== null;
    }
    return (
      (await commands.run('UpdateProperty', { node_id: node.id, property_id: p.id, value }, label)) !== null
    );
  };
  const editorsOf = (propertyId: string) =>
    others.filter((c) => c.selected_node_id === node.id && c.editing_property_id === propertyId);
  const valueFor = (p: SchemaProperty): Json | undefined =>
    p.id === 'name' ? node.name : node.properties[p.id];

  return (
    <div className="inspector" data-testid="inspector">
      <header className="inspector__header">
        <span className="inspector__icon">
          <TypeIcon name={type?.icon} size={22} />
        </span>
        <div className="inspector__title">
          <h2>{node.name}</h2>
          <p className="muted">{type ? type.label : `${node.blueprint_type_id} (not in the template)`}</p>
        </div>
        <button
          type="button"
          className="button button--small button--danger-text"
          disabled={commands.readOnly !== null}
          title={commands.readOnly ?? `Delete ${node.name}`}
          onClick={() => onDelete(node.id)}
        >
          <Icon name="trash" size={16} /> Delete
        </button>
      </header>
      {orphaned ? (
        <p className="notice notice--warning">
          This node’s type is not in the project’s template. It can be renamed, moved among the roots or
          deleted; its other values are kept as they were.
        </p>
      ) : null}
      {invalid && typeof invalid === 'object' ? (
        <p className="notice notice--warning">
          Imported values that did not fit their property: {Object.keys(invalid).join(', ')}. Set them again
          to fix them.
        </p>
      ) : null}
      <KeptValues node={node} orphaned={orphaned} />
      {[...groups].map(([group, ps]) => (
        <section key={group} className="inspector__group" aria-label={group}>
          <h3>{group}</h3>
          {ps.map((p) => (
            <PropertyField
              key={`${node.id}/${p.id}`}
              nodeId={node.id}
              property={p}
              value={valueFor(p)}
              disabled={commands.readOnly !== null || (orphaned && p.id !== 'name')}
              changed={changedProperties.has(`${node.id}/${p.id}`)}
              editors={editorsOf(p.id)}
              commit={commit}
              editing={onEditing}
              nodesOfType={nodesOfType}
              nameOf={(id) => graph.getNode(id)?.name}
              typeLabel={(t) => schema.typeLabel(t)}
            />
          ))}
        </section>
      ))}
    </div>
  );
}

const show = (v: Json | undefined): string => clip(typeof v === 'string' ? v : JSON.stringify(v), 200);

/**
 * Values the node keeps that no field of its type shows: all the properties of a node whose type left the
 * template, and properties its type no longer has (`metadata.orphaned_properties`), as imported. Read-only:
 * they are there to be read and copied, not edited.
 */
function KeptValues({ node, orphaned }: { node: NodeRecord; orphaned: boolean }) {
  const kept: Array<[string, Json]> = [];
  if (orphaned) for (const [k, v] of Object.entries(node.properties)) if (k !== 'name') kept.push([k, v]);
  const extra = node.metadata.orphaned_properties;
  if (extra && typeof extra === 'object' && !Array.isArray(extra)) {
    for (const [k, v] of Object.entries(extra as Record<string, Json>)) kept.push([k, v]);
  }
  if (kept.length === 0) return null;
  return (
    <section className="inspector__group" aria-label="Kept from the file">
      <h3>Kept from the file</h3>
      <p className="muted">Values of properties the template does not have (any more), kept as they were.</p>
      <dl className="kept-values">
        {kept.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{show(v)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
