import { type Actor, longerThan } from '@talus/core';

export const LOCAL_ACTOR: Actor = { id: 'local', name: 'Local user' };

/** The longest declared name, in characters (code points). */
const MAX_NAME = 100;

/**
 * With authentication off, the name a client declares (socket `auth.name`, REST `X-Talus-User`) is both the
 * actor's id and name, so two clients declaring one name are one actor; without one it is the local user.
 * Names are trimmed and cut to 100 characters.
 */
export function declaredActor(name: unknown): Actor {
  if (typeof name !== 'string') return LOCAL_ACTOR;
  const trimmed = name.trim();
  const cut = longerThan(trimmed, MAX_NAME)
    ? Array.from(trimmed).slice(0, MAX_NAME).join('').trim()
    : trimmed;
  return cut.length > 0 ? { id: cut, name: cut } : LOCAL_ACTOR;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The name in an `X-Talus-User` header. A header carries bytes, which Node hands over one character per
 * byte: a name is sent as its UTF-8 bytes (as curl sends what is typed, and the SDK encodes it), so those
 * bytes are decoded as UTF-8. Bytes that are not UTF-8 are taken as Latin-1, as they arrived.
 */
export function headerName(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  // plain ASCII needs no decoding
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range
  if (/^[\x00-\x7f]*$/.test(raw)) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
}
