/** The bundled helper (dist/server.js) started over IPC and initialized, as the extension does it. */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  InitializeRequest,
  InitializedNotification,
  IPCMessageReader,
  IPCMessageWriter,
  type InitializeResult,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';

export interface Helper {
  child: ChildProcess;
  connection: ProtocolConnection;
  init: InitializeResult;
  stop(): void;
}

export async function startHelper(repoRoot: string): Promise<Helper> {
  const child = fork(path.join(repoRoot, 'dist', 'server.js'), ['--node-ipc'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  const init = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: { window: { workDoneProgress: true } },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    child,
    connection,
    init,
    stop: () => {
      connection.dispose();
      child.kill();
    },
  };
}
