// Child process of crash.test.ts: adds a folder and reports each stored file on stdout, so the parent can kill -9 it mid-way.
import { addDataset } from '../../../src/core/data';
import { layoutFor } from '../../../src/core/workspace/layout';

const [root, folder] = process.argv.slice(2);
addDataset(layoutFor(root), folder, {}, { onProgress: (p) => process.stdout.write(`${p.message}\n`) }).then(
  () => process.stdout.write('done\n'),
  (e) => {
    process.stderr.write(`${e}\n`);
    process.exitCode = 1;
  },
);
