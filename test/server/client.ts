import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type Message, type MessageConnection, type MessageReader } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

const ROOT = path.resolve(__dirname, '../..');

/** A language client for tests: the real server process, spoken to over stdio JSON-RPC. */
export class TestClient {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: { match: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  /** Responses to requests written by `sendCancelled`, by id (the connection knows nothing of those requests). */
  private readonly raw = new Map<string, (m: Message) => void>();
  stderr = '';

  constructor(configuration: Record<string, unknown> = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server/index.ts'), '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d) => (this.stderr += String(d)));
    const inner = new StreamMessageReader(this.child.stdout!);
    const reader: MessageReader = {
      onError: inner.onError,
      onClose: inner.onClose,
      onPartialMessage: inner.onPartialMessage,
      listen: (callback) =>
        inner.listen((m) => {
          const id = (m as { id?: unknown }).id;
          const divert = typeof id === 'string' ? this.raw.get(id) : undefined;
          if (divert) divert(m);
          else callback(m);
        }),
      dispose: () => inner.dispose(),
    };
    this.connection = createMessageConnection(reader, new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      for (const w of [...this.waiters]) {
        if (w.match(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section === 'lathe.pipeline' ? configuration : null)));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onNotification('window/logMessage', () => undefined);
    this.connection.listen();
  }

  async initialize(rootDir: string): Promise<unknown> {
    const result = await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).toString(),
      workspaceFolders: [{ uri: pathToFileURL(rootDir).toString(), name: 'ws' }],
      capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } } },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** The next diagnostics published for `uri` (optionally for a given document version). */
  diagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version}; stderr: ${this.stderr}`)), 10_000);
      this.waiters.push({ match: (p) => p.uri === uri && (version === undefined || p.version === version), resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /**
   * A request and its cancellation written in one piece, so the server reads both before it dispatches the request:
   * a deterministic way to see what a request cancelled in flight gets back.
   */
  sendCancelled(method: string, params: unknown): Promise<Message> {
    const id = `cancelled-${this.raw.size}`;
    const frame = (body: object) => {
      const json = JSON.stringify({ jsonrpc: '2.0', ...body });
      return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    };
    const response = new Promise<Message>((resolve) => this.raw.set(id, resolve));
    this.child.stdin!.write(frame({ id, method, params }) + frame({ method: '$/cancelRequest', params: { id } }));
    return response;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  async close(): Promise<void> {
    await this.connection.sendRequest('shutdown').catch(() => undefined);
    await this.connection.sendNotification('exit').catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      const timer = setTimeout(() => (this.child.kill(), resolve()), 3000);
      this.child.once('exit', () => (clearTimeout(timer), resolve()));
    });
    this.connection.dispose();
  }
}
