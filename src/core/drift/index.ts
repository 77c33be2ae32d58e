// The public face of core/drift: two-sample tests, per-column drift reports, and the job that reads and writes them.
export { chi2Sf, gammaQ, logGamma } from './gamma';
export { formatDriftResult } from './format';
export { driftSummary, maxStatistic, runDrift, type DriftRequest, type DriftResult } from './job';
export { kolmogorovSf, smirnovSf } from './kolmogorov';
export {
  DEFAULT_P_THRESHOLD,
  DEFAULT_PSI_THRESHOLD,
  DRIFT_TESTS,
  driftReport,
  type DriftColumn,
  type DriftHistogram,
  type DriftOptions,
  type DriftReport,
  type DriftTable,
  type DriftTest,
  type DriftTestChoice,
} from './report';
export { chi2Counts, ks2samp, mmd, MMD_MAX_SAMPLES, MMD_PERMUTATIONS, PSI_EPSILON, psiCounts, type TestResult } from './tests';
