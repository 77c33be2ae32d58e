export { addDataset, type AddDatasetOptions } from './add';
export { checkoutDataset, type CheckoutOptions, type CheckoutResult } from './checkout';
export { profileCsv, sniffDelimiter } from './csv';
export { diffDatasets, diffVersions } from './diff';
export { datasetLog, listDatasets, parseRef, resolveRef } from './manifests';
export { profileParquet } from './parquet';
export { pullDatasets, pushDatasets, type SyncOptions, type SyncResult } from './remote';
export type * from './types';
export { lastColumnAsLabel, readNumericRows, type NumericRows, type ReadRowsOptions } from './rows';
