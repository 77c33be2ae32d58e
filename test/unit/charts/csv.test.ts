import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, toCsv } from '../../../src/core/charts/csv';

test('csvCell quotes commas, quotes and line breaks (RFC 4180)', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
});

test('csvCell: numbers as written, empty for null and non-finite, formulas defused', () => {
  assert.equal(csvCell(-0.25), '-0.25');
  assert.equal(csvCell(1e-7), '1e-7');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell(NaN), '');
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell('@sum'), "'@sum");
  assert.equal(csvCell('-rm'), "'-rm");
});

test('toCsv writes a header and CRLF rows', () => {
  assert.equal(toCsv(['run', 'value'], [['a', 1], ['b,c', null]]), 'run,value\r\na,1\r\n"b,c",\r\n');
});
