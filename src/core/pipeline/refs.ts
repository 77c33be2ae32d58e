/** A reference to a store entry: `dataset:<name>@<version|latest>` or `model:<name>@<version|alias>`. */
export interface StoreRef {
  kind: 'dataset' | 'model';
  name: string;
  /** `latest`, a version `v3`/`3`, or (models) an alias; undefined when omitted (= latest). */
  selector?: string;
  /** Offsets of the name and the selector inside the reference string. */
  nameAt: number;
  selectorAt: number;
}

const REF = /^(dataset|model):([^@\s]*)(?:@(\S*))?$/;

/** Parse a reference; undefined when `text` is not one, `{error}` when it starts like one but is malformed. */
export function parseStoreRef(text: string): StoreRef | { error: string } | undefined {
  if (!/^(dataset|model):/.test(text)) return undefined;
  const m = REF.exec(text);
  const kind = text.startsWith('dataset:') ? 'dataset' : 'model';
  if (!m || !m[2] || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(m[2]) || m[3] === '') {
    return { error: `malformed reference '${text}': expected ${kind}:<name>@<${kind === 'dataset' ? 'version|latest' : 'version|alias'}>` };
  }
  return { kind: m[1] as StoreRef['kind'], name: m[2], selector: m[3], nameAt: m[1].length + 1, selectorAt: m[1].length + 2 + m[2].length };
}

/** `v3` or `3` → 3; anything else → undefined. */
export function versionNumber(selector: string): number | undefined {
  const m = /^v?(\d+)$/.exec(selector);
  return m ? Number(m[1]) : undefined;
}

/** Whether a value is a well-formed reference. */
export function isStoreRef(text: string): boolean {
  const ref = parseStoreRef(text);
  return ref !== undefined && !('error' in ref);
}
