import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const WINE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv';
export const WINE_COLUMNS = ['alcohol', 'malic_acid', 'ash', 'alcalinity', 'magnesium', 'phenols', 'flavanoids', 'nonflavanoid', 'proanthocyanins', 'color', 'hue', 'od280', 'proline', 'cultivar'];

/**
 * sklearn's wine data split into two CSVs by alternate rows (it is sorted by class, so both halves keep the class
 * mix), with the cultivar as text. The current half has `shift` added to its alcohol and three missing cells.
 */
export async function writeWinePair(dir: string, shift: number): Promise<{ reference: string; current: string }> {
  const rows = (await fs.readFile(WINE, 'utf8')).trim().split('\n').slice(1).map((line) => line.split(','));
  const text = (part: string[][]) => [WINE_COLUMNS.join(','), ...part.map((r) => [...r.slice(0, 13), `cultivar_${r[13]}`].join(','))].join('\n') + '\n';
  const reference = rows.filter((_, i) => i % 2 === 0);
  const current = rows.filter((_, i) => i % 2 === 1).map((r) => [(Number(r[0]) + shift).toFixed(2), ...r.slice(1)]);
  current[0][1] = '';
  current[1][1] = 'NA';
  current[2][2] = 'nan';
  await fs.mkdir(dir, { recursive: true });
  const files = { reference: path.join(dir, 'reference.csv'), current: path.join(dir, 'current.csv') };
  await fs.writeFile(files.reference, text(reference));
  await fs.writeFile(files.current, text(current));
  return files;
}
