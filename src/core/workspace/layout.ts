import * as path from 'node:path';

/** Where everything lives inside a workspace's `.lathe` folder: the one place these names are spelled. */
export interface StoreLayout {
  root: string;
  store: string;
  datasets: string;
  models: string;
  runs: string;
  cache: string;
  tmp: string;
  config: string;
}

export const STORE_DIR = '.lathe';
export const PIPELINE_FILE = 'lathe.yaml';

export function layoutFor(root: string): StoreLayout {
  const store = path.join(root, STORE_DIR);
  return {
    root,
    store,
    datasets: path.join(store, 'datasets'),
    models: path.join(store, 'models'),
    runs: path.join(store, 'runs'),
    cache: path.join(store, 'cache'),
    tmp: path.join(store, 'tmp'),
    config: path.join(store, 'config.json'),
  };
}
