import type { NodeRecord } from '@talus/client';
import { Icon } from '../ui/icons.js';
import { AddChildMenu } from './add-child-menu.js';
import type { GraphReader } from './tree-rows.js';
import { TreeView, type TreeViewProps } from './tree-view.js';

export interface TreePaneProps extends Omit<TreeViewProps, 'selectedId'> {
  selected: NodeRecord | undefined;
}

/** Every node with children, for "expand all". */
function allParents(graph: GraphReader): string[] {
  const out: string[] = [];
  const stack = [...graph.roots()];
  while (stack.length > 0) {
    const n = graph.getNode(stack.pop()!);
    if (!n || n.children.length === 0) continue;
    out.push(n.id);
    stack.push(...n.children);
  }
  return out;
}

/** The tree with its toolbar: add a child to the selected node, delete it, expand or collapse all. */
export function TreePane(props: TreePaneProps) {
  const { selected, schema, readOnly, graph, expanded } = props;
  return (
    <section className="pane pane--tree" aria-label="Tree">
      <div className="pane__toolbar" role="toolbar" aria-label="Tree actions">
        <AddChildMenu
          parent={selected}
          schema={schema}
          readOnly={readOnly}
          onAdd={props.onAddChild}
          variant="toolbar"
        />
        <button
          type="button"
          className="button button--ghost"
          disabled={!selected || readOnly !== null}
          title={readOnly ?? (selected ? `Delete ${selected.name}` : 'Select a node to delete it')}
          onClick={() => selected && props.onDelete(selected.id)}
        >
          <Icon name="trash" size={16} /> Delete
        </button>
        <span className="toolbar__spacer" />
        <button
          type="button"
          className="icon-button"
          aria-label="Expand all"
          title="Expand all"
          onClick={() => expanded.replace(allParents(graph))}
        >
          <Icon name="expand" size={16} />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label="Collapse all"
          title="Collapse all"
          onClick={() => expanded.replace([])}
        >
          <Icon name="collapse" size={16} />
        </button>
      </div>
      <TreeView {...props} selectedId={selected?.id ?? null} />
    </section>
  );
}
