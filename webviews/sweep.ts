// The sweep panel: parallel coordinates, each parameter against the objective, parameter importance, the
// optimisation history with its best so far, and the intermediate values with pruned trials marked.
import './lib/panel.css';
import './sweep.css';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import { decodeSweepExtensionMessage, type SweepData, type SweepExtensionMessage, type SweepObjective, type SweepPanelState, type SweepWebviewMessage } from '../src/shared/messages';
import { el, showNotice } from './lib/dom';
import { canvasPng } from './lib/png';
import { objectiveAxis, parallelModel, quality, qualityColor, scatterPoints, type ParallelAxis } from './lib/sweepCharts';
import { formatCell } from './lib/table';
import { readTheme, watchTheme, type Theme } from './lib/theme';
import { onPanelMessage, postMessage, savePanelState, type Unversioned } from './lib/vscodeApi';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip);

const post = (m: Unversioned<SweepWebviewMessage>) => postMessage<SweepWebviewMessage>(m);

const state = {
  sweep: undefined as SweepData | undefined,
  theme: readTheme(),
};
const charts = new Map<string, Chart>();

// ---- page skeleton ----
const app = document.getElementById('app')!;
const title = el('h1', { textContent: 'Sweep' });
const metricSelect = el('select', { title: 'Objective metric' });
const goalSelect = el('select', { title: 'Goal' }, el('option', { value: 'minimize', textContent: 'minimize' }), el('option', { value: 'maximize', textContent: 'maximize' }));
const reduceSelect = el('select', { title: 'Which value of each trial' }, el('option', { value: 'last', textContent: 'last value' }), el('option', { value: 'best', textContent: 'best value' }));
const csvButton = el('button', { textContent: 'Trials CSV', title: 'Save the trials table as CSV' });
const notice = el('span', { className: 'notice', role: 'status' });
const summary = el('p', { className: 'summary' });
const warnings = el('ul', { className: 'warnings' });
const grid = el('div', { className: 'charts' });
app.append(
  el('header', { className: 'toolbar' }, title, el('label', {}, 'Objective', metricSelect), goalSelect, reduceSelect, csvButton, notice),
  summary,
  warnings,
  grid,
);

const setObjective = (objective: Partial<SweepObjective>) => post({ type: 'setObjective', objective });
metricSelect.addEventListener('change', () => setObjective({ metric: metricSelect.value }));
goalSelect.addEventListener('change', () => setObjective({ metric: metricSelect.value, goal: goalSelect.value as SweepObjective['goal'] }));
reduceSelect.addEventListener('change', () => setObjective({ reduce: reduceSelect.value as SweepObjective['reduce'] }));
csvButton.addEventListener('click', () => post({ type: 'exportCsv' }));

// ---- chart helpers ----
function axisStyle(theme: Theme) {
  return { grid: { color: theme.grid }, ticks: { color: theme.foreground, maxTicksLimit: 8 }, border: { color: theme.grid } };
}

function exportPng(name: string): void {
  const chart = charts.get(name);
  if (chart) post({ type: 'exportPng', chart: name, dataUrl: canvasPng(chart.canvas, state.theme.background) });
}

/** A figure with a caption and a canvas; the chart is made by `make` once the canvas is in the page. */
function figure(name: string, caption: string, make: (canvas: HTMLCanvasElement) => Chart, options: { wide?: boolean; note?: string } = {}): void {
  const canvas = el('canvas', { role: 'img', ariaLabel: caption });
  canvas.dataset.chart = name;
  const png = el('button', { textContent: 'PNG', title: `Save ${caption} as PNG` });
  png.addEventListener('click', () => exportPng(name));
  const fig = el(
    'figure',
    { className: options.wide ? 'wide' : '' },
    el('figcaption', {}, el('span', { className: 'title', textContent: caption }), png),
    el('div', { className: 'canvas-box' }, canvas),
  );
  if (options.note) fig.append(el('p', { className: 'note', textContent: options.note }));
  grid.append(fig);
  charts.set(name, make(canvas));
}

/** Draws the parallel-coordinate axes: a vertical line per axis with its ticks, and its name above it. */
function parallelAxesPlugin(axes: ParallelAxis[]): Plugin<'line'> {
  return {
    id: 'parallelAxes',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const theme = state.theme;
      ctx.save();
      ctx.strokeStyle = theme.foreground;
      ctx.fillStyle = theme.foreground;
      ctx.lineWidth = 1;
      ctx.font = `11px ${theme.font}`;
      axes.forEach((axis, i) => {
        const x = scales.x.getPixelForValue(i);
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.textAlign = i === 0 ? 'left' : i === axes.length - 1 ? 'right' : 'center';
        ctx.textBaseline = 'bottom';
        ctx.fillText(axis.name, x, chartArea.top - 6);
        ctx.textAlign = i === axes.length - 1 ? 'right' : 'left';
        ctx.textBaseline = 'middle';
        for (const tick of axis.ticks) {
          const y = scales.y.getPixelForValue(tick.at);
          ctx.fillText(tick.label, x + (i === axes.length - 1 ? -5 : 5), y);
        }
      });
      ctx.restore();
    },
  };
}

// ---- the charts ----
function parallelChart(sweep: SweepData): (canvas: HTMLCanvasElement) => Chart {
  const model = parallelModel(sweep);
  return (canvas) => {
    const config: ChartConfiguration<'line', ({ x: number; y: number } | null)[]> = {
      type: 'line',
      data: {
        datasets: model.lines.map((line) => ({
          label: line.label,
          data: line.points,
          borderColor: qualityColor(line.quality, state.theme.kind, line.pruned ? 0.35 : 0.9),
          borderDash: line.pruned ? [4, 3] : [],
          borderWidth: line.runId === sweep.bestRunId ? 3 : 1.5,
          pointRadius: 0,
          pointHitRadius: 4,
          spanGaps: false,
        })),
      },
      options: {
        animation: false,
        parsing: false,
        maintainAspectRatio: false,
        layout: { padding: { top: 22, left: 8, right: 8 } },
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', display: false, min: 0, max: model.axes.length - 1 },
          y: { type: 'linear', display: false, min: -0.02, max: 1.02 },
        },
        plugins: { tooltip: { callbacks: { label: (item) => String(item.dataset.label) } } },
      },
      plugins: [parallelAxesPlugin(model.axes)],
    };
    return new Chart(canvas, config);
  };
}

function scatterChart(sweep: SweepData, axisIndex: number): (canvas: HTMLCanvasElement) => Chart {
  const axis = sweep.axes[axisIndex];
  const points = scatterPoints(sweep.trials, axisIndex);
  const byRun = new Map(sweep.trials.map((t) => [t.runId, t]));
  const objective = objectiveAxis(sweep);
  const foreground = state.theme.foreground;
  const common = { ...axisStyle(state.theme), title: { display: true, text: axis.name, color: foreground } };
  const xScale =
    axis.kind === 'categorical'
      ? { type: 'linear' as const, ...common, min: -0.5, max: axis.categories.length - 0.5, ticks: { color: foreground, stepSize: 1, callback: (v: number | string) => axis.categories[Number(v)] ?? '' } }
      : axis.log
        ? { type: 'logarithmic' as const, ...common }
        : { type: 'linear' as const, ...common };
  return (canvas) =>
    new Chart(canvas, {
      type: 'scatter',
      data: {
        datasets: [
          {
            label: axis.name,
            data: points,
            pointBackgroundColor: points.map((p) => (p.pruned ? 'transparent' : qualityColor(quality(sweep, objective, p.y), state.theme.kind))),
            pointBorderColor: points.map((p) => (p.pruned ? state.theme.foreground : 'transparent')),
            pointStyle: points.map((p) => (p.pruned ? 'crossRot' : 'circle')),
            pointRadius: 4,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: xScale,
          y: { type: 'linear', ...axisStyle(state.theme), title: { display: true, text: sweep.objective.metric, color: state.theme.foreground } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => {
                const p = item.raw as { x: number; y: number; runId: string };
                const t = byRun.get(p.runId)!;
                const x = axis.kind === 'categorical' ? axis.categories[p.x] : formatCell(p.x);
                return `#${t.number} ${t.name}: ${axis.name}=${x}, ${sweep.objective.metric}=${formatCell(p.y)}${t.pruned ? ' (pruned)' : ''}`;
              },
            },
          },
        },
      },
    });
}

function importanceChart(sweep: SweepData): (canvas: HTMLCanvasElement) => Chart {
  const params = sweep.importance.params;
  return (canvas) =>
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: params.map((p) => p.name),
        datasets: [{ label: 'share of variance', data: params.map((p) => p.importance), backgroundColor: qualityColor(0.55, state.theme.kind, 0.85) }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: 'y',
        scales: {
          x: { type: 'linear', min: 0, max: 1, ...axisStyle(state.theme), title: { display: true, text: 'share of the objective\u2019s variance (main effect)', color: state.theme.foreground } },
          y: { type: 'category', ...axisStyle(state.theme) },
        },
        plugins: { tooltip: { callbacks: { label: (item) => `${(Number(item.raw) * 100).toFixed(1)}%` } } },
      },
    });
}

function historyChart(sweep: SweepData): (canvas: HTMLCanvasElement) => Chart {
  const foreground = state.theme.foreground;
  return (canvas) =>
    new Chart(canvas, {
      type: 'scatter',
      data: {
        datasets: [
          {
            type: 'scatter',
            label: 'objective',
            data: sweep.history.map((h) => ({ x: h.number, y: h.value })),
            pointRadius: 3,
            pointBackgroundColor: sweep.history.map((h) => qualityColor(h.value === h.best ? 1 : 0.3, state.theme.kind)),
            pointBorderColor: 'transparent',
          },
          {
            type: 'line',
            label: 'best so far',
            data: sweep.history.map((h) => ({ x: h.number, y: h.best })),
            stepped: 'before',
            borderColor: foreground,
            borderWidth: 2,
            pointRadius: 0,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', ...axisStyle(state.theme), title: { display: true, text: 'trial', color: foreground }, ticks: { color: foreground, precision: 0 } },
          y: { type: 'linear', ...axisStyle(state.theme), title: { display: true, text: `${sweep.objective.metric} (${sweep.objective.goal})`, color: foreground } },
        },
        plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label} at trial ${item.parsed.x}: ${formatCell(item.parsed.y)}` } } },
      },
    });
}

function intermediateChart(sweep: SweepData): (canvas: HTMLCanvasElement) => Chart {
  const objective = sweep.objective.metric;
  const scored = sweep.trials.filter((t) => t.steps.length > 0);
  const objectives = scored.flatMap((t) => (t.objective === null ? [] : [t.objective]));
  const [lo, hi] = [Math.min(...objectives), Math.max(...objectives)];
  const q = (v: number | null) => (v === null || hi === lo ? 0.5 : sweep.objective.goal === 'minimize' ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo));
  return (canvas) =>
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: scored.map((t) => ({
          label: `#${t.number} ${t.name}${t.pruned ? ' (pruned)' : ''}`,
          data: t.steps.map((x, i) => ({ x, y: t.intermediate[i] })),
          borderColor: qualityColor(q(t.objective), state.theme.kind, t.pruned ? 0.5 : 0.9),
          borderDash: t.pruned ? [4, 3] : [],
          borderWidth: 1.5,
          // a pruned trial ends in a cross where it was stopped
          pointRadius: t.steps.map((_, i) => (t.pruned && i === t.steps.length - 1 ? 6 : 0)),
          pointStyle: 'crossRot',
          pointBorderColor: state.theme.foreground,
          pointBorderWidth: 2,
        })),
      },
      options: {
        animation: false,
        parsing: false,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', ...axisStyle(state.theme), title: { display: true, text: 'step', color: state.theme.foreground } },
          y: { type: 'linear', ...axisStyle(state.theme), title: { display: true, text: objective, color: state.theme.foreground } },
        },
        plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatCell(item.parsed.y)}` } } },
      },
    });
}

// ---- rendering ----
function render(): void {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  grid.replaceChildren();
  const sweep = state.sweep;
  if (!sweep) return;
  Chart.defaults.font.family = state.theme.font;
  Chart.defaults.color = state.theme.foreground;
  const pruned = sweep.trials.filter((t) => t.pruned).length;
  const best = sweep.trials.find((t) => t.runId === sweep.bestRunId);
  summary.textContent =
    `${sweep.trials.length} trial${sweep.trials.length === 1 ? '' : 's'}, ${pruned} pruned. ` +
    (best ? `Best: #${best.number} ${best.name}, ${sweep.objective.metric} = ${formatCell(best.objective)}.` : 'No trial has an objective value yet.');
  if (sweep.trials.length === 0) return;
  figure('parallel', 'Parallel coordinates', parallelChart(sweep), { wide: true, note: 'One line per trial, coloured by its objective (yellow best, purple worst); dashed lines are pruned trials, the thick one is the best.' });
  figure('history', 'Optimisation history', historyChart(sweep));
  figure('intermediate', 'Intermediate values', intermediateChart(sweep), { note: 'Dashed lines ending in a cross are pruned trials.' });
  const importance = sweep.importance;
  figure('importance', 'Parameter importance', importanceChart(sweep), {
    note: importance.params.length
      ? `${importance.method} Interactions: ${(importance.interactions * 100).toFixed(1)}%.`
      : `No importances: ${importance.reason ?? 'not enough trials'}.`,
  });
  sweep.axes.forEach((axis, i) => figure(`scatter:${axis.name}`, `${axis.name} vs ${sweep.objective.metric}`, scatterChart(sweep, i)));
  // what tests read back: how much each chart plots
  const count = (name: string) => charts.get(name)?.data.datasets ?? [];
  const scatters = [...charts.keys()].filter((k) => k.startsWith('scatter:'));
  Object.assign(document.body.dataset, {
    parallelLines: String(count('parallel').length),
    parallelAxes: String(sweep.axes.length + 1),
    historyPoints: String(count('history')[0]?.data.length ?? 0),
    intermediateSeries: String(count('intermediate').length),
    prunedMarked: String(count('intermediate').filter((d) => ((d as { borderDash?: number[] }).borderDash ?? []).length > 0).length),
    importanceBars: String(count('importance')[0]?.data.length ?? 0),
    scatterCharts: String(scatters.length),
    scatterPoints: String(scatters.reduce((n, k) => n + (charts.get(k)!.data.datasets[0]?.data.length ?? 0), 0)),
  });
}

function showControls(sweep: SweepData): void {
  title.textContent = `Sweep ${sweep.name}`;
  metricSelect.replaceChildren(...sweep.metrics.map((m) => el('option', { value: m, textContent: m })));
  metricSelect.value = sweep.objective.metric;
  goalSelect.value = sweep.objective.goal;
  reduceSelect.value = sweep.objective.reduce;
  warnings.replaceChildren(...sweep.warnings.map((w) => el('li', { textContent: w })));
}

function handle(message: SweepExtensionMessage): void {
  if (message.type === 'notice') {
    showNotice(notice, message.message, message.level);
    return;
  }
  state.sweep = message.sweep;
  savePanelState<SweepPanelState>({ sweep: message.sweep.name, objective: message.sweep.objective });
  showControls(message.sweep);
  render();
  app.setAttribute('aria-busy', 'false');
}

watchTheme((theme) => {
  state.theme = theme;
  render();
});

onPanelMessage(decodeSweepExtensionMessage, handle, (problem) => showNotice(notice, problem, 'error'));
post({ type: 'initialized', maxPoints: Math.max(100, Math.round(window.innerWidth / 2)) });
