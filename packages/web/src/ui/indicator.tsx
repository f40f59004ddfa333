/**
 * The status indicator of a select option (`indicator_id` in the template): `empty`, `partial`, `filled`,
 * `alert`, or any other id (drawn as a neutral dot). Its meaning is also said in words (`label`).
 */
export function Indicator(props: { id: string | null; label: string; size?: number; decorative?: boolean }) {
  const { id, label, size = 14, decorative } = props;
  const kind = id ?? 'none';
  const className = `indicator indicator--${KNOWN.has(kind) ? kind : 'other'}`;
  if (decorative) {
    return (
      <svg className={className} width={size} height={size} viewBox="0 0 16 16" aria-hidden="true">
        {shape(kind)}
      </svg>
    );
  }
  return (
    <svg className={className} width={size} height={size} viewBox="0 0 16 16" role="img" aria-label={label}>
      <title>{label}</title>
      {shape(kind)}
    </svg>
  );
}

const KNOWN = new Set(['empty', 'partial', 'filled', 'alert', 'none']);

function shape(kind: string) {
  switch (kind) {
    case 'empty':
      return <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="2" />;
    case 'partial':
      return (
        <>
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="2" />
          <path d="M8 2a6 6 0 0 1 0 12z" fill="currentColor" />
        </>
      );
    case 'filled':
      return <circle cx="8" cy="8" r="7" fill="currentColor" />;
    case 'alert':
      return (
        <>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M8 4.2v4.6" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
          <circle cx="8" cy="11.6" r="1.1" fill="#fff" />
        </>
      );
    case 'none':
      return (
        <circle
          cx="8"
          cy="8"
          r="6"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.5"
          strokeDasharray="2.5 2"
        />
      );
    default:
      return <circle cx="8" cy="8" r="5" fill="currentColor" />;
  }
}
