import type { Actor, JsonObject } from '@talus/core';

const PALETTE = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#0f8a9d',
  '#f032e6',
  '#9a6324',
  '#469990',
  '#800000',
  '#808000',
  '#000075',
];
/** Presence updates of one session are sent at most this often (later ones coalesce into the next)… */
const BROADCAST_INTERVAL_MS = 50;
/**
 * …per this many clients in it: a list of N clients goes to N sockets, so a big session's lists are spaced
 * out in proportion (100 clients: every 200 ms, 1,000: every 2 s) to keep presence traffic linear in N.
 */
const CLIENTS_PER_INTERVAL = 25;

/** The pause before a session's next presence list, given how many clients its last one had. */
export function presenceInterval(clients: number): number {
  return BROADCAST_INTERVAL_MS * Math.max(1, Math.ceil(clients / CLIENTS_PER_INTERVAL));
}

/** One client's presence in one session; kept in `socket.data`, so every process can read it. */
export interface ClientPresence {
  client_id: string;
  user: Actor;
  color: string;
  selected_node_id: string | null;
  editing_property_id: string | null;
}

/** A stable colour per user: the same user keeps it across sockets, sessions and processes. */
export function colorOf(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export function newPresence(clientId: string, user: Actor): ClientPresence {
  return {
    client_id: clientId,
    user,
    color: colorOf(user.id),
    selected_node_id: null,
    editing_property_id: null,
  };
}

/**
 * Throttled presence broadcasts: a change schedules one broadcast of the session's whole list (read from
 * every process's sockets), so a fast typist cannot flood the room and the room always ends with the
 * latest state.
 */
export class PresenceBroadcaster {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** How many clients each session's last list had. */
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly list: (sessionId: string) => Promise<ClientPresence[]>,
    private readonly emit: (sessionId: string, payload: JsonObject) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  schedule(sessionId: string, projectId: string | null): void {
    if (this.timers.has(sessionId)) return;
    this.timers.set(
      sessionId,
      setTimeout(
        () => {
          this.timers.delete(sessionId);
          this.list(sessionId)
            .then((clients) => {
              if (clients.length > 0) this.sizes.set(sessionId, clients.length);
              else this.sizes.delete(sessionId);
              this.emit(sessionId, {
                session_id: sessionId,
                project_id: projectId,
                timestamp: new Date().toISOString(),
                clients: clients as unknown as JsonObject[],
              });
            })
            .catch(this.onError);
        },
        presenceInterval(this.sizes.get(sessionId) ?? 0),
      ),
    );
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.sizes.clear();
  }
}
