import { MISSING_TOKENS } from '../data/csv';
import { LatheError } from '../workspace/errors';
import { chi2Counts, countInBins, ks2samp, mmd, psiCounts, quantileEdges, type TestResult } from './tests';

/** Per-column drift between a reference table and a current one: the test, its verdict, and what a chart draws. */

export const DRIFT_TESTS = ['auto', 'ks', 'chi2', 'psi', 'mmd'] as const;
export type DriftTestChoice = (typeof DRIFT_TESTS)[number];
export type DriftTest = Exclude<DriftTestChoice, 'auto'>;

/** A p-value below this flags drift (KS, chi-square, MMD). */
export const DEFAULT_P_THRESHOLD = 0.05;
/** A PSI above this flags drift (the usual reading: < 0.1 stable, 0.1–0.2 moderate, > 0.2 significant). */
export const DEFAULT_PSI_THRESHOLD = 0.2;
/** Integer columns with at most this many distinct values (both sides together) are categories for `auto`. */
export const FEW_DISTINCT = 20;
/** Reference-quantile bins of numbers for PSI and chi-square. */
export const QUANTILE_BINS = 10;
/** Equal-width bins of the histograms of numeric columns. */
export const HISTOGRAM_BINS = 20;
/** Categories drawn one by one in a histogram; the rest are summed into OTHER. */
export const HISTOGRAM_CATEGORIES = 30;
export const OTHER = '(other)';

/** A table of text cells, as data/rows.ts readTextTable reads it. */
export interface DriftTable {
  /** Column names; without one, columns are named column_1, column_2 ... */
  header?: string[];
  cells: string[][];
}

export interface DriftOptions {
  test?: DriftTestChoice;
  /** p-value threshold (PSI threshold for `psi`); default DEFAULT_P_THRESHOLD or DEFAULT_PSI_THRESHOLD. */
  threshold?: number;
  /** Seeds MMD's subsample and permutations (default 0). */
  seed?: number;
}

/** Shared bin edges (numbers) or categories (text), with each side's counts: enough to draw both distributions. */
export type DriftHistogram = { edges: number[]; reference: number[]; current: number[] } | { categories: string[]; reference: number[]; current: number[] };

export interface DriftColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  test: DriftTest;
  /** KS D, chi-square, PSI or MMD²; null when a side has no values to test. */
  statistic: number | null;
  /** null for PSI (a score, no p-value) and for skipped columns. */
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  /** Values present and missing (empty cell, NA, NaN, null ...) on each side. */
  values: { reference: number; current: number };
  missing: { reference: number; current: number };
  histogram: DriftHistogram;
  /** Why no test ran. */
  skipped?: string;
}

export interface DriftReport {
  test: DriftTestChoice;
  rows: { reference: number; current: number };
  columns: DriftColumn[];
  /** Names of the drifted columns, in column order. */
  drifted: string[];
  onlyInReference: string[];
  onlyInCurrent: string[];
}

const isMissing = (cell: string | undefined) => cell === undefined || cell === '' || MISSING_TOKENS.has(cell.toLowerCase());
const isNumber = (cell: string) => Number.isFinite(Number(cell));

function columnNames(table: DriftTable): string[] {
  const width = table.header?.length ?? table.cells[0]?.length ?? 0;
  return table.header ?? Array.from({ length: width }, (_, c) => `column_${c + 1}`);
}

/** The present cells of column `c` and how many were missing. */
function column(table: DriftTable, c: number): { present: string[]; missing: number } {
  const present: string[] = [];
  let missing = 0;
  for (const row of table.cells) {
    const cell = row[c]?.trim();
    if (isMissing(cell)) missing++;
    else present.push(cell as string);
  }
  return { present, missing };
}

/** Counts of each category on both sides, categories ordered by their total count (then by name). */
function categoryCounts(reference: string[], current: string[]): { categories: string[]; reference: number[]; current: number[] } {
  const counts = new Map<string, [number, number]>();
  for (const v of reference) (counts.get(v) ?? counts.set(v, [0, 0]).get(v)!)[0]++;
  for (const v of current) (counts.get(v) ?? counts.set(v, [0, 0]).get(v)!)[1]++;
  const sorted = [...counts.entries()].sort((a, b) => b[1][0] + b[1][1] - (a[1][0] + a[1][1]) || (a[0] < b[0] ? -1 : 1));
  return { categories: sorted.map(([c]) => c), reference: sorted.map(([, n]) => n[0]), current: sorted.map(([, n]) => n[1]) };
}

/** At most HISTOGRAM_CATEGORIES categories, the rest summed as OTHER. */
function categoryHistogram(all: ReturnType<typeof categoryCounts>): DriftHistogram {
  if (all.categories.length <= HISTOGRAM_CATEGORIES) return all;
  const head = HISTOGRAM_CATEGORIES - 1;
  const rest = (counts: number[]) => counts.slice(head).reduce((a, b) => a + b, 0);
  return {
    categories: [...all.categories.slice(0, head), OTHER],
    reference: [...all.reference.slice(0, head), rest(all.reference)],
    current: [...all.current.slice(0, head), rest(all.current)],
  };
}

/** HISTOGRAM_BINS equal-width bins over the range of both sides (one bin when every value is the same). */
function numericHistogram(reference: Float64Array, current: Float64Array): DriftHistogram {
  let [lo, hi] = [Infinity, -Infinity];
  for (const values of [reference, current]) for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (lo === Infinity) return { edges: [], reference: [], current: [] };
  const bins = hi > lo ? HISTOGRAM_BINS : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
  const count = (values: Float64Array) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo || 1)) * bins))]++;
    return counts;
  };
  return { edges, reference: count(reference), current: count(current) };
}

/** The test `auto` picks: KS for measurements, chi-square for text and for integers with few distinct values. */
function autoTest(categorical: boolean, reference: Float64Array, current: Float64Array): DriftTest {
  if (categorical) return 'chi2';
  const distinct = new Set<number>();
  for (const values of [reference, current]) {
    for (const v of values) {
      if (!Number.isInteger(v)) return 'ks';
      distinct.add(v);
      if (distinct.size > FEW_DISTINCT) return 'ks';
    }
  }
  return 'chi2';
}

/** Counts of numbers in the reference's quantile bins, or of each distinct integer when they are few categories. */
function numericCounts(reference: Float64Array, current: Float64Array, byValue: boolean): [number[], number[]] {
  if (byValue) {
    const all = categoryCounts(Array.from(reference, String), Array.from(current, String));
    return [all.reference, all.current];
  }
  const edges = quantileEdges(reference.slice().sort(), QUANTILE_BINS);
  return [countInBins(reference, edges), countInBins(current, edges)];
}

function runTest(test: DriftTest, categorical: boolean, ref: { text: string[]; numbers: Float64Array }, cur: { text: string[]; numbers: Float64Array }, seed: number): TestResult {
  if (test === 'ks') return ks2samp(ref.numbers, cur.numbers);
  if (test === 'mmd') return mmd(ref.numbers, cur.numbers, { seed });
  const fewValues = !categorical && autoTest(false, ref.numbers, cur.numbers) === 'chi2';
  const [r, c] = categorical ? ((all) => [all.reference, all.current])(categoryCounts(ref.text, cur.text)) : numericCounts(ref.numbers, cur.numbers, fewValues);
  if (test === 'psi') return psiCounts(r, c);
  // chi-square needs no empty column: a bin neither side fills says nothing
  const keep = r.map((n, i) => n + c[i] > 0);
  return chi2Counts(r.filter((_, i) => keep[i]), c.filter((_, i) => keep[i]));
}

function compareColumn(name: string, reference: { present: string[]; missing: number }, current: { present: string[]; missing: number }, options: DriftOptions): DriftColumn {
  const categorical = !reference.present.every(isNumber) || !current.present.every(isNumber);
  const ref = { text: reference.present, numbers: categorical ? new Float64Array() : Float64Array.from(reference.present, Number) };
  const cur = { text: current.present, numbers: categorical ? new Float64Array() : Float64Array.from(current.present, Number) };
  const choice = options.test ?? 'auto';
  // KS and MMD compare numbers: a text column gets chi-square instead
  const test: DriftTest = choice === 'auto' || (categorical && (choice === 'ks' || choice === 'mmd')) ? autoTest(categorical, ref.numbers, cur.numbers) : choice;
  const threshold = options.threshold ?? (test === 'psi' ? DEFAULT_PSI_THRESHOLD : DEFAULT_P_THRESHOLD);
  const base = {
    name,
    kind: categorical ? ('categorical' as const) : ('numeric' as const),
    test,
    threshold,
    values: { reference: reference.present.length, current: current.present.length },
    missing: { reference: reference.missing, current: current.missing },
    histogram: categorical ? categoryHistogram(categoryCounts(ref.text, cur.text)) : numericHistogram(ref.numbers, cur.numbers),
  };
  const empty = reference.present.length === 0 ? 'reference' : current.present.length === 0 ? 'current' : undefined;
  if (empty) return { ...base, statistic: null, pValue: null, drifted: false, skipped: `no values in the ${empty} data` };
  const result = runTest(test, categorical, ref, cur, options.seed ?? 0);
  const drifted = test === 'psi' ? result.statistic > threshold : (result.pValue as number) < threshold;
  return { ...base, statistic: result.statistic, pValue: result.pValue ?? null, drifted };
}

/**
 * Compare every column the two tables share. Columns are matched by name; those on one side only are listed as
 * such. Missing cells are counted and left out of the tests.
 */
export function driftReport(reference: DriftTable, current: DriftTable, options: DriftOptions = {}): DriftReport {
  const refNames = columnNames(reference);
  const curNames = columnNames(current);
  const common = refNames.filter((n) => curNames.includes(n));
  if (common.length === 0) {
    throw new LatheError('no-common-columns', 'the reference and current data have no column in common', {
      hint: `reference columns: ${refNames.join(', ') || '(none)'}; current columns: ${curNames.join(', ') || '(none)'}`,
    });
  }
  const columns = common.map((name) => compareColumn(name, column(reference, refNames.indexOf(name)), column(current, curNames.indexOf(name)), options));
  return {
    test: options.test ?? 'auto',
    rows: { reference: reference.cells.length, current: current.cells.length },
    columns,
    drifted: columns.filter((c) => c.drifted).map((c) => c.name),
    onlyInReference: refNames.filter((n) => !curNames.includes(n)),
    onlyInCurrent: curNames.filter((n) => !refNames.includes(n)),
  };
}
