import type { ExtensionMessage, RunInfo, SeriesData, SeriesDelta, SeriesOptions, TableData } from '../../shared/messages';
import { PROTOCOL_VERSION } from '../../shared/messages';
import { compareRecords, metricWarnings, readRun, type MetricStats, type RunComparison, type RunRecord } from '../runs';
import { MetricsCache } from '../runs/metricsCache';
import { columnStats, type MetricColumns, type RunMetrics } from '../runs/metricsColumns';
import { runPaths } from '../runs/record';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { runHues } from './colors';
import { toCsv } from './csv';
import { seriesData, seriesDelta, type SentSeries } from './series';

export type SnapshotMessage = Extract<ExtensionMessage, { type: 'snapshot' }>;
export type UpdateMessage = Extract<ExtensionMessage, { type: 'update' }>;

/** How long a panel's first snapshot may spend reading runs: it paints those, the other runs follow in an update. */
export const FIRST_PAINT_BUDGET_MS = 250;

/**
 * The plot width a panel prepares its first snapshot for before any webview reported one. The chart grid's columns
 * are 380 px at least and narrower than 576 px once a panel holds two (experiments.css): 400 fits plots 400-533 px wide.
 */
export const EXPECTED_PLOT_WIDTH = 400;

// Runs read at once: file reads overlap with parsing, and a time budget is checked between runs.
const CONCURRENCY = 4;

interface RunData {
  record: RunRecord;
  stats: Record<string, MetricStats>;
  warnings: string[];
}

interface ReadResult {
  runs: RunData[];
  warnings: string[];
  /** Runs left unread because the time budget ran out. */
  unread: number;
}

function tableOf(comparison: RunComparison): TableData {
  return {
    params: comparison.params.map((p) => ({ name: p.name, values: p.values.map((v) => v ?? null), differs: p.differs })),
    metrics: comparison.metrics.map((m) => ({
      name: m.name,
      goal: m.goal,
      last: m.values.map((c) => c?.last ?? null),
      best: m.values.map((c) => c?.best ?? null),
      bestRun: m.bestRun,
    })),
  };
}

interface Built {
  message: SnapshotMessage;
  /** What the webview holds once it has the message. */
  sent: Map<string, SentSeries>;
  runsAndTable: string;
}

/** A snapshot built ahead by `prefetch`, for these runs. */
interface Prepared extends Built {
  runIds: string;
}

const seriesKey = (runId: string, metric: string) => `${runId}\u0000${metric}`;

function statsOf(metrics: RunMetrics): Record<string, MetricStats> {
  return Object.fromEntries(Object.entries(metrics.series).flatMap(([name, c]) => {
    const stats = columnStats(c);
    return stats ? [[name, stats]] : [];
  }));
}

/**
 * The experiments panel's data: the chosen runs' metric curves (downsampled to the plot width) and their comparison
 * table. Remembers what the webview holds, so `update()` sends only appended points, and keeps each run's metrics
 * read so far, so an update or an option change parses only what runs appended.
 */
export class ExperimentsData {
  private sent = new Map<string, SentSeries>();
  private lastRunsAndTable = '';
  private prepared: Prepared | undefined;
  private readonly cache = new MetricsCache();

  constructor(
    private readonly layout: StoreLayout,
    public runIds: string[],
    public options: SeriesOptions,
  ) {}

  /**
   * Every series from scratch. With `budgetMs`, runs not read by then are left for the next `update()` (`loading`
   * says how many), so a large panel paints its first runs at once instead of after reading them all. A snapshot
   * `prefetch` prepared is handed out instead when it still fits (same runs and options, a plot width close enough).
   */
  async snapshot(budgetMs = Infinity): Promise<SnapshotMessage> {
    const prepared = this.prepared;
    this.prepared = undefined;
    if (prepared && this.fits(prepared)) {
      // the webview gets the prepared width: later updates downsample to it as well
      this.options.maxPoints = prepared.message.options.maxPoints;
      this.sent = prepared.sent;
      this.lastRunsAndTable = prepared.runsAndTable;
      return prepared.message;
    }
    const built = await this.build(this.options, budgetMs);
    this.sent = built.sent;
    this.lastRunsAndTable = built.runsAndTable;
    return built.message;
  }

  /**
   * Read the shown runs' metrics ahead of the first snapshot: a panel starts this while its webview loads, so the
   * snapshot asked for by `initialized` finds them in memory and can paint every run at once. Given the plot width
   * the webview will likely ask for (the last one it reported), the snapshot itself is built now too.
   */
  async prefetch(expectedMaxPoints?: number): Promise<void> {
    if (expectedMaxPoints === undefined) {
      await this.readRuns(Infinity, () => undefined);
      return;
    }
    this.prepared = { ...(await this.build({ ...this.options, maxPoints: expectedMaxPoints }, Infinity)), runIds: this.runIds.join('\u0000') };
  }

  /**
   * A prepared snapshot fits when nothing it was built from changed but the plot width, and its width is at most the
   * one asked for (never more points than pixels) and within the 25% a webview tolerates before it asks again.
   */
  private fits(prepared: Prepared): boolean {
    const { maxPoints, ...rest } = prepared.message.options;
    const { maxPoints: wanted, ...asked } = this.options;
    return (
      prepared.runIds === this.runIds.join('\u0000') &&
      JSON.stringify(rest) === JSON.stringify(asked) &&
      maxPoints <= wanted &&
      maxPoints >= 0.75 * wanted
    );
  }

  private async build(options: SeriesOptions, budgetMs: number): Promise<Built> {
    const sent = new Map<string, SentSeries>();
    const series: SeriesData[] = [];
    const read = await this.readRuns(budgetMs, (record, metrics) => {
      for (const [metric, columns] of Object.entries(metrics.series)) {
        const built = seriesData(record.id, metric, columns, options);
        series.push(built.data);
        sent.set(seriesKey(record.id, metric), built.sent);
      }
    });
    this.inRunOrder(series);
    const body = this.runsAndTable(read);
    return { message: { v: PROTOCOL_VERSION, type: 'snapshot', ...body, series, options: { ...options } }, sent, runsAndTable: JSON.stringify(body) };
  }

  /** What changed since the last snapshot or update (series the webview lacks come whole), or undefined. */
  async update(): Promise<UpdateMessage | undefined> {
    const deltas: SeriesDelta[] = [];
    const read = await this.readRuns(Infinity, (record, metrics) => {
      for (const [metric, columns] of Object.entries(metrics.series)) {
        const key = seriesKey(record.id, metric);
        const { delta, sent } = seriesDelta(record.id, metric, columns, this.options, this.sent.get(key));
        this.sent.set(key, sent);
        if (delta) deltas.push(delta);
      }
    });
    const body = this.runsAndTable(read);
    const text = JSON.stringify(body);
    if (deltas.length === 0 && text === this.lastRunsAndTable) return undefined;
    this.inRunOrder(deltas);
    this.lastRunsAndTable = text;
    return { v: PROTOCOL_VERSION, type: 'update', ...body, series: deltas };
  }

  /** One metric of every shown run at full resolution, unsmoothed: run, run_id, step, time (ISO), value. */
  async csv(metric: string): Promise<string> {
    const columns = new Map<string, MetricColumns | undefined>();
    const read = await this.readRuns(Infinity, (record, metrics) => columns.set(record.id, metrics.series[metric]));
    const rows = read.runs.flatMap(({ record }) => {
      const c = columns.get(record.id);
      return (c?.step ?? []).map((step, i) => [record.name, record.id, step, Number.isNaN(c!.time[i]) ? null : new Date(c!.time[i]).toISOString(), c!.value[i]]);
    });
    return toCsv(['run', 'run_id', 'step', 'time', 'value'], rows);
  }

  /** Runs are read concurrently: series go out in the panel's run order all the same. */
  private inRunOrder(series: { runId: string }[]): void {
    const order = new Map(this.runIds.map((id, i) => [id, i]));
    series.sort((p, q) => order.get(p.runId)! - order.get(q.runId)!);
  }

  /** Read the shown runs in their order; runs that no longer exist or are corrupt become warnings. */
  private async readRuns(budgetMs: number, use: (record: RunRecord, metrics: RunMetrics) => void): Promise<ReadResult> {
    const ids = this.runIds;
    const deadline = performance.now() + budgetMs;
    const found: (RunData | undefined)[] = new Array(ids.length);
    const warnings: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ids.length && performance.now() < deadline) {
        const index = next++;
        try {
          const record = await readRun(this.layout, ids[index]);
          const metrics = await this.cache.read(runPaths(this.layout, record.id).metrics, record.status !== 'running');
          use(record, metrics);
          const runWarnings = metricWarnings({ ...metrics, series: {} }).map((w) => `${record.name}: ${w}`);
          found[index] = { record, stats: statsOf(metrics), warnings: runWarnings };
        } catch (e) {
          if (!(e instanceof LatheError && (e.code === 'not-found' || e.code === 'corrupt-record'))) throw e;
          warnings.push(`run ${ids[index]} is not shown: ${e.message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
    this.cache.retain(new Set(ids.map((id) => runPaths(this.layout, id).metrics)));
    const runs = found.filter((r): r is RunData => r !== undefined);
    return { runs, warnings: [...warnings, ...runs.flatMap((r) => r.warnings)], unread: ids.length - next };
  }

  private runsAndTable(read: ReadResult): { runs: RunInfo[]; metrics: string[]; table: TableData; warnings: string[]; loading: number } {
    const table = tableOf(compareRecords(read.runs.map((r) => r.record), read.runs.map((r) => r.stats)));
    // hues over every shown run, read or not yet: a partial first snapshot already has the final colours
    const hues = runHues(this.runIds);
    const runs = read.runs.map(({ record: r }): RunInfo => ({ id: r.id, name: r.name, status: r.status, hue: hues.get(r.id)! }));
    return { runs, metrics: table.metrics.map((m) => m.name), table, warnings: read.warnings, loading: read.unread };
  }
}
