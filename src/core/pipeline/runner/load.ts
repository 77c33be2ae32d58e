import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LatheError } from '../../workspace/errors';
import type { PipelineDiagnostic } from '../diagnostics';
import { analyze, type PipelineAnalysis } from '../service';
import type { StoreSnapshot } from '../store';

/** A pipeline file read from disk and analysed; its folder is the base of every path in it. */
export interface LoadedPipeline {
  file: string;
  dir: string;
  analysis: PipelineAnalysis;
}

/** A diagnostic as one line, `file:line:col: severity code: message` (1-based, like compilers print them). */
export function formatDiagnostic(loaded: LoadedPipeline, d: PipelineDiagnostic): string {
  const at = loaded.analysis.file.lines.positionAt(d.span.start);
  return `${loaded.file}:${at.line + 1}:${at.character + 1}: ${d.severity} ${d.code}: ${d.message}`;
}

export function pipelineErrors(loaded: LoadedPipeline): PipelineDiagnostic[] {
  return loaded.analysis.diagnostics.filter((d) => d.severity === 'error');
}

/** Read and analyse a pipeline file with its params file and the workspace's files; never throws for its content. */
export async function analyzePipelineFile(file: string, store?: StoreSnapshot): Promise<LoadedPipeline> {
  const abs = path.resolve(file);
  const text = await fs.readFile(abs, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new LatheError('not-found', `pipeline file not found: ${abs}`, { file: abs, hint: 'create a lathe.yaml in the workspace root' });
    throw e;
  });
  const dir = path.dirname(abs);
  const inside = (rel: string) => path.resolve(dir, rel);
  const analysis = analyze(text, {
    uri: abs,
    readFile: (rel) => {
      try {
        return readFileSync(inside(rel), 'utf8');
      } catch {
        return undefined;
      }
    },
    fileExists: (rel) => existsSync(inside(rel)),
    store,
  });
  return { file: abs, dir, analysis };
}

/** A pipeline ready to run: one with errors is refused, its first error in the message. */
export async function loadPipeline(file: string): Promise<LoadedPipeline> {
  const loaded = await analyzePipelineFile(file);
  const errors = pipelineErrors(loaded);
  if (errors.length) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    throw new LatheError('invalid-pipeline', `the pipeline has errors: ${formatDiagnostic(loaded, errors[0])}${more}`, {
      file: loaded.file,
      hint: 'fix them first; `lathe pipeline validate` lists them all',
    });
  }
  return loaded;
}
