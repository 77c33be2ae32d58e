// Many runs' lines on one chart.js chart, drawn by a plugin as one canvas path per run. chart.js keeps the axes,
// zoom and pan; a line dataset per run would cost it a controller, a point element per point and option resolution
// per run — most of a 100-run panel's first paint.
import type { Chart, Plugin } from 'chart.js';
import type { Points } from './seriesStore';

export interface RunLine {
  runId: string;
  points: Points;
  color: string;
  width: number;
}

/** A line as drawn: pixel positions of the points that could be drawn, and their index in the series. */
export interface DrawnLine {
  runId: string;
  px: Float32Array;
  py: Float32Array;
  index: Uint32Array;
}

export interface Bounds {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** A single point is drawn as a dot of this radius (a line needs two points). */
const DOT_RADIUS = 4;

const drawable = (y: number, logY: boolean) => Number.isFinite(y) && (!logY || y > 0);

/** The range of the lines' points (on a log axis, of the positive values): what chart.js sizes its axes to. */
export function lineBounds(lines: readonly Points[], logY: boolean): Bounds | undefined {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const { x, y } of lines) {
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]) || !drawable(y[i], logY)) continue;
      if (x[i] < minX) minX = x[i];
      if (x[i] > maxX) maxX = x[i];
      if (y[i] < minY) minY = y[i];
      if (y[i] > maxY) maxY = y[i];
    }
  }
  return minX <= maxX ? { minX, maxX, minY, maxY } : undefined;
}

/** The drawn point nearest to a pixel, over every line: its run and index in that run's series. */
export function nearestPoint(lines: readonly DrawnLine[], x: number, y: number): { runId: string; index: number } | undefined {
  let best = Infinity;
  let found: { runId: string; index: number } | undefined;
  for (const line of lines) {
    for (let i = 0; i < line.px.length; i++) {
      const dx = line.px[i] - x;
      const dy = line.py[i] - y;
      const d = dx * dx + dy * dy;
      if (d < best) {
        best = d;
        found = { runId: line.runId, index: line.index[i] };
      }
    }
  }
  return found;
}

/**
 * Draws `lines()` (last on top) inside the chart area with the chart's scales, before chart.js draws its datasets;
 * `drawn` receives what was drawn, for hover lookups. On a logarithmic y axis, values at or below zero are skipped.
 */
export function runLinesPlugin(lines: () => RunLine[], drawn: (lines: DrawnLine[]) => void): Plugin<'line'> {
  return {
    id: 'runLines',
    beforeDatasetsDraw(chart: Chart<'line'>) {
      const { ctx, chartArea: area } = chart;
      const xScale = chart.scales.x;
      const yScale = chart.scales.y;
      const logY = yScale.type === 'logarithmic';
      const out: DrawnLine[] = [];
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      ctx.clip();
      ctx.lineJoin = 'round';
      for (const line of lines()) {
        const { x, y } = line.points;
        const px = new Float32Array(x.length);
        const py = new Float32Array(x.length);
        const index = new Uint32Array(x.length);
        let n = 0;
        ctx.beginPath();
        for (let i = 0; i < x.length; i++) {
          if (!Number.isFinite(x[i]) || !drawable(y[i], logY)) continue;
          px[n] = xScale.getPixelForValue(x[i]);
          py[n] = yScale.getPixelForValue(y[i]);
          index[n] = i;
          if (n === 0) ctx.moveTo(px[n], py[n]);
          else ctx.lineTo(px[n], py[n]);
          n++;
        }
        if (n === 1) {
          ctx.fillStyle = line.color;
          ctx.arc(px[0], py[0], DOT_RADIUS, 0, 2 * Math.PI);
          ctx.fill();
        } else if (n > 1) {
          ctx.strokeStyle = line.color;
          ctx.lineWidth = line.width;
          ctx.stroke();
        }
        out.push({ runId: line.runId, px: px.subarray(0, n), py: py.subarray(0, n), index: index.subarray(0, n) });
      }
      ctx.restore();
      // the x range drawn, for tests and tools that cannot read the canvas (zoom and pan change it)
      chart.canvas.dataset.xRange = `${xScale.min} ${xScale.max}`;
      drawn(out);
    },
  };
}
