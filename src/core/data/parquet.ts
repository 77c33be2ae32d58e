import { LatheError } from '../workspace/errors';
import type { TableColumn, TableSummary } from './types';

type Hyparquet = typeof import('hyparquet');
type SchemaTree = ReturnType<Hyparquet['parquetSchema']>;

/** A Parquet column's physical/logical type in the vocabulary CSV inference uses, plus Parquet-only kinds. */
function columnType(node: SchemaTree): string {
  const e = node.element;
  const logical = e.logical_type?.type;
  const converted = e.converted_type;
  if (node.children.length > 0) {
    if (logical === 'LIST' || converted === 'LIST') return 'list';
    if (logical === 'MAP' || converted === 'MAP' || converted === 'MAP_KEY_VALUE') return 'map';
    return 'struct';
  }
  if (logical === 'DATE' || converted === 'DATE') return 'date';
  if (logical === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS' || e.type === 'INT96') return 'timestamp';
  if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'decimal';
  if (logical === 'STRING' || logical === 'ENUM' || logical === 'JSON' || converted === 'UTF8' || converted === 'ENUM' || converted === 'JSON') return 'string';
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float';
    default:
      return 'binary';
  }
}

/** Rows and columns from a Parquet file's footer only: the column data is never read. */
export async function profileParquet(file: string): Promise<TableSummary> {
  // hyparquet is ESM-only; a dynamic import keeps the CommonJS bundles working
  const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } = await import('hyparquet');
  let metadata: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
  try {
    metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  } catch (e) {
    throw new LatheError('corrupt-table', `cannot read Parquet metadata of ${file}: ${(e as Error).message}`, {
      file,
      hint: 'the file is not valid Parquet; rename it if it is not meant to be one',
    });
  }
  const columns: TableColumn[] = parquetSchema(metadata).children.map((node) => ({ name: node.element.name, type: columnType(node) }));
  return { format: 'parquet', rows: Number(metadata.num_rows), columns };
}
