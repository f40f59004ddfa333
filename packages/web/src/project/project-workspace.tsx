import type { PresenceClient, ProjectMirror } from '@talus/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Role } from '../api/accounts.js';
import { navigate } from '../router.js';
import { useConfirm } from '../ui/confirm.js';
import { useToasts } from '../ui/toasts.js';
import { useExpanded } from './expanded-store.js';
import { HistoryPanel } from './history-panel.js';
import { Inspector } from './inspector/inspector.js';
import { ProjectHeader } from './project-header.js';
import { readOnlyReason } from './read-only.js';
import type { SchemaIndex } from './schema-index.js';
import type { DropPlan } from './tree-dnd.js';
import { TreePane } from './tree-pane.js';
import { ancestorsOf, descendantCount, siblingsOf, visibleRows, withDraft } from './tree-rows.js';
import { useUndoShortcuts } from './undo-controls.js';
import { useCommands } from './use-commands.js';
import { useHighlights } from './use-highlights.js';
import { useGraphVersion, useMirrorState, usePresence } from './use-mirror.js';

export interface ProjectWorkspaceProps {
  projectId: string;
  mirror: ProjectMirror;
  schema: SchemaIndex;
  role: Role;
  reloadRole(): void;
}

/** The open project: header (connection, presence, undo), the tree, the inspector and the history. */
export function ProjectWorkspace({ projectId, mirror, schema, role, reloadRole }: ProjectWorkspaceProps) {
  const version = useGraphVersion(mirror);
  const state = useMirrorState(mirror);
  const presence = usePresence(mirror);
  const readOnly = readOnlyReason(role, state);
  const commands = useCommands(mirror, readOnly);
  const highlights = useHighlights(mirror, commands.isMine);
  const expanded = useExpanded(projectId, () => [...mirror.roots()]);
  const { show } = useToasts();
  const [confirmDialog, confirm] = useConfirm();
  const [selectedId, setSelectedId] = useState<string | null>(() => mirror.roots()[0] ?? null);
  const [renamingId, setRenamingId] = useState<string | null>(null);
  // a child being added: named in its row before it is created (one command, one undo step)
  const [draft, setDraft] = useState<{ parentId: string; typeId: string } | null>(null);
  const [showHistory, setShowHistory] = useState(true);
  useUndoShortcuts(commands);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` stands for the graph's content
  const rows = useMemo(
    () =>
      withDraft(
        visibleRows(mirror, expanded.ids),
        draft && mirror.getNode(draft.parentId) ? draft.parentId : null,
      ),
    [mirror, version, expanded.ids, draft],
  );
  const selected = selectedId ? mirror.getNode(selectedId) : undefined;

  // a selected node deleted (here or by someone else): nothing selected
  useEffect(() => {
    if (selectedId && !selected) setSelectedId(null);
  }, [selectedId, selected]);
  useEffect(() => {
    mirror.setPresence({ selected_node_id: selectedId, editing_property_id: null });
  }, [mirror, selectedId]);
  useEffect(
    () =>
      mirror.on('deleted', () => {
        show('This project was deleted', 'info');
        navigate('/');
      }),
    [mirror, show],
  );

  // this browser's sockets (a new one after each reconnection): never shown as someone else
  const selfIds = useRef(new Set<string>());
  if (mirror.clientId) selfIds.current.add(mirror.clientId);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the state changes when the client id does
  const others = useMemo(() => presence.filter((c) => !selfIds.current.has(c.client_id)), [presence, state]);
  const othersByNode = useMemo(() => {
    const map = new Map<string, PresenceClient[]>();
    for (const c of others)
      if (c.selected_node_id) map.set(c.selected_node_id, [...(map.get(c.selected_node_id) ?? []), c]);
    return map;
  }, [others]);

  const select = useCallback(
    (id: string) => {
      setSelectedId(id);
      expanded.open(ancestorsOf(mirror, id));
    },
    [expanded, mirror],
  );

  const addChild = useCallback(
    (parentId: string, typeId: string) => {
      if (commands.readOnly) return;
      expanded.set(parentId, true);
      setDraft({ parentId, typeId });
    },
    [commands.readOnly, expanded],
  );

  const finishDraft = useCallback(
    async (name: string | null) => {
      const d = draft;
      setDraft(null);
      const clean = name?.trim();
      if (!d || !clean) return;
      const what = schema.typeLabel(d.typeId);
      const r = await commands.run(
        'CreateNode',
        { parent_id: d.parentId, blueprint_type_id: d.typeId, name: clean },
        `Could not add the ${what}`,
      );
      if (r?.node_id) setSelectedId(r.node_id);
    },
    [draft, commands, schema],
  );

  const rename = useCallback(
    (id: string, name: string) =>
      void commands.run(
        'UpdateProperty',
        { node_id: id, property_id: 'name', value: name },
        'Could not rename',
      ),
    [commands],
  );

  const move = useCallback(
    async (plan: Extract<DropPlan, { ok: true }>) => {
      const r = await commands.run(
        'MoveNode',
        { node_id: plan.nodeId, parent_id: plan.parentId, index: plan.index },
        'Could not move',
      );
      if (r && plan.parentId) expanded.set(plan.parentId, true);
    },
    [commands, expanded],
  );

  const remove = useCallback(
    async (id: string) => {
      const node = mirror.getNode(id);
      if (!node || commands.readOnly) return;
      const inside = descendantCount(mirror, id);
      const ok = await confirm({
        title: `Delete “${node.name}”?`,
        message:
          inside > 0
            ? `It and the ${inside} node${inside > 1 ? 's' : ''} inside it are deleted. Undo brings them back.`
            : 'Undo brings it back.',
        confirmLabel: 'Delete',
        danger: true,
      });
      if (!ok) return;
      // where the selection goes: the next sibling, else the previous one, else the parent
      const siblings = siblingsOf(mirror, node.parent_id);
      const at = siblings.indexOf(id);
      const next = siblings[at + 1] ?? siblings[at - 1] ?? node.parent_id;
      const done = await commands.run('DeleteNode', { node_id: id }, 'Could not delete');
      if (done && next && mirror.getNode(next)) setSelectedId(next);
    },
    [mirror, commands, confirm],
  );

  const refused = useCallback((reason: string) => show(`Not moved: ${reason}`, 'error'), [show]);
  const editing = useCallback(
    (propertyId: string | null) => mirror.setPresence({ editing_property_id: propertyId }),
    [mirror],
  );

  return (
    <div className="workspace-page">
      <ProjectHeader
        projectId={projectId}
        mirror={mirror}
        state={state}
        others={others}
        commands={commands}
        role={role}
        reloadRole={reloadRole}
        showHistory={showHistory}
        onToggleHistory={() => setShowHistory((s) => !s)}
      />
      {readOnly ? (
        <p className="read-only-banner" role="status" data-testid="read-only">
          {readOnly}
        </p>
      ) : null}
      <main className={`workspace${showHistory ? ' workspace--with-history' : ''}`}>
        <TreePane
          graph={mirror}
          version={version}
          schema={schema}
          rows={rows}
          expanded={expanded}
          selected={selected}
          onSelect={select}
          renamingId={renamingId}
          onRenamingChange={setRenamingId}
          onRename={rename}
          onMove={(p) => void move(p)}
          onDelete={(id) => void remove(id)}
          onAddChild={addChild}
          draft={
            draft
              ? { typeLabel: schema.typeLabel(draft.typeId), icon: schema.type(draft.typeId)?.icon }
              : null
          }
          onDraftDone={(name) => void finishDraft(name)}
          onRefused={refused}
          readOnly={readOnly}
          changed={highlights.nodes}
          othersByNode={othersByNode}
        />
        <section className="pane pane--inspector" aria-label="Inspector">
          <Inspector
            graph={mirror}
            version={version}
            schema={schema}
            node={selected}
            commands={commands}
            others={others}
            changedProperties={highlights.properties}
            onDelete={(id) => void remove(id)}
            onEditing={editing}
          />
        </section>
        {showHistory ? (
          <aside className="pane pane--history">
            <HistoryPanel projectId={projectId} mirror={mirror} revision={mirror.revision} schema={schema} />
          </aside>
        ) : null}
      </main>
      {confirmDialog}
    </div>
  );
}
