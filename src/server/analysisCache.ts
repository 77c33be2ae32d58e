import type { PipelineAnalysis } from '../core/pipeline/service';

/**
 * The last analysis of each document, reused while its version and the world it was analysed against (settings,
 * store, workspace files: `generation`) are unchanged, so validation and every request share one parse.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, { version: number; generation: number; analysis: PipelineAnalysis }>();
  private generation = 0;

  /** Forget every analysis: something they depend on changed. */
  invalidate(): void {
    this.generation++;
  }

  get(uri: string, version: number, compute: () => PipelineAnalysis): PipelineAnalysis {
    const hit = this.entries.get(uri);
    if (hit && hit.version === version && hit.generation === this.generation) return hit.analysis;
    const analysis = compute();
    this.entries.set(uri, { version, generation: this.generation, analysis });
    return analysis;
  }

  delete(uri: string): void {
    this.entries.delete(uri);
  }
}
