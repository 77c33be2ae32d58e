import { IncrementalAnalyzer } from '../core/pipeline/incremental';
import type { PipelineAnalysis } from '../core/pipeline/service';

/**
 * The last analysis of each document, reused while its version and the world it was analysed against (settings,
 * store, workspace files: `generation`) are unchanged, so validation and every request share one parse. Each
 * document also keeps an incremental analyzer, so a new version re-parses only the blocks an edit touched (its
 * reusable work depends on the text alone, so it survives `invalidate`).
 */
export class AnalysisCache {
  private readonly entries = new Map<string, { version: number; generation: number; analysis?: PipelineAnalysis; analyzer: IncrementalAnalyzer }>();
  private generation = 0;

  /** Forget every analysis: something they depend on changed. */
  invalidate(): void {
    this.generation++;
  }

  get(uri: string, version: number, compute: (analyzer: IncrementalAnalyzer) => PipelineAnalysis): PipelineAnalysis {
    let entry = this.entries.get(uri);
    if (entry?.analysis && entry.version === version && entry.generation === this.generation) return entry.analysis;
    entry ??= { version, generation: this.generation, analyzer: new IncrementalAnalyzer() };
    const analysis = compute(entry.analyzer);
    this.entries.set(uri, { ...entry, version, generation: this.generation, analysis });
    return analysis;
  }

  delete(uri: string): void {
    this.entries.delete(uri);
  }
}
