/** The records of the datasets feature: version manifests, summaries and diffs. */

/** CSV columns infer one of integer/float/boolean/date/string; Parquet columns also report timestamp, decimal, binary, list, map, struct. */
export interface TableColumn {
  name: string;
  type: string;
}

export interface TableSummary {
  format: 'csv' | 'parquet';
  rows: number;
  columns: TableColumn[];
}

export interface DatasetFile {
  /** Relative to the dataset path, posix separators; for a single-file dataset, the file's own name. */
  path: string;
  size: number;
  sha256: string;
  /** Table summary of a CSV/Parquet file inside a folder dataset. */
  table?: TableSummary;
}

export type DatasetKind = 'file' | 'folder';

/** `.lathe/datasets/<name>/v<version>.json`: committed to git, so a commit pins the data it was made with. */
export interface DatasetVersion {
  schema: 1;
  name: string;
  /** 1-based. */
  version: number;
  /** Relative to the workspace root, posix separators. */
  path: string;
  kind: DatasetKind;
  message: string;
  createdAt: string;
  files: DatasetFile[];
  totalSize: number;
  fileCount: number;
  /** Table summary of a single-file CSV/Parquet dataset. */
  table?: TableSummary;
}

export interface DatasetSummary {
  name: string;
  path: string;
  latest: DatasetVersion;
  versionCount: number;
}

export interface FileChange {
  path: string;
  before: { size: number; sha256: string };
  after: { size: number; sha256: string };
}

export interface TableDiff {
  /** The file the table lives in, relative to the dataset path. */
  path: string;
  rows: { before: number; after: number };
  columnsAdded: TableColumn[];
  columnsRemoved: TableColumn[];
  columnsRetyped: { name: string; before: string; after: string }[];
}

export interface DatasetDiff {
  a: { name: string; version: number; path: string };
  b: { name: string; version: number; path: string };
  added: DatasetFile[];
  removed: DatasetFile[];
  changed: FileChange[];
  unchangedCount: number;
  sizeDelta: number;
  tables: TableDiff[];
}
