/**
 * protobufjs decodes int64 fields as `Long` objects when the `long` package is resolvable at run time and as
 * plain numbers otherwise (e.g. inside a bundle), so every int64 read goes through here.
 */
export type Int64 = number | { toNumber(): number };

export function toNumber(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
