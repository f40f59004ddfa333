import type { Json, SchemaNodeType, SchemaOption, SchemaProperty, TemplateSchema } from '@talus/client';

/**
 * Questions the UI asks of a template schema (`GET /templates/{id}/schema`): types by id, what a type may
 * contain, the property that carries a type's status, the option a select value names.
 */
export class SchemaIndex {
  private readonly types = new Map<string, SchemaNodeType>();
  private readonly status = new Map<string, SchemaProperty | null>();

  constructor(readonly schema: TemplateSchema) {
    for (const t of schema.node_types) {
      this.types.set(t.id, t);
      this.types.set(t.uuid, t);
    }
  }

  /** The type of a node (by template id or uuid); undefined for an orphaned node's unknown type. */
  type(typeId: string): SchemaNodeType | undefined {
    return this.types.get(typeId);
  }

  typeLabel(typeId: string): string {
    return this.type(typeId)?.label ?? typeId;
  }

  /** The types a node of this type may contain, in the template's order. */
  allowedChildren(typeId: string): SchemaNodeType[] {
    const t = this.type(typeId);
    if (!t) return [];
    return t.allowed_children.map((id) => this.type(id)).filter((c): c is SchemaNodeType => c !== undefined);
  }

  /** Whether a node of `childType` may be placed under a node of `parentType` (null: among the roots). */
  canContain(parentType: string | null, childType: string): boolean {
    if (parentType === null) return true; // a node of any type may be a root
    const parent = this.type(parentType);
    const child = this.type(childType);
    if (!parent || !child) return false;
    return parent.allowed_children.includes(child.id) || parent.allowed_children.includes(child.uuid);
  }

  /**
   * The property whose select options give a node its status indicator: the select marked
   * `indicator_set: status`, else a select named `status` whose options have indicators.
   */
  statusProperty(typeId: string): SchemaProperty | undefined {
    if (!this.status.has(typeId)) this.status.set(typeId, findStatus(this.type(typeId)));
    return this.status.get(typeId) ?? undefined;
  }

  /** The option a stored select value names (its uuid, template id or name). */
  option(property: SchemaProperty, value: Json | undefined): SchemaOption | undefined {
    if (typeof value !== 'string' || !property.options) return undefined;
    return (
      property.options.find((o) => o.uuid === value) ??
      property.options.find((o) => o.id === value) ??
      property.options.find((o) => o.name === value)
    );
  }
}

function findStatus(t: SchemaNodeType | undefined): SchemaProperty | null {
  if (!t) return null;
  const selects = t.properties.filter((p) => p.type === 'select' && (p.options?.length ?? 0) > 0);
  const hasIndicators = (p: SchemaProperty) => p.options?.some((o) => o.indicator_id) === true;
  return (
    selects.find((p) => p.indicator_set === 'status') ??
    selects.find((p) => p.id === 'status' && hasIndicators(p)) ??
    null
  );
}
