import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { JOB_V8_FLAGS } from '../../server/src/v8Flags';
import { helperEnvironment } from './helperEnvironment';

/**
 * Starts the helper (dist/server.js) as a separate Node process over IPC. vscode-languageclient
 * restarts it if it dies; requests that were running then fail, and their jobs end with a message.
 */
export function createServerClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const env = helperEnvironment(process.env);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env, execArgv: JOB_V8_FLAGS } },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { env, execArgv: [...JOB_V8_FLAGS, '--nolazy', '--inspect=6019'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    // No documents: the helper only answers Chunkpress's own requests.
    documentSelector: [],
    outputChannel: output,
  };
  return new LanguageClient('chunkpress', 'Chunkpress helper', serverOptions, clientOptions);
}
