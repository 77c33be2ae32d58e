import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { profileCsv, profileParquet, sniffDelimiter } from '../../../src/core/data';
import { FIXTURES } from './helpers';

async function csvFile(text: string, name = 'x.csv'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-csv-'));
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}

test('sklearn wine_data.csv (real data, numeric first row): no header, exact rows, numeric types', async () => {
  const t = await profileCsv(path.join(FIXTURES, 'wine_data.csv'));
  assert.equal(t.rows, 179);
  assert.equal(t.columns.length, 14);
  assert.deepEqual(t.columns[0], { name: 'column_1', type: 'float' });
  assert.deepEqual(t.columns[13], { name: 'column_14', type: 'integer' });
  assert.equal(t.columns[2].type, 'string', 'the first row holds class names there');
});

test('sklearn linnerud (space separated, header): delimiter and header detected', async () => {
  const t = await profileCsv(path.join(FIXTURES, 'linnerud_exercise.csv'));
  assert.deepEqual(t, {
    format: 'csv',
    rows: 20,
    columns: [
      { name: 'Chins', type: 'integer' },
      { name: 'Situps', type: 'integer' },
      { name: 'Jumps', type: 'integer' },
    ],
  });
});

test('types, missing values, quotes with delimiters and newlines, CRLF — the same at every chunk size', async () => {
  const text =
    'id;score;ok;day;note\r\n' +
    '1;0.5;true;2024-01-02;"plain"\r\n' +
    '2;;false;2024-01-03;"semi;colon"\r\n' +
    '3;1e3;TRUE;2024-01-04T10:00:00Z;"two\r\nlines ""quoted"""\r\n' +
    '4;NA;false;;x\r\n' +
    '\r\n';
  const file = await csvFile(text);
  const expected = {
    format: 'csv',
    rows: 4,
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'score', type: 'float' },
      { name: 'ok', type: 'boolean' },
      { name: 'day', type: 'date' },
      { name: 'note', type: 'string' },
    ],
  };
  for (const chunkSize of [1, 2, 3, 7, 64, 1 << 20]) assert.deepEqual(await profileCsv(file, { chunkSize }), expected, `chunk ${chunkSize}`);
});

test('a file without a final newline, a ragged row and a BOM', async () => {
  const t = await profileCsv(await csvFile('\ufeffa,b\n1,x\n2,y,3.5'));
  assert.equal(t.rows, 2);
  assert.deepEqual(t.columns, [
    { name: 'a', type: 'integer' },
    { name: 'b', type: 'string' },
    { name: 'column_3', type: 'float' },
  ]);
});

test('sniffDelimiter prefers the separator that splits every line alike', () => {
  assert.equal(sniffDelimiter('a\tb\tc\n1\t2\t3\n'), '\t');
  assert.equal(sniffDelimiter('a|b\n1|2\n'), '|');
  assert.equal(sniffDelimiter('name,city\n"Doe, J",New York\n'), ',');
  assert.equal(sniffDelimiter('x y\n1 2\n'), ' ');
});

test('Parquet written by pyarrow: rows and column types from the footer', async () => {
  const t = await profileParquet(path.join(FIXTURES, 'penguins-like.parquet'));
  assert.equal(t.rows, 1000);
  assert.deepEqual(t.columns, [
    { name: 'id', type: 'integer' },
    { name: 'small', type: 'integer' },
    { name: 'mass', type: 'float' },
    { name: 'ok', type: 'boolean' },
    { name: 'species', type: 'string' },
    { name: 'day', type: 'date' },
    { name: 'seen', type: 'timestamp' },
  ]);
});

test('a file that is not Parquet is a clear error naming it', async () => {
  const file = await csvFile('not parquet at all', 'bad.parquet');
  await assert.rejects(profileParquet(file), (e: any) => e.code === 'corrupt-table' && e.message.includes(file));
});
