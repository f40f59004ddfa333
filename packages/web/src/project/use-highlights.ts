import type { ProjectMirror } from '@talus/client';
import { useEffect, useState } from 'react';

/** How long a change made by someone else stays highlighted. */
export const HIGHLIGHT_MS = 2000;

export interface Highlights {
  /** Nodes someone else just created, moved or changed. */
  nodes: ReadonlySet<string>;
  /** `${nodeId}/${propertyId}` of properties someone else just changed. */
  properties: ReadonlySet<string>;
}

const EMPTY: Highlights = { nodes: new Set(), properties: new Set() };

/** Changes from other people (revisions whose command ids are not this browser's), briefly. */
export function useHighlights(mirror: ProjectMirror, isMine: (commandId: string) => boolean): Highlights {
  const [state, setState] = useState<Highlights>(EMPTY);
  useEffect(() => {
    const timers = new Set<number>();
    const off = mirror.on('change', ({ events }) => {
      const commandId = events[0]?.command_id;
      if (commandId === undefined || isMine(commandId)) return;
      const touched: string[] = [];
      const props: string[] = [];
      for (const e of events) {
        if (e.event === 'property-changed' || e.event === 'property-deleted') {
          touched.push(e.node_id);
          props.push(`${e.node_id}/${e.property_id}`);
        } else if (e.event === 'node-created' || e.event === 'node-moved') touched.push(e.node_id);
        else if (e.event === 'node-linked' || e.event === 'node-unlinked') touched.push(e.child_id);
      }
      // the nodes named by the change itself (not parents whose list of children moved along)
      const nodes = touched.filter((id) => mirror.getNode(id) !== undefined);
      setState((s) => ({
        nodes: new Set([...s.nodes, ...nodes]),
        properties: new Set([...s.properties, ...props]),
      }));
      const t = window.setTimeout(() => {
        timers.delete(t);
        setState((s) => ({
          nodes: new Set([...s.nodes].filter((id) => !nodes.includes(id))),
          properties: new Set([...s.properties].filter((k) => !props.includes(k))),
        }));
      }, HIGHLIGHT_MS);
      timers.add(t);
    });
    return () => {
      off();
      for (const t of timers) window.clearTimeout(t);
    };
  }, [mirror, isMine]);
  return state;
}
