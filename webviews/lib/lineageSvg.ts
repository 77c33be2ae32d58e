// Pixel geometry of the lineage graph (layers left to right, rows top to bottom), without the DOM so it is unit-tested.
import type { LineageGraph, LineageGraphNode } from '../../src/shared/messages';

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 40;
const COLUMN_GAP = 60;
const ROW_GAP = 22;
const MARGIN = 12;

export interface PlacedNode extends LineageGraphNode {
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  label: string;
  /** SVG path data: a cubic curve from the source's right side to the target's left side. */
  path: string;
  /** Where the label goes: the curve's middle. */
  labelX: number;
  labelY: number;
}

export interface GraphGeometry {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export function graphGeometry(graph: LineageGraph): GraphGeometry {
  const rows = Math.max(0, ...graph.nodes.map((n) => n.order + 1));
  const nodes = graph.nodes.map((n): PlacedNode => ({
    ...n,
    x: MARGIN + n.layer * (NODE_WIDTH + COLUMN_GAP),
    y: MARGIN + n.order * (NODE_HEIGHT + ROW_GAP),
  }));
  const at = new Map(nodes.map((n) => [n.id, n]));
  const edges = graph.edges.flatMap((e): PlacedEdge[] => {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) return [];
    const [x1, y1] = [a.x + NODE_WIDTH, a.y + NODE_HEIGHT / 2];
    const [x2, y2] = [b.x, b.y + NODE_HEIGHT / 2];
    const bend = Math.max(30, (x2 - x1) / 2);
    return [{ from: e.from, to: e.to, label: e.label, path: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 - 4 }];
  });
  return {
    width: 2 * MARGIN + Math.max(1, graph.layers) * NODE_WIDTH + Math.max(0, graph.layers - 1) * COLUMN_GAP,
    height: 2 * MARGIN + rows * NODE_HEIGHT + Math.max(0, rows - 1) * ROW_GAP,
    nodes,
    edges,
  };
}
