// The experiments panel: one line chart per metric (a line per run), a run legend with filtering and highlight,
// and the sortable comparison table. All data comes from the extension; this page keeps only view state.
import './lib/panel.css';
import './experiments.css';
import { Chart, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip, type ChartDataset } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { ExtensionMessage, RunInfo, SeriesOptions, TableData } from '../src/shared/messages';
import { el, showNotice } from './lib/dom';
import { canvasPng } from './lib/png';
import { SeriesStore } from './lib/seriesStore';
import { formatCell, sortRows, tableModel, type Row } from './lib/table';
import { readTheme, runColor, watchTheme, type Theme } from './lib/theme';
import { onMessage, post, saveState } from './lib/vscodeApi';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, zoomPlugin);

type LineDataset = ChartDataset<'line', { x: number; y: number }[]> & { runId: string };

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
const charts = new Map<string, Chart<'line', { x: number; y: number }[]>>();

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

function lineStyle(run: RunInfo): Partial<LineDataset> {
  const dim = state.highlighted !== undefined && state.highlighted !== run.id;
  const color = runColor(run.hue, state.theme.kind, dim ? 0.15 : 1);
  return {
    borderColor: color,
    backgroundColor: color,
    borderWidth: state.highlighted === run.id ? 3 : 1.5,
    hidden: !visible(run),
    order: state.highlighted === run.id ? 0 : 1,
  };
}

function datasetsFor(metric: string): LineDataset[] {
  return state.runs.flatMap((run): LineDataset[] => {
    const points = store.get(metric, run.id);
    if (!points) return [];
    const data = points.x.map((x, i) => ({ x, y: points.y[i] }));
    // a line needs two points: a metric logged once (a final evaluation) is drawn as a dot
    const pointRadius = data.length === 1 ? 4 : 0;
    return [{ runId: run.id, label: run.name, data, pointRadius, pointHitRadius: 4, ...lineStyle(run) } as LineDataset];
  });
}

function scales(theme: Theme) {
  const axis = { grid: { color: theme.grid }, ticks: { color: theme.foreground, maxTicksLimit: 8 }, border: { color: theme.grid } };
  const xTitle = state.options?.xAxis === 'time' ? 'seconds since first metric' : 'step';
  return {
    x: { type: 'linear' as const, ...axis, title: { display: true, text: xTitle, color: theme.foreground } },
    y: { type: state.logScale ? ('logarithmic' as const) : ('linear' as const), ...axis },
  };
}

function setHighlight(runId: string | undefined): void {
  if (state.highlighted === runId) return;
  state.highlighted = runId;
  for (const chart of charts.values()) {
    for (const ds of chart.data.datasets as LineDataset[]) {
      const run = state.runs.find((r) => r.id === ds.runId);
      if (run) Object.assign(ds, lineStyle(run));
    }
    chart.update('none');
  }
  for (const item of Array.from(legendList.children)) item.classList.toggle('highlighted', (item as HTMLElement).dataset.runId === runId);
}

function createChart(metric: string, canvas: HTMLCanvasElement): Chart<'line', { x: number; y: number }[]> {
  const theme = state.theme;
  Chart.defaults.font.family = theme.font;
  return new Chart<'line', { x: number; y: number }[]>(canvas, {
    type: 'line',
    data: { datasets: datasetsFor(metric) },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      spanGaps: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', intersect: false, axis: 'xy' },
      onHover: (_event, elements) => {
        const ds = elements[0] && (charts.get(metric)?.data.datasets[elements[0].datasetIndex] as LineDataset | undefined);
        setHighlight(ds?.runId);
      },
      scales: scales(theme),
      plugins: {
        tooltip: {
          callbacks: { label: (item) => `${item.dataset.label}: ${formatCell(item.parsed.y)}` },
        },
        zoom: {
          zoom: { wheel: { enabled: true, modifierKey: 'ctrl' }, drag: { enabled: true }, mode: 'xy' },
          pan: { enabled: true, mode: 'xy', modifierKey: 'shift' },
        },
      },
    },
  });
}

function exportPng(metric: string): void {
  const chart = charts.get(metric);
  if (chart) post({ type: 'exportPng', metric, dataUrl: canvasPng(chart.canvas, state.theme.background) });
}

function renderCharts(): void {
  for (const chart of charts.values()) chart.destroy();
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
    const box = el('div', { className: 'canvas-box' }, canvas);
    box.addEventListener('mouseleave', () => setHighlight(undefined));
    chartGrid.append(el('figure', {}, el('figcaption', {}, el('span', { className: 'title', textContent: metric }), png, csv), box));
    charts.set(metric, createChart(metric, canvas));
  }
}

function refreshData(metrics: Iterable<string>): void {
  for (const metric of metrics) {
    const chart = charts.get(metric);
    if (!chart) continue;
    chart.data.datasets = datasetsFor(metric);
    chart.update('none');
  }
}

function restyle(): void {
  for (const chart of charts.values()) {
    for (const ds of chart.data.datasets as LineDataset[]) {
      const run = state.runs.find((r) => r.id === ds.runId);
      if (run) Object.assign(ds, lineStyle(run));
    }
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
  document.body.dataset.series = String([...charts.values()].reduce((n, c) => n + c.data.datasets.length, 0));
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
resetZoom.addEventListener('click', () => charts.forEach((c) => c.resetZoom()));
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
