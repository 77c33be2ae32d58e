// Types of code-server.mjs for the TypeScript e2e harness.
export interface ExtensionInstall {
  id: string;
  folder: string;
  version: string;
}
export function installExtension(extensionsDir: string, root?: string): ExtensionInstall;

export interface SettingsOptions {
  theme?: string;
  restrictedMode?: boolean;
  settings?: Record<string, unknown>;
}
export function userSettings(options?: SettingsOptions): Record<string, unknown>;
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void;
export function freePort(preferred?: number): Promise<number>;

export interface CodeServerOptions {
  codeServerBin: string;
  workspace: string;
  extensionsDir: string;
  userDataDir: string;
  port?: number;
  restrictedMode?: boolean;
  logFile?: string;
  timeoutMs?: number;
}
export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  logFile: string;
  userDataDir: string;
  extensionsDir: string;
  stop(): Promise<void>;
}
export function startCodeServer(options: CodeServerOptions): Promise<CodeServer>;
