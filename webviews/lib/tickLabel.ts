/**
 * A linear axis tick as text, without Intl.NumberFormat: chart.js's default formatter creates one, and the first
 * creation costs ~20 ms of a panel's first paint. As many decimals as the tick step has; exponent notation for
 * magnitudes a fixed notation would make long.
 */
export function tickLabel(value: number, step: number): string {
  if (value === 0) return '0';
  const exactStep = Number(Math.abs(step).toPrecision(10)) || Math.abs(value);
  const magnitude = Math.max(Math.abs(value), exactStep);
  if (magnitude >= 1e6 || magnitude < 1e-3) {
    const digits = Math.floor(Math.log10(Math.abs(value))) - Math.floor(Math.log10(exactStep));
    return value.toExponential(Math.min(6, Math.max(0, digits)));
  }
  return value.toFixed(Math.min(10, decimals(exactStep)));
}

/** Decimals needed to write `x` exactly (x already rounded to 10 significant digits). */
function decimals(x: number): number {
  const text = String(x);
  const exponent = text.indexOf('e-');
  if (exponent >= 0) return Number(text.slice(exponent + 2)) + Math.max(0, text.slice(0, exponent).replace(/^[^.]*\.?/, '').length);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}
