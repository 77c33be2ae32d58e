import { DIAGNOSTIC_CODES, type SeverityOverrides } from '../core/pipeline/diagnostics';

const LEVELS = new Set(['error', 'warning', 'information', 'hint', 'off']);

/**
 * `lathe.pipeline.severity` (code → error|warning|information|hint|off) as validator overrides. Unknown codes and
 * levels are dropped so a typo in settings never breaks validation.
 */
export function severityOverrides(setting: unknown): SeverityOverrides {
  const out: SeverityOverrides = {};
  if (!setting || typeof setting !== 'object') return out;
  for (const [code, level] of Object.entries(setting)) {
    if (code in DIAGNOSTIC_CODES && typeof level === 'string' && LEVELS.has(level)) out[code] = level as SeverityOverrides[string];
  }
  return out;
}
