import * as path from 'node:path';
import { initStore } from '../../core/workspace/root';
import type { CliCommand } from '../command';

export const initCommand: CliCommand<{ root: string; store: string }> = {
  path: ['init'],
  usage: 'init [dir]',
  summary: 'create the .lathe store in a folder (default: the current one)',
  async run(ctx) {
    const layout = await initStore(path.resolve(ctx.cwd, ctx.args.positionals[0] ?? '.'));
    return { root: layout.root, store: layout.store };
  },
  format: (r) => `initialised ${r.store}`,
};
