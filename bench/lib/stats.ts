/** Samples (milliseconds) and their percentiles. */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  add(x: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = x;
  }

  values(): number[] {
    return Array.from(this.data.subarray(0, this.n));
  }

  get count(): number {
    return this.n;
  }

  /** The value at quantile q (nearest rank), NaN when empty. */
  quantiles(...qs: number[]): number[] {
    if (this.n === 0) return qs.map(() => Number.NaN);
    const sorted = this.data.slice(0, this.n).sort();
    return qs.map((q) => sorted[Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1))]!);
  }

  summary(): LatencySummary {
    const [p50, p99, max] = this.quantiles(0.5, 0.99, 1);
    return { count: this.n, p50: p50!, p99: p99!, max: max! };
  }
}

/** Samples from several runs, pooled. */
export function pooled(...runs: number[][]): Samples {
  const s = new Samples();
  for (const r of runs) for (const x of r) s.add(x);
  return s;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
