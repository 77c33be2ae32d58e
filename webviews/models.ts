// The model versions panel: size, parameters, latency and accuracy of the chosen versions side by side, and their
// lineage (parents, quantized/distilled/LoRA children, runs, dataset versions) as a layered graph in SVG.
import './lib/panel.css';
import './models.css';
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { runHues } from '../src/core/charts/colors';
import { decodeModelsExtensionMessage, type ModelBar, type ModelsData, type ModelsExtensionMessage, type ModelsPanelState, type ModelsWebviewMessage } from '../src/shared/messages';
import { el, showNotice } from './lib/dom';
import { graphGeometry, NODE_HEIGHT, NODE_WIDTH } from './lib/lineageSvg';
import { canvasPng } from './lib/png';
import { formatCell } from './lib/table';
import { readTheme, runColor, watchTheme } from './lib/theme';
import { onPanelMessage, postMessage, savePanelState, type Unversioned } from './lib/vscodeApi';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const post = (m: Unversioned<ModelsWebviewMessage>) => postMessage<ModelsWebviewMessage>(m);
const SVG = 'http://www.w3.org/2000/svg';

const state = { models: undefined as ModelsData | undefined, theme: readTheme() };
const charts = new Map<string, Chart<'bar'>>();

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

const app = document.getElementById('app')!;
const notice = el('span', { className: 'notice', role: 'status' });
const warnings = el('ul', { className: 'warnings' });
const grid = el('div', { className: 'charts' });
const graphBox = el('section', { className: 'graph' });
const csvButton = el('button', { textContent: 'CSV', title: 'Save the compared versions as CSV' });
csvButton.addEventListener('click', () => post({ type: 'exportCsv' }));
app.append(el('header', { className: 'toolbar' }, el('h1', { textContent: 'Model versions' }), csvButton, notice), warnings, grid, el('h2', { textContent: 'Lineage' }), graphBox);

interface Measure {
  name: string;
  caption: string;
  value: (b: ModelBar) => number | null;
  unit: (b: ModelBar) => string;
  better: string;
}

/** File sizes in KB when every version is under a megabyte (small models would read as 0.00x MB). */
function sizeMeasure(versions: ModelBar[]): Measure {
  const [unit, scale] = versions.every((b) => b.sizeBytes < 1e6) ? ['KB', 1e3] : ['MB', 1e6];
  return { name: 'size', caption: `File size (${unit})`, value: (b) => b.sizeBytes / scale, unit: () => unit, better: 'lower is better' };
}

const MEASURES: Measure[] = [
  { name: 'parameters', caption: 'Parameters', value: (b) => b.parameterCount, unit: () => '', better: 'lower is smaller' },
  { name: 'latency', caption: 'Latency (ms)', value: (b) => b.latencyMs, unit: (b) => `ms (${b.latencyMetric})`, better: 'lower is better' },
  { name: 'accuracy', caption: 'Accuracy', value: (b) => b.accuracy, unit: (b) => `(${b.accuracyMetric})`, better: 'higher is better' },
];

function exportPng(name: string): void {
  const chart = charts.get(name);
  if (chart) post({ type: 'exportPng', chart: name, dataUrl: canvasPng(chart.canvas, state.theme.background) });
}

function barChart(measure: Measure, versions: ModelBar[]): void {
  const canvas = el('canvas', { role: 'img', ariaLabel: `${measure.caption} by model version` });
  canvas.dataset.chart = measure.name;
  const png = el('button', { textContent: 'PNG', title: `Save the ${measure.caption} chart as PNG` });
  png.addEventListener('click', () => exportPng(measure.name));
  const missing = versions.filter((b) => measure.value(b) === null).map((b) => b.ref);
  const fig = el(
    'figure',
    {},
    el('figcaption', {}, el('span', { className: 'title', textContent: measure.caption }), el('span', { className: 'better', textContent: measure.better }), png),
    el('div', { className: 'canvas-box' }, canvas),
  );
  if (missing.length) fig.append(el('p', { className: 'note', textContent: `not recorded for ${missing.join(', ')}` }));
  grid.append(fig);
  const theme = state.theme;
  const hues = runHues(versions.map((b) => b.ref));
  const axis = { grid: { color: theme.grid }, ticks: { color: theme.foreground }, border: { color: theme.grid } };
  charts.set(
    measure.name,
    new Chart<'bar'>(canvas, {
      type: 'bar',
      data: {
        labels: versions.map((b) => b.ref),
        datasets: [
          {
            label: measure.caption,
            // a version without the metric gets no bar (null), not a zero that would read as a measurement
            data: versions.map((b) => measure.value(b)) as number[],
            backgroundColor: versions.map((b) => runColor(hues.get(b.ref)!, theme.kind, 0.85)),
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { type: 'category', ...axis }, y: { type: 'linear', beginAtZero: true, ...axis } },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => {
                const b = versions[item.dataIndex];
                return `${b.ref}${b.technique ? ` (${b.technique})` : ''}: ${formatCell(item.parsed.y)} ${measure.unit(b)}`;
              },
            },
          },
        },
      },
    }),
  );
}

function renderGraph(models: ModelsData): void {
  const g = graphGeometry(models.graph);
  const arrow = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
  const edges = g.edges.map((e) =>
    svg('g', { class: 'edge' }, svg('path', { d: e.path, 'marker-end': 'url(#arrow)' }), svg('text', { x: e.labelX, y: e.labelY, 'text-anchor': 'middle' }, e.label)),
  );
  const nodes = g.nodes.map((n) =>
    svg(
      'g',
      { class: `node ${n.kind}${n.selected ? ' selected' : ''}${n.missing ? ' missing' : ''}`, transform: `translate(${n.x}, ${n.y})`, 'data-id': n.id },
      svg('title', {}, `${n.kind}: ${n.label}${n.detail ? ` — ${n.detail}` : ''}`),
      svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: n.kind === 'run' ? 14 : n.kind === 'dataset' ? 0 : 4 }),
      svg('text', { x: 8, y: 16, class: 'label' }, n.label.length > 21 ? `${n.label.slice(0, 20)}…` : n.label),
      svg('text', { x: 8, y: 31, class: 'detail' }, `${n.kind}${n.detail ? ` · ${n.detail}` : ''}`.slice(0, 26)),
    ),
  );
  const drawing = svg('svg', { width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}`, role: 'img', 'aria-label': 'Lineage graph' }, svg('defs', {}, arrow), ...edges, ...nodes);
  graphBox.replaceChildren(g.nodes.length ? drawing : el('p', { className: 'note', textContent: 'No lineage recorded.' }));
}

function render(): void {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  grid.replaceChildren();
  const models = state.models;
  if (!models) return;
  Chart.defaults.font.family = state.theme.font;
  Chart.defaults.color = state.theme.foreground;
  warnings.replaceChildren(...models.warnings.map((w) => el('li', { textContent: w })));
  if (models.versions.length === 0) {
    grid.append(el('p', { className: 'note', textContent: 'No model versions chosen.' }));
  } else {
    for (const measure of [sizeMeasure(models.versions), ...MEASURES]) barChart(measure, models.versions);
  }
  renderGraph(models);
  // what tests read back: bars per chart and the graph's size
  Object.assign(document.body.dataset, {
    barCharts: String(charts.size),
    bars: String([...charts.values()].reduce((n, c) => n + c.data.datasets[0].data.filter((v) => v !== null).length, 0)),
    graphNodes: String(models.graph.nodes.length),
    graphEdges: String(models.graph.edges.length),
  });
}

function handle(message: ModelsExtensionMessage): void {
  if (message.type === 'notice') {
    showNotice(notice, message.message, message.level);
    return;
  }
  state.models = message.models;
  savePanelState<ModelsPanelState>({ refs: message.models.versions.map((b) => b.ref) });
  render();
  app.setAttribute('aria-busy', 'false');
}

watchTheme((theme) => {
  state.theme = theme;
  render();
});
onPanelMessage(decodeModelsExtensionMessage, handle, (problem) => showNotice(notice, problem, 'error'));
post({ type: 'initialized', maxPoints: Math.max(100, window.innerWidth) });
