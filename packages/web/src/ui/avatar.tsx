/** Initials of a name: "Ada Lovelace" → "AL", "grace" → "G". */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  const first = parts[0]![0] ?? '?';
  const last = parts.length > 1 ? (parts[parts.length - 1]![0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** A round badge with a person's initials in their presence colour. */
export function Avatar({
  name,
  color,
  size = 26,
  title,
}: {
  name: string;
  color: string;
  size?: number;
  title?: string;
}) {
  return (
    <span
      className="avatar"
      style={{
        background: color,
        color: textOn(color),
        width: size,
        height: size,
        fontSize: Math.round(size * 0.42),
      }}
      title={title ?? name}
    >
      {initials(name)}
    </span>
  );
}

/** Black or white, whichever reads better on the colour (WCAG relative luminance). */
export function textOn(color: string): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return '#fff';
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = Number.parseInt(h!, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // contrast with white: 1.05 / (l + 0.05); with black: (l + 0.05) / 0.05
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#fff' : '#111';
}
