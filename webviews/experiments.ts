// The experiments panel: one line chart per metric (a line per run), a run legend with filtering and highlight,
// and the sortable comparison table. All data comes from the extension; this page keeps only view state.
import './lib/panel.css';
import './experiments.css';
import { Chart, LinearScale, LineController, LineElement, LogarithmicScale, PointElement } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { ExtensionMessage, RunInfo, SeriesOptions, TableData } from '../src/shared/messages';
import { el, showNotice } from './lib/dom';
import { canvasPng } from './lib/png';
import { lineBounds, nearestPoint, runLinesPlugin, type DrawnLine, type RunLine } from './lib/runLines';
import { SeriesStore } from './lib/seriesStore';
import { formatCell, sortRows, tableModel, type Row } from './lib/table';
import { readTheme, runColor, watchTheme, type Theme } from './lib/theme';
import { tickLabel } from './lib/tickLabel';
import { onMessage, post, saveState } from './lib/vscodeApi';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, zoomPlugin);

type Point = { x: number; y: number };
/** A chart per metric: chart.js draws its axes from one invisible dataset (the lines' bounds), runLines the lines. */
interface MetricChart {
  chart: Chart<'line', Point[]>;
  drawn: DrawnLine[];
  tip: HTMLElement;
}

const state = {
  runs: [] as RunInfo[],
  metrics: [] as string[],
  table: { params: [], metrics: [] } as TableData,
  options: undefined as SeriesOptions | undefined,
  hidden: new Set<string>(),
  filter: '',
  highlighted: undefined as string | undefined,
  logScale: false,
  sort: undefined as { column: number; direction: 'asc' | 'desc' } | undefined,
  differencesOnly: false,
  theme: readTheme(),
};
const store = new SeriesStore();
const charts = new Map<string, MetricChart>();

// ---- page skeleton ----
const app = document.getElementById('app')!;
const xAxisSelect = el('select', { title: 'X axis' }, el('option', { value: 'step', textContent: 'Step' }), el('option', { value: 'time', textContent: 'Time (s)' }));
const smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: '0', title: 'Smoothing (EMA weight)' });
const smoothingValue = el('span', { textContent: '0.00' });
const logScale = el('input', { type: 'checkbox', title: 'Logarithmic y axis' });
const resetZoom = el('button', { textContent: 'Reset zoom', title: 'Ctrl+wheel or drag to zoom, Shift+drag to pan' });
const notice = el('span', { className: 'notice', role: 'status' });
const toolbar = el(
  'header',
  { className: 'toolbar' },
  el('label', {}, 'X axis', xAxisSelect),
  el('label', {}, 'Smoothing', smoothing, smoothingValue),
  el('label', {}, logScale, 'Log scale'),
  resetZoom,
  notice,
);
const warnings = el('ul', { className: 'warnings' });
const legendFilter = el('input', { type: 'search', placeholder: 'Filter runs', title: 'Show only runs whose name contains this text' });
const legendList = el('div', { role: 'list' });
const showAll = el('button', { textContent: 'All' });
const showNone = el('button', { textContent: 'None' });
const legend = el('aside', { className: 'legend', ariaLabel: 'Runs' }, legendFilter, el('div', { className: 'legend-actions' }, showAll, showNone), legendList);
const chartGrid = el('div', { className: 'charts' });
const differencesOnly = el('input', { type: 'checkbox' });
const tableEl = el('table');
const tableSection = el('section', { className: 'table-section' }, el('label', {}, differencesOnly, 'Only parameters that differ'), tableEl);
app.append(toolbar, warnings, el('div', { className: 'layout' }, legend, chartGrid), tableSection);

// ---- charts ----
const visible = (run: RunInfo) => !state.hidden.has(run.id) && run.name.toLowerCase().includes(state.filter);

/** The shown runs' lines of a metric, the highlighted one last (on top). */
function linesFor(metric: string): RunLine[] {
  const lines = state.runs.flatMap((run): RunLine[] => {
    const points = store.get(metric, run.id);
    if (!points || !visible(run)) return [];
    const dim = state.highlighted !== undefined && state.highlighted !== run.id;
    // 1 px lines are drawn as hairlines: 200 lines at 1.5 px took ten times longer to raster (~200 ms of first paint)
    return [{ runId: run.id, points, color: runColor(run.hue, state.theme.kind, dim ? 0.15 : 1), width: state.highlighted === run.id ? 3 : 1 }];
  });
  return [...lines.filter((l) => l.runId !== state.highlighted), ...lines.filter((l) => l.runId === state.highlighted)];
}

/** Two invisible points spanning the shown lines: chart.js fits its axes (and resets zoom) to them. */
function boundsFor(metric: string): Point[] {
  const b = lineBounds(linesFor(metric).map((l) => l.points), state.logScale);
  return b ? [{ x: b.minX, y: b.minY }, { x: b.maxX, y: b.maxY }] : [];
}

/** Linear ticks labelled by tickLabel; a log axis keeps chart.js's labels (it labels only some of its ticks). */
const linearTick = (value: number | string, _index: number, ticks: { value: number }[]) =>
  tickLabel(Number(value), ticks.length > 1 ? ticks[1].value - ticks[0].value : Number(value));

function scales(theme: Theme) {
  const axis = (linear: boolean) => ({
    grid: { color: theme.grid },
    ticks: { color: theme.foreground, maxTicksLimit: 8, ...(linear ? { callback: linearTick } : {}) },
    border: { color: theme.grid },
  });
  const xTitle = state.options?.xAxis === 'time' ? 'seconds since first metric' : 'step';
  return {
    x: { type: 'linear' as const, ...axis(true), title: { display: true, text: xTitle, color: theme.foreground } },
    y: { type: state.logScale ? ('logarithmic' as const) : ('linear' as const), ...axis(!state.logScale) },
  };
}

function setHighlight(runId: string | undefined): void {
  if (state.highlighted === runId) return;
  state.highlighted = runId;
  for (const { chart } of charts.values()) chart.draw();
  for (const item of Array.from(legendList.children)) item.classList.toggle('highlighted', (item as HTMLElement).dataset.runId === runId);
}

/** Hovering a chart highlights the run nearest the pointer and shows its value there. */
function hover(metric: string, x: number, y: number): void {
  const entry = charts.get(metric);
  if (!entry) return;
  const near = nearestPoint(entry.drawn, x, y);
  const run = near && state.runs.find((r) => r.id === near.runId);
  const points = near && store.get(metric, near.runId);
  setHighlight(run?.id);
  if (!near || !run || !points) {
    entry.tip.hidden = true;
    return;
  }
  const xLabel = state.options?.xAxis === 'time' ? `${formatCell(points.x[near.index])} s` : `step ${points.x[near.index]}`;
  entry.tip.textContent = `${run.name}: ${formatCell(points.y[near.index])} (${xLabel})`;
  entry.tip.hidden = false;
  // beside the pointer, on the side with more room
  entry.tip.style.left = x > entry.chart.width / 2 ? `${x - 12 - entry.tip.offsetWidth}px` : `${x + 12}px`;
  entry.tip.style.top = `${y + 12}px`;
}

function createChart(metric: string, canvas: HTMLCanvasElement, tip: HTMLElement): MetricChart {
  const theme = state.theme;
  Chart.defaults.font.family = theme.font;
  const entry: MetricChart = { drawn: [], tip, chart: undefined as unknown as MetricChart['chart'] };
  entry.chart = new Chart<'line', Point[]>(canvas, {
    type: 'line',
    data: { datasets: [{ data: boundsFor(metric), showLine: false, pointRadius: 0, pointHitRadius: 0 }] },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      maintainAspectRatio: false,
      events: ['mousemove', 'mouseout'],
      onHover: (event) => (event.x === null || event.y === null ? undefined : hover(metric, event.x, event.y)),
      scales: scales(theme),
      plugins: {
        zoom: {
          zoom: { wheel: { enabled: true, modifierKey: 'ctrl' }, drag: { enabled: true }, mode: 'xy' },
          pan: { enabled: true, mode: 'xy', modifierKey: 'shift' },
        },
      },
    },
    plugins: [runLinesPlugin(() => linesFor(metric), (drawn) => (entry.drawn = drawn))],
  });
  return entry;
}

function exportPng(metric: string): void {
  const entry = charts.get(metric);
  if (entry) post({ type: 'exportPng', metric, dataUrl: canvasPng(entry.chart.canvas, state.theme.background) });
}

function renderCharts(): void {
  for (const { chart } of charts.values()) chart.destroy();
  charts.clear();
  chartGrid.replaceChildren();
  if (state.metrics.length === 0) {
    chartGrid.append(el('p', { className: 'empty', textContent: state.runs.length ? 'These runs have not reported metrics yet.' : 'No runs to show.' }));
    return;
  }
  for (const metric of state.metrics) {
    const canvas = el('canvas', { role: 'img', ariaLabel: `${metric} by ${state.options?.xAxis ?? 'step'}` });
    canvas.dataset.metric = metric;
    const png = el('button', { textContent: 'PNG', title: `Save the ${metric} chart as PNG` });
    const csv = el('button', { textContent: 'CSV', title: `Save every point of ${metric} as CSV` });
    png.addEventListener('click', () => exportPng(metric));
    csv.addEventListener('click', () => post({ type: 'exportCsv', metric }));
    const tip = el('div', { className: 'chart-tip', role: 'tooltip', hidden: true });
    const box = el('div', { className: 'canvas-box' }, canvas, tip);
    box.addEventListener('mouseleave', () => {
      tip.hidden = true;
      setHighlight(undefined);
    });
    chartGrid.append(el('figure', {}, el('figcaption', {}, el('span', { className: 'title', textContent: metric }), png, csv), box));
    charts.set(metric, createChart(metric, canvas, tip));
  }
}

function refreshData(metrics: Iterable<string>): void {
  for (const metric of metrics) {
    const entry = charts.get(metric);
    if (!entry) continue;
    entry.chart.data.datasets[0].data = boundsFor(metric);
    entry.chart.update('none');
  }
}

/** Shown runs, highlight, theme or axis type changed: bounds, scales and lines again. */
function restyle(): void {
  for (const [metric, { chart }] of charts) {
    chart.data.datasets[0].data = boundsFor(metric);
    chart.options.scales = scales(state.theme);
    chart.update('none');
  }
}

// ---- legend ----
function renderLegend(): void {
  legendList.replaceChildren(
    ...state.runs.map((run) => {
      const box = el('input', { type: 'checkbox', checked: !state.hidden.has(run.id), title: `Show ${run.name}` });
      box.addEventListener('change', () => {
        if (box.checked) state.hidden.delete(run.id);
        else state.hidden.add(run.id);
        restyle();
        renderTable();
      });
      const swatch = el('span', { className: 'swatch' });
      swatch.style.background = runColor(run.hue, state.theme.kind);
      const item = el('label', { className: 'legend-item', title: `${run.name} (${run.id})` }, box, swatch, run.name, el('span', { className: 'status', textContent: run.status }));
      item.setAttribute('role', 'listitem');
      item.dataset.runId = run.id;
      item.hidden = !run.name.toLowerCase().includes(state.filter);
      item.addEventListener('mouseenter', () => setHighlight(run.id));
      item.addEventListener('mouseleave', () => setHighlight(undefined));
      return item;
    }),
  );
}

// ---- table ----
function renderTable(): void {
  const model = tableModel(state.runs, state.table);
  const shownColumns = model.columns.map((c, i) => ({ c, i })).filter(({ c }) => !(state.differencesOnly && c.kind === 'param' && !c.differs));
  let rows: Row[] = model.rows;
  if (state.sort) rows = sortRows(rows, state.sort.column, state.sort.direction);
  const head = el(
    'tr',
    {},
    ...shownColumns.map(({ c, i }) => {
      const th = el('th', { textContent: c.label, tabIndex: 0, className: c.differs ? 'differs' : '', title: c.goal ? `${c.label} (last value; ${c.goal === 'minimize' ? 'lower' : 'higher'} is better, best underlined)` : c.differs ? 'differs between runs' : c.label });
      th.setAttribute('aria-sort', state.sort?.column === i ? (state.sort.direction === 'asc' ? 'ascending' : 'descending') : 'none');
      const sort = () => {
        state.sort = { column: i, direction: state.sort?.column === i && state.sort.direction === 'asc' ? 'desc' : 'asc' };
        renderTable();
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), sort()));
      return th;
    }),
  );
  const body = rows.map((row) => {
    const tr = el(
      'tr',
      { className: visible(row.run) ? '' : 'hidden-run' },
      ...shownColumns.map(({ c, i }) => {
        const value = row.cells[i];
        const td = el('td', { textContent: formatCell(value) });
        td.className = [typeof value === 'number' ? 'number' : '', c.differs ? 'differs' : '', row.best[i] ? 'best' : ''].filter(Boolean).join(' ');
        return td;
      }),
    );
    tr.addEventListener('mouseenter', () => setHighlight(row.run.id));
    tr.addEventListener('mouseleave', () => setHighlight(undefined));
    return tr;
  });
  tableEl.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
}

// ---- messages ----
function showWarnings(list: string[]): void {
  warnings.replaceChildren(...list.map((w) => el('li', { textContent: w })));
}

function handle(message: ExtensionMessage): void {
  if (message.type === 'notice') {
    showNotice(notice, message.message, message.level);
    return;
  }
  // charts are rebuilt (and their zoom reset) only when what they show changes shape: other runs, metrics or x axis
  const rebuild =
    message.runs.map((r) => r.id).join('\u0000') !== state.runs.map((r) => r.id).join('\u0000') ||
    message.metrics.join('\u0000') !== state.metrics.join('\u0000') ||
    (message.type === 'snapshot' && message.options.xAxis !== state.options?.xAxis);
  state.runs = message.runs;
  state.metrics = message.metrics;
  state.table = message.table;
  showWarnings(message.warnings);
  showNotice(notice, message.loading ? `Loading ${message.loading} more run${message.loading === 1 ? '' : 's'}…` : '');
  if (message.type === 'snapshot') {
    state.options = message.options;
    xAxisSelect.value = message.options.xAxis;
    smoothing.value = String(message.options.smoothing);
    smoothingValue.textContent = message.options.smoothing.toFixed(2);
    store.reset(message.series);
  }
  // after every message: the runs of a snapshot sent in parts are all known only after its last update
  if (state.options) saveState({ runIds: state.runs.map((r) => r.id), options: state.options });
  const changed = message.type === 'update' ? store.apply(message.series) : new Set(state.metrics);
  if (rebuild) renderCharts();
  else refreshData(changed);
  renderLegend();
  renderTable();
  app.setAttribute('aria-busy', 'false');
  document.body.dataset.points = String(state.metrics.reduce((n, m) => n + store.count(m), 0));
  // what tests and the bench read back: how much is plotted
  document.body.dataset.series = String(state.metrics.reduce((n, m) => n + state.runs.filter((r) => store.get(m, r.id)).length, 0));
}

// ---- controls ----
const setOptions = (options: Partial<SeriesOptions>) => post({ type: 'setOptions', options });
xAxisSelect.addEventListener('change', () => setOptions({ xAxis: xAxisSelect.value as SeriesOptions['xAxis'] }));
smoothing.addEventListener('input', () => (smoothingValue.textContent = Number(smoothing.value).toFixed(2)));
smoothing.addEventListener('change', () => setOptions({ smoothing: Number(smoothing.value) }));
logScale.addEventListener('change', () => {
  state.logScale = logScale.checked;
  restyle();
  const undrawn = state.logScale ? store.nonPositive() : 0;
  showNotice(notice, undrawn ? `Log scale: ${undrawn} point${undrawn === 1 ? '' : 's'} at or below zero not drawn` : '');
});
resetZoom.addEventListener('click', () => charts.forEach(({ chart }) => chart.resetZoom()));
legendFilter.addEventListener('input', () => {
  state.filter = legendFilter.value.trim().toLowerCase();
  renderLegend();
  restyle();
  renderTable();
});
showAll.addEventListener('click', () => {
  state.hidden.clear();
  renderLegend();
  restyle();
  renderTable();
});
showNone.addEventListener('click', () => {
  state.runs.forEach((r) => state.hidden.add(r.id));
  renderLegend();
  restyle();
  renderTable();
});
differencesOnly.addEventListener('change', () => {
  state.differencesOnly = differencesOnly.checked;
  renderTable();
});
watchTheme((theme) => {
  state.theme = theme;
  Chart.defaults.font.family = theme.font;
  restyle();
  renderLegend();
});

/** A chart's canvas width in CSS pixels (measured on a probe laid out like a chart): no series needs more points. */
function plotWidth(): number {
  const box = el('div', { className: 'canvas-box' });
  const probe = el('figure', {}, box);
  chartGrid.append(probe);
  const width = box.clientWidth;
  probe.remove();
  return Math.max(100, Math.round(width || window.innerWidth));
}
let requestedWidth = plotWidth();
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    const width = plotWidth();
    if (Math.abs(width - requestedWidth) / requestedWidth > 0.25) {
      requestedWidth = width;
      setOptions({ maxPoints: width });
    }
  }, 500);
});

onMessage(handle, (problem) => showNotice(notice, problem, 'error'));
post({ type: 'initialized', maxPoints: requestedWidth });
