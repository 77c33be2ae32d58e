import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { PIPELINE_LANGUAGE } from '../shared/ids';

/**
 * Starts the pipeline language server (dist/server.js) over IPC. The server watches the store and the workspace
 * files itself and pulls its settings, so the client needs no `synchronize` options.
 */
export async function startLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): Promise<vscode.Disposable> {
  const module = context.asAbsolutePath('dist/server.js');
  const server: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const client: LanguageClientOptions = {
    documentSelector: [
      { language: PIPELINE_LANGUAGE, scheme: 'file' },
      { language: PIPELINE_LANGUAGE, scheme: 'untitled' },
    ],
    outputChannel: output,
  };
  const languageClient = new LanguageClient(PIPELINE_LANGUAGE, 'Lathe Pipeline', server, client);
  await languageClient.start();
  return { dispose: () => void languageClient.stop() };
}
