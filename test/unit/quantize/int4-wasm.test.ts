import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../../..');

test('every generated .wasm.ts is what its .wat compiles to (node scripts/wasm.mjs after editing a .wat)', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/wasm.mjs'), '--check'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr || r.stdout);
});
