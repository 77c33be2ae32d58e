// Types of demo-workspace.mjs for the TypeScript e2e tests.
export const SKLEARN_DATA: string;
export function createDemoWorkspace(dir: string): Promise<{ dir: string; created: boolean }>;
