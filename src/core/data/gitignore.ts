import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../workspace/atomic';

const MARKER = '# lathe-tracked';

/**
 * Git-ignore a tracked dataset path in the workspace `.gitignore`, in a block under `# lathe-tracked`
 * (idempotent). Entries are anchored (`/data/x.csv`) so a same-named file elsewhere stays visible to git.
 */
export async function ignoreTrackedPath(root: string, relPath: string, kind: 'file' | 'folder'): Promise<boolean> {
  const file = path.join(root, '.gitignore');
  const entry = `/${relPath}${kind === 'folder' ? '/' : ''}`;
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const lines = text.split('\n');
  if (lines.some((l) => l.trim() === entry)) return false;
  const marker = lines.findIndex((l) => l.trim() === MARKER);
  if (marker < 0) {
    const sep = text === '' ? '' : text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
    await writeFileAtomic(file, `${text}${sep}${MARKER}\n${entry}\n`);
    return true;
  }
  let end = marker + 1;
  while (end < lines.length && lines[end].trim() !== '' && !lines[end].startsWith('#')) end++;
  lines.splice(end, 0, entry);
  await writeFileAtomic(file, lines.join('\n'));
  return true;
}
