/**
 * The Chunkpress helper: a vscode-languageserver connection over IPC that runs compression jobs
 * on one shared worker pool and streams their progress back to the extension.
 */
import {
  createConnection,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  WorkDoneProgressCancelNotification,
} from 'vscode-languageserver/node';
import { defaultSystem } from './engine/compress';
import { zstdVersion } from './engine/codec';
import { ChunkpressError } from './engine/errors';
import { WorkerPool } from './engine/pool';
import { MAX_THREADS } from './engine/threadPlan';
import { JobRegistry } from './jobs';
import { compressPartialType, compressRequest, serverInfoRequest, type JobErrorData } from './protocol';

const VERSION = '0.1.0';

const connection = createConnection(ProposedFeatures.all);
const pool = new WorkerPool(Math.min(defaultSystem.cores, MAX_THREADS));
const jobs = new JobRegistry(pool);

connection.onInitialize(() => ({
  capabilities: {},
  serverInfo: { name: 'chunkpress', version: VERSION },
}));

connection.onRequest(serverInfoRequest, () => ({
  version: VERSION,
  zstdVersion: zstdVersion(),
  cores: defaultSystem.cores,
  poolSize: pool.size,
  pid: process.pid,
}));

connection.onRequest(compressRequest, async (params, token) => {
  const progressToken = params.workDoneToken;
  const workDone = connection.languages.attachWorkDoneProgress(params);
  const resultProgress = connection.languages.attachPartialResultProgress(compressPartialType, params);
  try {
    return await jobs.compress(params, progressToken, token, {
      begin: (title, message) => workDone.begin(title, 0, message, true),
      report: (percentage, message) =>
        percentage === undefined ? workDone.report(message) : workDone.report(Math.floor(percentage), message),
      partial: (partial) => resultProgress?.report(partial),
      log: (message) => connection.console.log(message),
    });
  } catch (err) {
    throw toResponseError(err);
  } finally {
    workDone.done();
  }
});

// Registered after `initialize`, where vscode-languageserver installs its own handler for this
// notification (for server-created progress only); ours also cancels jobs by their client token.
connection.onInitialized(() => {
  connection.onNotification(WorkDoneProgressCancelNotification.type, ({ token }) => {
    jobs.cancelByToken(token);
  });
});

connection.onShutdown(async () => {
  jobs.cancelAll();
  await pool.close();
});

function toResponseError(err: unknown): ResponseError<JobErrorData> {
  if (err instanceof ChunkpressError) {
    if (err.code === 'ECANCELED')
      return new ResponseError(LSPErrorCodes.RequestCancelled, err.message, { code: err.code });
    return new ResponseError(LSPErrorCodes.RequestFailed, err.message, { code: err.code, path: err.path });
  }
  const message = err instanceof Error ? err.message : String(err);
  connection.console.error(`internal error: ${err instanceof Error ? err.stack : message}`);
  return new ResponseError(LSPErrorCodes.RequestFailed, message, { code: 'EINTERNAL' });
}

connection.listen();
