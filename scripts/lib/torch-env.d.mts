// Types of torch-env.mjs for the TypeScript benches.
export declare const TORCH_PACKAGES: string[];
export declare function torchEnvDir(): string;
export declare function ensureTorchEnv(options?: { log?: (line: string) => void }): { python: string; error?: undefined } | { python?: undefined; error: string };
