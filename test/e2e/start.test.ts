// `npm start` on a folder without a demo: it builds the demo, serves VS Code, prints the URL; a second start reuses it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { projectRoot } from './harness';

function start(demoDir: string) {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'scripts/start.mjs')], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, LATHE_START_CHECK: '1', LATHE_DEMO_DIR: demoDir },
    timeout: 150_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('npm start', () => {
  const demoDir = mkdtempSync(path.join(tmpdir(), 'lathe-start-'));
  after(() => rmSync(demoDir, { recursive: true, force: true }));

  it('creates the demo once, serves the workbench on loopback and prints its URL', { timeout: 300_000 }, () => {
    const first = start(demoDir);
    assert.equal(first.status, 0, first.output);
    const workspace = path.join(demoDir, 'workspace');
    assert.match(first.output, /creating the demo workspace/);
    assert.match(first.output, new RegExp(`Lathe demo in VS Code: http://127\\.0\\.0\\.1:\\d+/\\?folder=${encodeURIComponent(workspace).replace(/[.%]/g, '\\$&')}`));
    assert.match(first.output, /check passed/);
    assert.ok(existsSync(path.join(workspace, '.lathe/datasets/iris')));
    const { publisher, name, version } = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
    assert.ok(existsSync(path.join(demoDir, 'extensions', `${publisher}.${name}-${version}`, 'package.json')));

    const second = start(demoDir);
    assert.equal(second.status, 0, second.output);
    assert.doesNotMatch(second.output, /creating the demo workspace/);
    assert.match(second.output, /check passed/);
  });
});
