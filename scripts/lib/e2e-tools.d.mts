// Types of e2e-tools.mjs for the TypeScript e2e harness.
export const CODE_SERVER_VERSION: string;
export const E2E_APT_PACKAGES: string[];
export function codeServerDir(): string;
export function ensureE2eTools(): Promise<{ codeServerBin: string; chromiumPath: string }>;
