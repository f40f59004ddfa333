import { createHash } from 'node:crypto';

/** RFC 4122 namespace for DNS names, used by the original to turn non-UUID node ids into UUIDs. */
export const NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in canonical 8-4-4-4-12 hex form (any version, any case). */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s);
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.subarray(0, 16)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The original's deterministic id: the first 16 bytes of SHA-1("<namespace>:<name>") (UTF-8),
 * printed as a UUID, lowercase, with no version or variant bits set.
 */
export function stableId(namespace: string, name: string): string {
  const digest = createHash('sha1').update(`${namespace}:${name}`, 'utf8').digest();
  return formatUuid(digest);
}

/** RFC 4122 version 5 UUID (SHA-1) of `name` in `namespace` (default: the DNS namespace). */
export function uuidv5(name: string, namespace: string = NAMESPACE_DNS): string {
  if (!isUuid(namespace)) throw new TypeError(`uuidv5 namespace is not a UUID: ${namespace}`);
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const digest = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = new Uint8Array(digest.subarray(0, 16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/** A node id from a project file: a valid UUID is kept (lowercased), any other string becomes uuidv5(DNS, id). */
export function nodeIdFromFile(id: string): string {
  return isUuid(id) ? id.toLowerCase() : uuidv5(id, NAMESPACE_DNS);
}
