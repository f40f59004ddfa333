import { TalusError } from '@talus/client';

/**
 * The account routes of the server (PRODUCT.md section 9), which the SDK does not cover: sign-up, login,
 * logout, `GET /me`, API tokens and project members. Same origin: the browser sends the HTTP-only session
 * cookie by itself.
 */

export interface User {
  id: string;
  username: string;
  name: string;
  admin: boolean;
}

export interface AuthStatus {
  /** Accounts are on; false is the local single-user mode. */
  auth: boolean;
  signup?: 'first' | 'open';
  /** No account exists yet: the next sign-up makes the administrator. */
  first_account?: boolean;
}

export interface TokenSummary {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface CreatedToken {
  id: string;
  token: string;
  name: string;
  created_at: string;
}

export type Role = 'owner' | 'editor' | 'viewer';

export interface Member {
  username: string;
  name: string;
  role: Role;
}

const API = '/api/v1';

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new TalusError('UNAVAILABLE', `the server cannot be reached (${(err as Error).message})`);
  }
  const text = await res.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const error = (
      parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    )?.error;
    throw new TalusError(
      error?.code ?? 'INTERNAL',
      error?.message ?? `${res.status} ${res.statusText}`,
      res.status,
      error?.details,
    );
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const enc = encodeURIComponent;

export const accounts = {
  status: () => request<AuthStatus>('GET', '/auth/status'),
  me: () => request<{ user: User }>('GET', '/me').then((r) => r.user),
  signup: (body: { username: string; password: string; name?: string }) =>
    request<{ user: User }>('POST', '/auth/signup', body).then((r) => r.user),
  login: (username: string, password: string) =>
    request<{ user: User; expires_at: string }>('POST', '/auth/login', { username, password }).then(
      (r) => r.user,
    ),
  logout: () => request<void>('POST', '/auth/logout'),
  listTokens: () => request<{ tokens: TokenSummary[] }>('GET', '/tokens').then((r) => r.tokens),
  createToken: (name: string) => request<CreatedToken>('POST', '/tokens', { name }),
  revokeToken: (id: string) => request<void>('DELETE', `/tokens/${enc(id)}`),
  members: (projectId: string) =>
    request<{ members: Member[] }>('GET', `/projects/${enc(projectId)}/members`).then((r) => r.members),
  setMember: (projectId: string, username: string, role: Role) =>
    request<{ username: string; role: Role }>('POST', `/projects/${enc(projectId)}/members`, {
      username,
      role,
    }),
  removeMember: (projectId: string, username: string) =>
    request<void>('DELETE', `/projects/${enc(projectId)}/members/${enc(username)}`),
};

/** The message to show for any failure: the server's own message when there is one. */
export function messageOf(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return String(err);
}
