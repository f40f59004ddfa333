import type { Json, SchemaProperty } from '@talus/client';

/** The longest text or editor value the server accepts (PRODUCT.md section 3). */
export const MAX_TEXT = 100_000;

export type Parsed = { ok: true; value: Json | null } | { ok: false; message: string };

const fail = (message: string): Parsed => ({ ok: false, message });
const ok = (value: Json | null): Parsed => ({ ok: true, value });

/** An empty input: clears the value, unless the property is required. */
function empty(p: SchemaProperty): Parsed {
  return p.required ? fail(`${p.label} is required: it cannot be empty`) : ok(null);
}

/** A calendar date `YYYY-MM-DD` that exists (no 2025-02-30). */
export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** A number typed by a person: spaces and thousands separators (`,`) allowed; for currency a `$` too. */
function parseNumber(raw: string, currency: boolean): number | null {
  let s = raw.trim().replace(/[\s,]/g, '');
  if (currency) s = s.replace(/^(-?)\$/, '$1').replace(/^\$/, '');
  if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * Turn what was typed into a property into the value to send, or say why it cannot be sent — the rules
 * of PRODUCT.md section 3, so that an invalid value is explained next to its field and never sent.
 */
export function parseInput(p: SchemaProperty, raw: string): Parsed {
  switch (p.type) {
    case 'text':
    case 'editor':
      if (raw.length === 0) return empty(p);
      if (raw.length > MAX_TEXT)
        return fail(
          `At most ${MAX_TEXT.toLocaleString()} characters (this has ${raw.length.toLocaleString()})`,
        );
      return ok(raw);
    case 'number': {
      if (raw.trim() === '') return empty(p);
      const n = parseNumber(raw, false);
      return n === null ? fail('Enter a number, like 42 or 3.5') : ok(n);
    }
    case 'currency': {
      if (raw.trim() === '') return empty(p);
      const n = parseNumber(raw, true);
      if (n === null) return fail('Enter an amount, like 1250 or 1,250.99');
      if (Math.round(n * 100) / 100 !== n) return fail('An amount has at most 2 decimals (cents)');
      return ok(n);
    }
    case 'date':
      if (raw === '') return empty(p);
      return isRealDate(raw) ? ok(raw) : fail('Enter a real date (year-month-day)');
    default:
      return fail(`${p.type} values are not edited here`);
  }
}

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** A currency value as shown when not being edited: "$1,250.00". */
export function formatCurrency(value: Json | undefined): string {
  return typeof value === 'number' ? money.format(value) : '';
}

/** The text an input starts with for a stored value. */
export function inputText(p: SchemaProperty, value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  if (p.type === 'currency' && typeof value === 'number') return value.toFixed(2);
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}
