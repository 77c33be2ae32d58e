import { topologicalOrder, type Dag } from '../dag';
import type { StageStatus } from './run';

export interface DagPictureOptions {
  /** Colours the stages by the outcome of a run. */
  statuses?: Record<string, StageStatus>;
  /** Tooltip per stage (its command). */
  details?: Record<string, string>;
}

const FONT_SIZE = 13;
/** Width of one character of the monospace font at FONT_SIZE, to size boxes without measuring text. */
const CHAR_WIDTH = 7.9;
const BOX_HEIGHT = 30;
const PAD_X = 14;
const GAP_X = 64;
const GAP_Y = 18;
const MARGIN = 16;

const FILL: Record<StageStatus | 'none', string> = {
  'none': '#eef2f7',
  'ran': '#d4f3dc',
  'up-to-date': '#e4ecf7',
  'would-run': '#fff4cc',
  'failed': '#fbd5d5',
  'upstream-failed': '#eeeeee',
  'cancelled': '#f3e1c8',
};

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Waypoints of an edge crossing a layer: a thin slot of its own, so long edges never run behind a box. */
const VIA_HEIGHT = 4;
const isVia = (id: string) => id.startsWith('\0');

interface Layout {
  layers: string[][];
  /** Per edge of the DAG: the waypoints it passes through, one per layer it crosses. */
  routes: string[][];
}

/**
 * Layers by longest path from a source (left to right), with a waypoint for each layer an edge crosses; inside a
 * layer, nodes are ordered by the mean position of their neighbours (sweeping right, left, right), which keeps most
 * edges short and uncrossed. Stages on cycles go in a last layer.
 */
function layout(dag: Dag): Layout {
  const { order, cyclic } = topologicalOrder(dag);
  const needs = new Map<string, string[]>(dag.stages.map((s) => [s, []]));
  for (const e of dag.edges) needs.get(e.to)?.push(e.from);
  const layerOf = new Map<string, number>();
  for (const s of order) layerOf.set(s, Math.max(-1, ...needs.get(s)!.map((n) => layerOf.get(n) ?? -1)) + 1);
  const last = Math.max(-1, ...layerOf.values()) + 1;
  for (const s of cyclic) layerOf.set(s, last);
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    (succs.get(a) ?? succs.set(a, []).get(a)!).push(b);
    (preds.get(b) ?? preds.set(b, []).get(b)!).push(a);
  };
  const routes = dag.edges.map((e, i) => {
    const via: string[] = [];
    let prev = e.from;
    for (let l = layerOf.get(e.from)! + 1; l < layerOf.get(e.to)!; l++) {
      const v = `\0${i}:${l}`;
      layerOf.set(v, l);
      via.push(v);
      link(prev, v);
      prev = v;
    }
    link(prev, e.to);
    return via;
  });
  const layers: string[][] = [];
  for (const [id, l] of layerOf) (layers[l] ??= []).push(id);
  const row = new Map<string, number>();
  for (const layer of layers) layer.forEach((id, i) => row.set(id, i));
  const reorder = (layer: string[], neighbours: Map<string, string[]>) => {
    // a node without neighbours keeps its place
    const weight = new Map(layer.map((id) => {
      const rows = (neighbours.get(id) ?? []).map((n) => row.get(n)!);
      return [id, rows.length ? rows.reduce((x, y) => x + y, 0) / rows.length : row.get(id)!];
    }));
    layer.sort((x, y) => weight.get(x)! - weight.get(y)!);
    layer.forEach((id, i) => row.set(id, i));
  };
  for (let l = 1; l < layers.length; l++) reorder(layers[l], preds);
  for (let l = layers.length - 2; l >= 0; l--) reorder(layers[l], succs);
  for (let l = 1; l < layers.length; l++) reorder(layers[l], preds);
  return { layers, routes };
}

const pt = (x: number, y: number) => `${x.toFixed(1)},${y.toFixed(1)}`;

/** The DAG as a standalone SVG document: boxes per stage, arrows from a stage to the stages that need it. */
export function renderDagSvg(dag: Dag, options: DagPictureOptions = {}): string {
  const { layers, routes } = layout(dag);
  const width = Math.max(60, ...dag.stages.map((s) => s.length * CHAR_WIDTH + 2 * PAD_X));
  const heightOf = (id: string) => (isVia(id) ? VIA_HEIGHT : BOX_HEIGHT);
  const layerHeight = (layer: string[]) => layer.reduce((h, id) => h + heightOf(id), 0) + Math.max(0, layer.length - 1) * GAP_Y;
  const totalHeight = Math.max(BOX_HEIGHT, ...layers.map(layerHeight));
  const at = new Map<string, { x: number; y: number }>();
  layers.forEach((layer, col) => {
    let y = MARGIN + (totalHeight - layerHeight(layer)) / 2;
    for (const id of layer) {
      at.set(id, { x: MARGIN + col * (width + GAP_X), y });
      y += heightOf(id) + GAP_Y;
    }
  });
  const svgWidth = Math.ceil(2 * MARGIN + Math.max(1, layers.length) * width + Math.max(0, layers.length - 1) * GAP_X);
  const svgHeight = Math.ceil(2 * MARGIN + totalHeight);
  const middle = (id: string) => at.get(id)!.y + heightOf(id) / 2;
  const edges = dag.edges.map((e, i) => {
    // from the right side of the stage needed, straight through each waypoint, into the left side of the stage needing it
    let x = at.get(e.from)!.x + width;
    let y = middle(e.from);
    let d = `M${pt(x, y)}`;
    for (const id of [...routes[i], e.to]) {
      const [x2, y2] = [at.get(id)!.x, middle(id)];
      const bend = Math.max(GAP_X / 2, Math.abs(x2 - x) / 2);
      d += ` C${pt(x + bend, y)} ${pt(x2 - bend, y2)} ${pt(x2, y2)}`;
      [x, y] = [x2 + width, y2];
      if (id !== e.to) d += ` L${pt(x, y)}`;
    }
    return `  <path class="edge" d="${d}"><title>${escapeXml(`${e.to} needs ${e.from} (${e.kind})`)}</title></path>`;
  });
  const nodes = dag.stages.map((s) => {
    const { x, y } = at.get(s)!;
    const status = options.statuses?.[s];
    const tip = [s, status, options.details?.[s]].filter(Boolean).join('\n');
    return [
      `  <g class="stage" data-stage="${escapeXml(s)}"${status ? ` data-status="${status}"` : ''}>`,
      `    <title>${escapeXml(tip)}</title>`,
      `    <rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${BOX_HEIGHT}" rx="6" fill="${FILL[status ?? 'none']}"/>`,
      `    <text x="${(x + width / 2).toFixed(1)}" y="${(y + BOX_HEIGHT / 2).toFixed(1)}">${escapeXml(s)}</text>`,
      '  </g>',
    ].join('\n');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${svgWidth}" height="${svgHeight}" viewBox="0 0 ${svgWidth} ${svgHeight}">`,
    '  <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5b6675"/></marker></defs>',
    '  <style>.edge{fill:none;stroke:#5b6675;stroke-width:1.4;marker-end:url(#arrow)} g.stage rect{stroke:#5b6675;stroke-width:1} text{font:' +
      `${FONT_SIZE}px ui-monospace,Menlo,Consolas,monospace;fill:#1f2328;text-anchor:middle;dominant-baseline:central}</style>`,
    `  <rect width="100%" height="100%" fill="#ffffff"/>`,
    ...edges,
    ...nodes,
    '</svg>',
    '',
  ].join('\n');
}
