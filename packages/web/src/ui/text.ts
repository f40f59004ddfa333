/** `s` cut to at most `n` characters, the last of them an ellipsis when anything was cut. */
export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
