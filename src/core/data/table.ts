import { profileCsv } from './csv';
import { profileParquet } from './parquet';
import type { TableSummary } from './types';

export type TableFormat = 'csv' | 'tsv' | 'parquet';

/** The table format a file name announces, if Lathe can read it. */
export function tableFormat(name: string): TableFormat | undefined {
  const m = /\.(csv|tsv|parquet|pq)$/i.exec(name);
  if (!m) return undefined;
  const ext = m[1].toLowerCase();
  return ext === 'pq' ? 'parquet' : (ext as TableFormat);
}

/** Profile `file` (which may be a cache blob without an extension) as the given format. */
export async function profileTable(file: string, format: TableFormat): Promise<TableSummary> {
  if (format === 'parquet') return profileParquet(file);
  return profileCsv(file, format === 'tsv' ? { delimiter: '\t' } : {});
}
