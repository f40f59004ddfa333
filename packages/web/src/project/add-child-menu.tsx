import type { NodeRecord } from '@talus/client';
import { Icon, TypeIcon } from '../ui/icons.js';
import { MenuButton } from '../ui/menu.js';
import type { SchemaIndex } from './schema-index.js';

export interface AddChildMenuProps {
  parent: NodeRecord | undefined;
  schema: SchemaIndex;
  /** Why nothing may be added (read-only), or null. */
  readOnly: string | null;
  onAdd(parentId: string, typeId: string): void;
  /** `toolbar`: a labelled button; `row`: a small "+" on the selected row. */
  variant: 'toolbar' | 'row';
}

/** "Add child": a menu of only the types the parent's type allows (`allowed_children`). */
export function AddChildMenu({ parent, schema, readOnly, onAdd, variant }: AddChildMenuProps) {
  const types = parent && !parent.metadata.orphaned ? schema.allowedChildren(parent.blueprint_type_id) : [];
  const parentLabel = parent ? schema.typeLabel(parent.blueprint_type_id) : '';
  const why = readOnly
    ? readOnly
    : !parent
      ? 'Select a node to add a child to it'
      : parent.metadata.orphaned
        ? 'This node’s type is not in the template: it takes no children'
        : types.length === 0
          ? `A ${parentLabel} has no child types`
          : undefined;
  const label = parent ? `Add a child to ${parent.name}` : 'Add a child';
  return (
    <MenuButton
      className={variant === 'toolbar' ? 'button button--primary' : 'icon-button icon-button--row'}
      label={variant === 'row' ? label : undefined}
      title={why ?? label}
      disabled={why !== undefined}
      testId={variant === 'toolbar' ? 'add-child' : 'row-add-child'}
      items={types.map((t) => ({
        key: t.id,
        label: t.label,
        icon: <TypeIcon name={t.icon} size={16} />,
        onSelect: () => parent && onAdd(parent.id, t.id),
      }))}
    >
      <Icon name="plus" size={variant === 'toolbar' ? 16 : 14} />
      {variant === 'toolbar' ? ' Add child' : null}
    </MenuButton>
  );
}
