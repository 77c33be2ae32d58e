// Child process for the concurrency test: registers one file and prints the version it got.
import { registerModel } from '../../../src/core/registry';
import { layoutFor } from '../../../src/core/workspace/layout';

const [root, file, name] = process.argv.slice(2);
registerModel(layoutFor(root), file, { name }).then(
  (v) => process.stdout.write(JSON.stringify({ version: v.version, sha256: v.file.sha256 })),
  (e: unknown) => {
    process.stderr.write(String(e));
    process.exitCode = 1;
  },
);
