// The language server process: the transport (--stdio, --node-ipc, --socket=N) comes from the command line.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
