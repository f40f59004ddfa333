import type { JsonObject } from '../types.js';

/**
 * Feature "macros": properties a feature adds to every node type that has it, written as template
 * property objects (the same shape as in a YAML file). These follow the original's definitions, so the
 * property ids, and therefore the derived uuids, match the original's project files.
 */

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function scheduling(personTypeId: string | undefined): JsonObject[] {
  const assigned: JsonObject = {
    id: 'assigned_to',
    label: 'Assigned To',
    type: 'node_reference',
    system_locked: true,
    ui_group: 'Schedule',
  };
  if (personTypeId !== undefined) assigned.target_type = personTypeId;
  return [
    {
      id: 'start_date',
      label: 'Start Date',
      type: 'date',
      system_locked: true,
      ui_group: 'Schedule',
      semantic_role: 'gantt_start',
    },
    {
      id: 'end_date',
      label: 'End Date',
      type: 'date',
      system_locked: true,
      ui_group: 'Schedule',
      semantic_role: 'gantt_end',
    },
    assigned,
    {
      id: 'estimated_hours',
      label: 'Estimated Hours',
      type: 'number',
      value: 0,
      system_locked: true,
      ui_group: 'Schedule',
    },
    {
      id: 'actual_hours',
      label: 'Actual Hours',
      type: 'number',
      value: 0,
      system_locked: true,
      ui_group: 'Schedule',
    },
    {
      id: 'allocations',
      label: 'Allocations',
      type: 'object',
      value: {},
      system_locked: true,
      ui_group: 'Schedule',
    },
    {
      id: 'status',
      label: 'Status',
      type: 'select',
      indicator_set: 'status',
      options: [
        { name: 'To Do', indicator_id: 'empty' },
        { name: 'In Progress', indicator_id: 'partial' },
        { name: 'Done', indicator_id: 'filled' },
      ],
      value: 'To Do',
      system_locked: true,
      ui_group: 'Schedule',
    },
  ];
}

function budgeting(): JsonObject[] {
  return [
    {
      id: 'estimated_cost',
      label: 'Estimated Cost',
      type: 'currency',
      system_locked: true,
      ui_group: 'Financial',
    },
    { id: 'actual_cost', label: 'Actual Cost', type: 'currency', system_locked: true, ui_group: 'Financial' },
  ];
}

function isPerson(): JsonObject[] {
  const capacity = DAYS.map(
    (d, i): JsonObject => ({
      id: `capacity_${d}`,
      label: `Capacity ${cap(d)} (Hours)`,
      type: 'number',
      value: i < 5 ? 8 : 0,
      required: true,
      system_locked: true,
      ui_group: 'Capacity',
    }),
  );
  const overtime = DAYS.map(
    (d): JsonObject => ({
      id: `overtime_capacity_${d}`,
      label: `Overtime ${cap(d)} (Hours)`,
      type: 'number',
      value: 0,
      system_locked: true,
      ui_group: 'Overtime',
    }),
  );
  const rates = DAYS.map(
    (d): JsonObject => ({
      id: `hourly_rate_${d}`,
      label: `Hourly Rate ${cap(d)}`,
      type: 'number',
      system_locked: true,
      ui_group: 'Rates',
    }),
  );
  return [...capacity, ...overtime, ...rates];
}

/** Features that carry a macro. */
export const MACRO_FEATURES = ['scheduling', 'budgeting', 'is_person'] as const;

/**
 * The property objects a feature adds, or undefined for a feature without a macro. `personTypeId` is the
 * type `assigned_to` refers to (the `person` type, else the first `is_person` type), if there is one.
 */
export function featureMacro(feature: string, personTypeId: string | undefined): JsonObject[] | undefined {
  switch (feature) {
    case 'scheduling':
      return scheduling(personTypeId);
    case 'budgeting':
      return budgeting();
    case 'is_person':
      return isPerson();
    default:
      return undefined;
  }
}
