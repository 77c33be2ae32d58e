import type { JsonValue, RunInfo, TableData } from '../../src/shared/messages';

/** The comparison table as the webview shows it: one row per run, one column per parameter and metric. */
export interface Column {
  label: string;
  kind: 'run' | 'status' | 'param' | 'metric';
  /** Parameters: the runs do not all agree. Metrics: always false (values differ by nature). */
  differs: boolean;
  /** Metrics: lower is better. */
  goal?: 'minimize' | 'maximize';
}

export interface Row {
  run: RunInfo;
  cells: (JsonValue | null)[];
  /** Per cell: the best run of that metric column. */
  best: boolean[];
}

export interface TableModel {
  columns: Column[];
  rows: Row[];
}

export function tableModel(runs: RunInfo[], table: TableData): TableModel {
  const columns: Column[] = [
    { label: 'Run', kind: 'run', differs: false },
    { label: 'Status', kind: 'status', differs: false },
    ...table.params.map((p): Column => ({ label: p.name, kind: 'param', differs: p.differs })),
    ...table.metrics.map((m): Column => ({ label: m.name, kind: 'metric', differs: false, goal: m.goal })),
  ];
  const rows = runs.map((run, i): Row => ({
    run,
    cells: [run.name, run.status, ...table.params.map((p) => p.values[i] ?? null), ...table.metrics.map((m) => m.last[i] ?? null)],
    best: [false, false, ...table.params.map(() => false), ...table.metrics.map((m) => m.bestRun === i)],
  }));
  return { columns, rows };
}

const rank = (v: JsonValue | null) => (v === null ? 3 : typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);

/** Numbers numerically, then strings naturally ("run-2" before "run-10"), then the rest by JSON text. */
export function compareCells(a: JsonValue | null, b: JsonValue | null): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, undefined, { numeric: true });
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

/** Rows sorted by one column (stable); empty cells stay last in both directions. */
export function sortRows(rows: Row[], column: number, direction: 'asc' | 'desc'): Row[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...rows].sort((p, q) => {
    const a = p.cells[column];
    const b = q.cells[column];
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    return sign * compareCells(a, b);
  });
}

export function formatCell(v: JsonValue | null): string {
  if (v === null) return '—';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    // four significant digits without trailing zeros: 0.1 stays 0.1, 0.123456 is 0.1235
    return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}
