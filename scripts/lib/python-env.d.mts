export declare const PYTHON_PACKAGES: string[];
export declare function pythonEnvDir(): string;
export declare function ensurePythonEnv(options?: { dir?: string; packages?: string[]; log?: (line: string) => void }): { python: string; error?: undefined } | { python?: undefined; error: string };
