import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { helperEnvironment } from './helperEnvironment';

/**
 * V8's young generation for the helper's threads (the CLI's shebang sets the same, scripts/build.mjs).
 * A job's main thread makes short-lived objects in bursts, and the default semispaces of up to
 * 16 MiB then stay resident, about 50 MiB of a folder's 200 MiB peak; 2 MiB ones run as fast.
 */
const HELPER_V8_FLAGS = ['--max-semi-space-size=2'];

/**
 * Starts the helper (dist/server.js) as a separate Node process over IPC. vscode-languageclient
 * restarts it if it dies; requests that were running then fail, and their jobs end with a message.
 */
export function createServerClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const env = helperEnvironment(process.env);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env, execArgv: HELPER_V8_FLAGS } },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { env, execArgv: [...HELPER_V8_FLAGS, '--nolazy', '--inspect=6019'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    // No documents: the helper only answers Chunkpress's own requests.
    documentSelector: [],
    outputChannel: output,
  };
  return new LanguageClient('chunkpress', 'Chunkpress helper', serverOptions, clientOptions);
}
