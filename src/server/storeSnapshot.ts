import type { StoreSnapshot } from '../core/pipeline/store';
import { FileStoreIndex } from '../core/pipeline/store';
import { layoutFor } from '../core/workspace/layout';

/**
 * The store snapshot of each workspace root, read once and kept until a watched store file changes: validation
 * runs on every keystroke, the store changes rarely.
 */
export class StoreSnapshots {
  private readonly byRoot = new Map<string, Promise<StoreSnapshot>>();

  get(root: string): Promise<StoreSnapshot> {
    let snapshot = this.byRoot.get(root);
    if (!snapshot) {
      snapshot = new FileStoreIndex(layoutFor(root)).snapshot();
      this.byRoot.set(root, snapshot);
    }
    return snapshot;
  }

  invalidate(): void {
    this.byRoot.clear();
  }
}

/** Whether a changed file path lies in a store's datasets or models (so snapshots must be read again). */
export function isStoreRecord(filePath: string): boolean {
  return /[\\/]\.lathe[\\/](datasets|models)([\\/]|$)/.test(filePath);
}
