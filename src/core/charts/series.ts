import type { SeriesData, SeriesDelta, SeriesOptions } from '../../shared/messages';
import { downsampleIndices } from './lttb';
import type { MetricColumns } from '../runs/metricsColumns';
import { smoothEma } from './smoothing';

export interface XY {
  x: number[];
  y: number[];
}

/**
 * A metric's points on the chosen axis, smoothed at full resolution (smoothing after downsampling would average
 * different points at every zoom). On the time axis x is seconds since the series' first timed point; points
 * without a time are left out there. By step and unsmoothed, x and y are the columns' own arrays (not copied: a
 * hundred runs of 10,000 steps would make megabytes of garbage per snapshot), so callers copy what they keep.
 */
export function seriesXY(points: MetricColumns, options: Pick<SeriesOptions, 'xAxis' | 'smoothing'>): XY {
  if (options.xAxis === 'step') return { x: points.step, y: options.smoothing > 0 ? smoothEma(points.value, options.smoothing) : points.value };
  const x: number[] = [];
  const raw: number[] = [];
  const t0 = points.time.find((t) => !Number.isNaN(t)) ?? 0;
  points.time.forEach((t, i) => {
    if (Number.isNaN(t)) return;
    x.push((t - t0) / 1000);
    raw.push(points.value[i]);
  });
  return { x, y: smoothEma(raw, options.smoothing) };
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * `y` to nine significant digits: far finer than a pixel or the tooltips' four digits, and half the JSON of a full
 * double. A scaled Math.round, as toPrecision is several times slower on thousands of points per series.
 */
function plotValue(y: number): number {
  if (y === 0 || !Number.isFinite(y)) return y;
  const places = 8 - Math.floor(Math.log10(Math.abs(y)));
  if (places < 0 || places > 22) return Number(y.toPrecision(9));
  return Math.round(y * POW10[places]) / POW10[places];
}

const forPlot = (ys: number[]) => ys.map(plotValue);

export function downsampleXY(xy: XY, maxPoints: number): XY {
  if (xy.x.length <= maxPoints) return xy;
  const kept = downsampleIndices(xy.x, xy.y, maxPoints);
  return { x: kept.map((i) => xy.x[i]), y: kept.map((i) => xy.y[i]) };
}

/** What a webview holds of one series: `full` points of the axis' series were covered, `plotted` were sent. */
export interface SentSeries {
  full: number;
  plotted: number;
}

/** The whole series for a snapshot, at most `maxPoints` points. */
export function seriesData(runId: string, metric: string, points: MetricColumns, options: SeriesOptions): { data: SeriesData; sent: SentSeries } {
  const xy = seriesXY(points, options);
  const shown = downsampleXY(xy, options.maxPoints);
  return { data: { runId, metric, x: shown.x.slice(), y: forPlot(shown.y) }, sent: { full: xy.x.length, plotted: shown.x.length } };
}

/**
 * What to send for a series the webview already has: the new points appended while they fit the point budget,
 * else the whole series again, downsampled; nothing when no point was added. A shorter series (metrics rewritten)
 * is replaced.
 */
export function seriesDelta(
  runId: string,
  metric: string,
  points: MetricColumns,
  options: SeriesOptions,
  before: SentSeries | undefined,
): { delta?: SeriesDelta; sent: SentSeries } {
  const xy = seriesXY(points, options);
  const full = xy.x.length;
  if (before && full === before.full) return { sent: before };
  if (before && full > before.full && before.plotted + (full - before.full) <= options.maxPoints) {
    const delta: SeriesDelta = { runId, metric, mode: 'append', x: xy.x.slice(before.full), y: forPlot(xy.y.slice(before.full)) };
    return { delta, sent: { full, plotted: before.plotted + (full - before.full) } };
  }
  const shown = downsampleXY(xy, options.maxPoints);
  return { delta: { runId, metric, mode: 'replace', x: shown.x.slice(), y: forPlot(shown.y) }, sent: { full, plotted: shown.x.length } };
}
