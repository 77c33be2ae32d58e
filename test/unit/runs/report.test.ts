import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMetrics, type RunComparison, type RunRecord } from '../../../src/core/runs';
import { renderRunComparison, renderRunDetails } from '../../../src/extension/reports/runs';

const record = (over: Partial<RunRecord>): RunRecord => ({
  schema: 1,
  id: '20261123-091500-3fa2c1',
  name: 'brisk-otter-1',
  status: 'completed',
  command: ['python3', 'train.py', '--mode', 'a|b'],
  cwd: '/w',
  params: { lr: 0.01, layers: [64, 32] },
  tags: [],
  createdAt: '2026-11-23T09:15:00.000Z',
  durationMs: 1500,
  exitCode: 0,
  signal: null,
  ownerPid: 1,
  host: 'h',
  git: { commit: '0123456789abcdef', branch: 'main', dirty: true, patchFile: 'git.patch' },
  summary: {},
  ...over,
});

test('renderRunDetails shows status, params, git state, metric stats and warnings; table cells are escaped', () => {
  const md = renderRunDetails(record({ warnings: ['metric "loss" had 1 value that is not a finite number'] }), parseMetrics('{"step":0,"loss":1}\n{"step":1,"loss":0.25}\n'));
  assert.match(md, /^# Run brisk-otter-1$/m);
  assert.match(md, /\*\*completed\*\*, exit code 0 in 1\.5s/);
  assert.match(md, /\| Command \| `python3 train\.py --mode a\\\|b` \|/);
  assert.match(md, /`0123456789ab` on main \(uncommitted changes saved in `git\.patch`\)/);
  assert.match(md, /\| `layers` \| \[64,32\] \|/);
  assert.match(md, /\| `loss` \| 0\.2500 \| 0\.2500 \| 1 \| 2 \|/);
  assert.match(md, /## Warnings\n\n- metric "loss" had 1 value/);
});

test('renderRunComparison marks differing params and the best run of each metric', () => {
  const a = record({ id: 'a-000001', name: 'a' });
  const b = record({ id: 'b-000002', name: 'b', params: { lr: 0.1 } });
  const comparison: RunComparison = {
    runs: [a, b],
    params: [
      { name: 'layers', values: [[64, 32], undefined], differs: true },
      { name: 'seed', values: [1, 1], differs: false },
    ],
    metrics: [{ name: 'loss', goal: 'minimize', values: [{ last: 0.5, min: 0.4, max: 0.9, steps: 3, best: 0.4 }, null], bestRun: 0 }],
  };
  const md = renderRunComparison(comparison);
  assert.match(md, /\|  \| a \(000001\) \| b \(000002\) \|/);
  assert.match(md, /\| \*\*`layers`\*\* \| \*\*\[64,32\]\*\* \| \*\*—\*\* \|/);
  assert.match(md, /\| `seed` \| 1 \| 1 \|/);
  assert.match(md, /\| `loss` \(lower is better\) \| \*\*0\.5000 \[0\.4000\]\*\* \| — \|/);
});
