import { EventEmitter } from 'node:events';

/** What changed in a workspace store. One stream feeds trees, panels, the status bar and the output channel. */
export type LatheEvent =
  | { type: 'dataset-changed'; root: string; name: string }
  | { type: 'model-changed'; root: string; name: string }
  | { type: 'run-changed'; root: string; runId: string; status: string }
  | { type: 'log'; root: string; source: string; line: string };

type Listener = (event: LatheEvent) => void;

class EventBus {
  private readonly emitter = new EventEmitter();

  emit(event: LatheEvent): void {
    this.emitter.emit('event', event);
  }

  /** Subscribe; returns the function that unsubscribes (wrap it in a Disposable at the edge). */
  on(listener: Listener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

/** The process-wide event stream of core. */
export const latheEvents = new EventBus();

/** What long operations accept: cancellation, progress and log lines, all optional. */
export interface OperationOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { message?: string; fraction?: number }) => void;
  log?: (line: string) => void;
}
