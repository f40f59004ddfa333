/**
 * Line icons (24×24, drawn with the current colour) for the template icon names the built-in templates
 * use (heroicons' names), and a few for the UI's own buttons. An unknown name gets a plain document.
 */

type Shape = {
  d?: string;
  circles?: Array<[number, number, number]>;
  rects?: Array<[number, number, number, number, number?]>;
};

const TYPE_ICONS: Record<string, Shape> = {
  truck: {
    d: 'M3 7h11v9H3z M14 10h4l3 3v3h-7',
    circles: [
      [7, 17.5, 1.8],
      [17, 17.5, 1.8],
    ],
  },
  flag: { d: 'M5 21V4 M5 4h12l-2.5 4 2.5 4H5' },
  'wrench-screwdriver': {
    d: 'M14.7 6.3a4 4 0 0 0-5.4 5.4L3.5 17.5l3 3 5.8-5.8a4 4 0 0 0 5.4-5.4l-2.6 2.6-2.4-.6-.6-2.4z',
  },
  'archive-box': { d: 'M3 4h18v4H3z M5 8v12h14V8 M10 12h4' },
  cog: {
    d: 'M12 2.5v3 M12 18.5v3 M2.5 12h3 M18.5 12h3 M5.3 5.3l2.1 2.1 M16.6 16.6l2.1 2.1 M5.3 18.7l2.1-2.1 M16.6 7.4l2.1-2.1',
    circles: [
      [12, 12, 3],
      [12, 12, 6.5],
    ],
  },
  'clipboard-document-check': { d: 'M9 3h6v3H9z M7 4.5H5V21h14V4.5h-2 M9 13.5l2 2 4-4' },
  users: {
    d: 'M3 20c0-3.3 2.7-6 6-6s6 2.7 6 6 M16 14.2c2.8.4 5 2.8 5 5.8',
    circles: [
      [9, 8, 3.2],
      [16.5, 8.5, 2.5],
    ],
  },
  user: { d: 'M4 21c0-4.4 3.6-8 8-8s8 3.6 8 8', circles: [[12, 8, 4]] },
  star: { d: 'M12 3l2.8 5.8 6.2.8-4.5 4.4 1.1 6.2L12 17.3l-5.6 2.9 1.1-6.2L3 9.6l6.2-.8z' },
  'musical-note': {
    d: 'M9 18V5l11-2v13',
    circles: [
      [6, 18, 3],
      [17, 16, 3],
    ],
  },
  'bug-ant': {
    d: 'M12 7a4 4 0 0 1 4 4v4a4 4 0 0 1-8 0v-4a4 4 0 0 1 4-4z M12 11v8 M8 11H4 M20 11h-4 M8 15H4 M20 15h-4 M9 3.5l1.5 3 M15 3.5l-1.5 3',
  },
  'building-office': {
    d: 'M4 21V3h11v18 M15 9h5v12 M2.5 21h19 M7 7h2 M11 7h1 M7 11h2 M11 11h1 M7 15h2 M11 15h1',
  },
  'calendar-days': {
    d: 'M3 10h18 M8 3v4 M16 3v4 M7.5 14h1 M11.5 14h1 M15.5 14h1 M7.5 17.5h1 M11.5 17.5h1',
    rects: [[3, 5, 18, 16, 2]],
  },
  check: { d: 'M5 12.5l4.5 4.5L19 7' },
  'computer-desktop': { d: 'M8 20h8 M12 16v4', rects: [[3, 4, 18, 12, 1.5]] },
  microphone: { d: 'M5 11a7 7 0 0 0 14 0 M12 18v3', rects: [[9, 3, 6, 11, 3]] },
  'presentation-chart-bar': { d: 'M3 4h18 M4 4v11h16V4 M12 15v5 M8 20.5h8 M8 11V9 M12 11V7 M16 11V8' },
  'queue-list': { d: 'M4 6h16 M4 12h16 M4 18h10' },
  'rectangle-stack': { d: 'M6 4h12 M4 8h16', rects: [[3, 12, 18, 8, 1.5]] },
  'rocket-launch': {
    d: 'M5 15c-1.5 1.5-2 5-2 5s3.5-.5 5-2 M9.5 15.5l-1-1C9.5 10 13 5 20 4c-1 7-6 10.5-10.5 11.5z',
    circles: [[14.5, 9.5, 1.5]],
  },
  'shield-check': { d: 'M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z M9 12l2 2 4-4' },
  sparkles: {
    d: 'M11 3l1.8 4.7 4.7 1.8-4.7 1.8L11 16l-1.8-4.7L4.5 9.5l4.7-1.8z M18.5 14l.9 2.1 2.1.9-2.1.9-.9 2.1-.9-2.1-2.1-.9 2.1-.9z',
  },
  document: { d: 'M6 3h8l4 4v14H6z M14 3v4h4' },
};

const UI_ICONS = {
  plus: { d: 'M12 5v14 M5 12h14' },
  trash: { d: 'M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13 M10 11v6 M14 11v6' },
  undo: { d: 'M9 14L4 9l5-5 M4 9h10a6 6 0 0 1 0 12h-3' },
  redo: { d: 'M15 14l5-5-5-5 M20 9H10a6 6 0 0 0 0 12h3' },
  'chevron-right': { d: 'M9 5l7 7-7 7' },
  'chevron-down': { d: 'M5 9l7 7 7-7' },
  history: { d: 'M3 12a9 9 0 1 0 3-6.7L3 8 M3 3v5h5 M12 7v5l3 3' },
  download: { d: 'M12 3v12 M7 10l5 5 5-5 M4 20h16' },
  upload: { d: 'M12 16V4 M7 9l5-5 5 5 M4 20h16' },
  pencil: { d: 'M4 20h4L19 9l-4-4L4 16z M13.5 6.5l4 4' },
  people: TYPE_ICONS.users!,
  key: { d: 'M14 10l7-7 M18 6l2 2 M16 8l2 2', circles: [[9, 15, 5]] },
  lock: { d: 'M8 11V7a4 4 0 0 1 8 0v4', rects: [[5, 11, 14, 10, 2]] },
  expand: { d: 'M4 9l8-6 8 6 M4 15l8 6 8-6' },
  collapse: { d: 'M4 3l8 6 8-6 M4 21l8-6 8 6' },
} satisfies Record<string, Shape>;

function Glyph({ shape, size, className }: { shape: Shape; size: number; className: string }) {
  return (
    <svg
      className={className}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.75}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {shape.d ? <path d={shape.d} /> : null}
      {shape.circles?.map(([cx, cy, r]) => (
        <circle key={`${cx}-${cy}-${r}`} cx={cx} cy={cy} r={r} />
      ))}
      {shape.rects?.map(([x, y, w, h, rx]) => (
        <rect key={`${x}-${y}`} x={x} y={y} width={w} height={h} rx={rx ?? 0} />
      ))}
    </svg>
  );
}

/** The icon of a node type (the template's `icon`), decorative: the type's name is said next to it. */
export function TypeIcon({ name, size = 18 }: { name: unknown; size?: number }) {
  const shape = (typeof name === 'string' && TYPE_ICONS[name]) || TYPE_ICONS.document!;
  return <Glyph shape={shape} size={size} className="type-icon" />;
}

export type UiIconName = keyof typeof UI_ICONS;

/** An icon of the UI's own buttons, decorative (the button has a label). */
export function Icon({ name, size = 18 }: { name: UiIconName; size?: number }) {
  return <Glyph shape={UI_ICONS[name]} size={size} className="icon" />;
}
