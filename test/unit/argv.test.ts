import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { splitCommandLine } from '../../src/core/execute/argv';

// Each case is checked against a real POSIX shell's word splitting (no expansion happens in these inputs).
const cases = [
  'python3 train.py --lr 0.01',
  `python3 -c 'print("a b")'`,
  `echo "double \\"quoted\\" \\\\ text" plain`,
  `a\\ b 'c d'"e f"g`,
  `  leading   and trailing  `,
  `empty '' ""`,
  `tabs\tseparate\twords`,
];

for (const line of cases) {
  test(`splitCommandLine matches sh for: ${line}`, () => {
    const shell = execFileSync('sh', ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
    const expected = shell.split('\0').slice(0, -1);
    assert.deepEqual(splitCommandLine(line), expected);
  });
}

test('splitCommandLine rejects unterminated quotes', () => {
  assert.throws(() => splitCommandLine(`echo 'oops`), /unterminated single quote/);
  assert.throws(() => splitCommandLine(`echo "oops`), /unterminated double quote/);
});
