import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  WatchKind,
  type CancellationToken,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { SeverityOverrides } from '../core/pipeline/diagnostics';
import { codeActions, toLspDiagnostic } from '../core/pipeline/features/codeActions';
import { codeLenses } from '../core/pipeline/features/codeLens';
import { complete } from '../core/pipeline/features/completion';
import { hover } from '../core/pipeline/features/hover';
import { definition, prepareRename, references, rename, type UriOf } from '../core/pipeline/features/navigation';
import { documentSymbols } from '../core/pipeline/features/symbols';
import { locate, type PipelineAnalysis, type ValidationContext } from '../core/pipeline/service';
import type { StoreSnapshot } from '../core/pipeline/store';
import { findRoot } from '../core/workspace/root';
import { AnalysisCache } from './analysisCache';
import { severityOverrides } from './settings';
import { isStoreRecord, StoreSnapshots } from './storeSnapshot';

/** Quiet time after the last edit before a document is validated again. */
export const VALIDATION_DELAY_MS = 200;

interface Workspace {
  root?: string;
  store?: StoreSnapshot;
}

/** Serve the pipeline language on a connection: validation, completion, hover, navigation, symbols, lenses, fixes. */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const stores = new StoreSnapshots();
  const cache = new AnalysisCache();
  const roots = new Map<string, Promise<string | undefined>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let severities: SeverityOverrides = {};
  let pullsConfiguration = false;
  let registersWatchers = false;

  /** The workspace of a pipeline file: the nearest folder holding `.lathe/` or `lathe.yaml`, else the file's folder. */
  const rootOf = (uri: string): Promise<string | undefined> => {
    if (!uri.startsWith('file:')) return Promise.resolve(undefined);
    const dir = path.dirname(fileURLToPath(uri));
    let root = roots.get(dir);
    if (!root) {
      root = findRoot(dir).then((r) => r ?? dir);
      roots.set(dir, root);
    }
    return root;
  };

  const workspaceOf = async (uri: string): Promise<Workspace> => {
    const root = await rootOf(uri);
    return root ? { root, store: await stores.get(root) } : {};
  };

  /** The text of a workspace file: the editor's copy when it is open (unsaved edits count), else the disk's. */
  const readWorkspaceFile = (root: string, rel: string): string | undefined => {
    const abs = path.resolve(root, rel);
    const open = documents.get(pathToFileURL(abs).toString());
    if (open) return open.getText();
    try {
      return readFileSync(abs, 'utf8');
    } catch {
      return undefined;
    }
  };

  const contextFor = (uri: string, ws: Workspace): ValidationContext => {
    const context: ValidationContext = { uri, store: ws.store, severities };
    const root = ws.root;
    if (root) {
      context.readFile = (rel) => readWorkspaceFile(root, rel);
      context.fileExists = (rel) => existsSync(path.resolve(root, rel));
    }
    return context;
  };

  const analysisOf = async (doc: TextDocument): Promise<{ analysis: PipelineAnalysis; ws: Workspace }> => {
    const ws = await workspaceOf(doc.uri);
    // the document may have changed while the workspace was looked up: analyse the text as it is now
    const current = documents.get(doc.uri) ?? doc;
    return { analysis: cache.get(current.uri, current.version, (analyzer) => analyzer.analyze(current.getText(), contextFor(current.uri, ws))), ws };
  };

  const uriOf = (doc: TextDocument, analysis: PipelineAnalysis, ws: Workspace): UriOf => (file) =>
    file === analysis.file || !ws.root ? doc.uri : pathToFileURL(path.resolve(ws.root, file.uri)).toString();

  const validateNow = async (uri: string): Promise<void> => {
    timers.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return;
    const { analysis } = await analysisOf(doc);
    const current = documents.get(uri);
    // a newer version is already scheduled (or the document closed): these diagnostics would be stale
    if (!current || current.version !== doc.version || timers.has(uri)) return;
    const diagnostics = analysis.diagnostics.map((d) => toLspDiagnostic(locate(analysis.file.lines, d)));
    await connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  };

  const schedule = (uri: string, delay = VALIDATION_DELAY_MS) => {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => void validateNow(uri).catch((e) => connection.console.error(`validation of ${uri} failed: ${String(e)}`)), delay));
  };

  const revalidateAll = () => {
    cache.invalidate();
    for (const doc of documents.all()) schedule(doc.uri);
  };

  /**
   * Run a request against the current analysis of a document; undefined when the document is unknown or the
   * client cancelled the request meanwhile.
   */
  const withAnalysis = async <T>(uri: string, token: CancellationToken, run: (doc: TextDocument, analysis: PipelineAnalysis, ws: Workspace) => T): Promise<T | undefined> => {
    const doc = documents.get(uri);
    if (!doc || token.isCancellationRequested) return undefined;
    const { analysis, ws } = await analysisOf(doc);
    if (token.isCancellationRequested) return undefined;
    return run(doc, analysis, ws);
  };

  const refreshSettings = async (pushed?: unknown) => {
    const section = pullsConfiguration ? await connection.workspace.getConfiguration('lathe.pipeline') : (pushed as { lathe?: { pipeline?: unknown } } | undefined)?.lathe?.pipeline;
    severities = severityOverrides((section as { severity?: unknown } | undefined)?.severity);
    revalidateAll();
  };

  connection.onInitialize((params): InitializeResult => {
    pullsConfiguration = !!params.capabilities.workspace?.configuration;
    registersWatchers = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    severities = severityOverrides((params.initializationOptions as { severity?: unknown } | undefined)?.severity);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Full,
        completionProvider: { triggerCharacters: ['.', '@', ':', '[', ',', ' '] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'lathe-pipeline' },
    };
  });

  connection.onInitialized(async () => {
    if (registersWatchers) {
      // store records change versions and aliases; yaml files may be params files; any created or deleted file may be a dep
      await connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/.lathe/{datasets,models}/**' }, { globPattern: '**/*.{yaml,yml}' }, { globPattern: '**/*', kind: WatchKind.Create | WatchKind.Delete }],
      });
    }
    if (pullsConfiguration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: 'lathe' });
      await refreshSettings();
    }
  });

  connection.onDidChangeConfiguration((change) => void refreshSettings(change.settings));

  connection.onDidChangeWatchedFiles((change) => {
    if (change.changes.some((c) => c.uri.startsWith('file:') && isStoreRecord(fileURLToPath(c.uri)))) stores.invalidate();
    revalidateAll();
  });

  // an opened document is validated at once; TextDocuments also reports the open as a content change, skipped here
  const opening = new Set<string>();
  documents.onDidOpen((e) => {
    opening.add(e.document.uri);
    schedule(e.document.uri, 0);
  });
  documents.onDidChangeContent((e) => {
    if (!opening.delete(e.document.uri)) schedule(e.document.uri);
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    cache.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCompletion((p, token) => withAnalysis(p.textDocument.uri, token, (doc, a, ws) => complete(a.model, doc.offsetAt(p.position), ws.store)));
  connection.onHover((p, token) => withAnalysis(p.textDocument.uri, token, (doc, a, ws) => hover(a.model, a.dag, doc.offsetAt(p.position), ws.store)));
  connection.onDefinition((p, token) => withAnalysis(p.textDocument.uri, token, (doc, a, ws) => definition(a, doc.offsetAt(p.position), uriOf(doc, a, ws))));
  connection.onReferences((p, token) =>
    withAnalysis(p.textDocument.uri, token, (doc, a, ws) => references(a, doc.offsetAt(p.position), p.context.includeDeclaration, uriOf(doc, a, ws))),
  );
  connection.onPrepareRename((p, token) => withAnalysis(p.textDocument.uri, token, (doc, a) => prepareRename(a, doc.offsetAt(p.position))));
  connection.onRenameRequest(async (p, token) => {
    const result = await withAnalysis(p.textDocument.uri, token, (doc, a, ws) => rename(a, doc.offsetAt(p.position), p.newName, uriOf(doc, a, ws)));
    if (result && 'error' in result) throw new ResponseError(-32803, result.error);
    return result;
  });
  connection.onDocumentSymbol((p, token) => withAnalysis(p.textDocument.uri, token, (_doc, a) => documentSymbols(a.model)));
  connection.onCodeLens((p, token) => withAnalysis(p.textDocument.uri, token, (doc, a) => codeLenses(a.model, doc.uri)));
  connection.onCodeAction((p, token) => withAnalysis(p.textDocument.uri, token, (doc, a) => codeActions(a.file.lines, doc.uri, p.context.diagnostics, p.range)));

  documents.listen(connection);
  connection.listen();
}
