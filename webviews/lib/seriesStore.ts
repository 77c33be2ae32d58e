import type { SeriesData, SeriesDelta } from '../../src/shared/messages';

export interface Points {
  x: number[];
  y: number[];
}

/** The points the webview holds, per metric then run, kept in step with the extension's snapshots and deltas. */
export class SeriesStore {
  private readonly byMetric = new Map<string, Map<string, Points>>();

  reset(series: SeriesData[]): void {
    this.byMetric.clear();
    for (const s of series) this.set(s);
  }

  /** Apply deltas; returns the metrics whose points changed. */
  apply(deltas: SeriesDelta[]): Set<string> {
    const changed = new Set<string>();
    for (const d of deltas) {
      const held = this.byMetric.get(d.metric)?.get(d.runId);
      if (d.mode === 'append' && held) {
        held.x.push(...d.x);
        held.y.push(...d.y);
      } else {
        this.set(d);
      }
      changed.add(d.metric);
    }
    return changed;
  }

  get(metric: string, runId: string): Points | undefined {
    return this.byMetric.get(metric)?.get(runId);
  }

  /** How many points of a metric are plotted, over all runs. */
  count(metric: string): number {
    let n = 0;
    for (const p of this.byMetric.get(metric)?.values() ?? []) n += p.x.length;
    return n;
  }

  /** Points at or below zero, over all metrics and runs: what a log scale cannot draw. */
  nonPositive(): number {
    let n = 0;
    for (const runs of this.byMetric.values()) for (const p of runs.values()) for (const y of p.y) if (y <= 0) n++;
    return n;
  }

  private set(s: SeriesData): void {
    let runs = this.byMetric.get(s.metric);
    if (!runs) this.byMetric.set(s.metric, (runs = new Map()));
    runs.set(s.runId, { x: [...s.x], y: [...s.y] });
  }
}
