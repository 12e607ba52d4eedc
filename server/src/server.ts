/**
 * The Chunkpress helper: a vscode-languageserver connection over IPC that runs compression jobs
 * on one shared worker pool and streams their progress back to the extension, and answers the
 * Archives panel's inspection requests (from headers alone, remembered per file).
 */
import * as path from 'node:path';
import {
  createConnection,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  WorkDoneProgressCancelNotification,
  type CancellationToken,
  type WorkDoneProgressParams,
  type WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import { defaultSystem } from './engine/io/system';
import { zstdVersion } from './engine/codec/codec';
import { bgzfEngine } from './engine/codec/libdeflate';
import { ChunkpressError } from './engine/errors';
import { describeInterrupted, discardInterrupted, formatAge, interruptedJobAt } from './engine/io/interruptedJobs';
import { journalProgress } from './engine/format/jobJournal';
import { describeFrame } from './engine/inspection/frameDetail';
import { readRange } from './engine/decoding/decompress';
import { applyMeasuredSize } from './engine/inspection/inspect';
import { measureFrame } from './engine/decoding/measure';
import { WorkerPool } from './engine/pool/pool';
import { MAX_THREADS } from './engine/pool/threadPlan';
import { inspectReport } from './engine/inspection/inspectReport';
import { InspectionCache } from './inspections';
import { JobRegistry } from './jobs';
import { MemberReads } from './memberReads';
import { MemberTrees } from './memberTrees';
import type { Manifest } from './engine/format/manifest';
import {
  askOverwriteRequest,
  compressPartialType,
  compressRequest,
  discardJobRequest,
  interruptedJobsRequest,
  type InterruptedJobInfo,
  extractPartialType,
  extractRequest,
  decodePartialType,
  decodeRequest,
  MAX_READ_BYTES,
  readRangeRequest,
  frameDetailRequest,
  framesRequest,
  inspectRequest,
  measureFrameRequest,
  memberPathsRequest,
  memberStatRequest,
  membersRequest,
  searchPartialType,
  searchRequest,
  readMemberRequest,
  reportRequest,
  serverInfoRequest,
  type JobErrorData,
} from './protocol';

const VERSION = '0.1.0';

const connection = createConnection(ProposedFeatures.all);
const pool = new WorkerPool(Math.min(defaultSystem.cores, MAX_THREADS));
const jobs = new JobRegistry(pool);
const inspections = new InspectionCache();
const memberTrees = new MemberTrees(pool);
const memberReads = new MemberReads(memberTrees, inspections, pool);
/** Inspections and measurements in flight, by their workDoneToken, for window/workDoneProgress/cancel. */
const tasks = new Map<string | number, AbortController>();
const REPORT_INTERVAL_MS = 100;

connection.onInitialize(() => ({
  capabilities: {},
  serverInfo: { name: 'chunkpress', version: VERSION },
}));

connection.onRequest(serverInfoRequest, () => ({
  version: VERSION,
  zstdVersion: zstdVersion(),
  bgzfEngine: bgzfEngine(),
  cores: defaultSystem.cores,
  poolSize: pool.size,
  pid: process.pid,
}));

connection.onRequest(interruptedJobsRequest, async ({ journals, keepDays }) => {
  const jobsFound: InterruptedJobInfo[] = [];
  const removed: string[] = [];
  const now = Date.now();
  for (const journal of journals) {
    const job = await interruptedJobAt(journal).catch(() => undefined);
    if (!job || job.running) continue;
    const target = job.journal?.header.target;
    if (now - job.modifiedMs > keepDays * 86_400_000) {
      await discardInterrupted(job);
      removed.push(`${target ?? journal} (stopped ${formatAge(now - job.modifiedMs)})`);
      continue;
    }
    const header = job.journal?.header;
    const progress = job.journal && journalProgress(job.journal);
    jobsFound.push({
      journal: job.journalPath,
      job: header?.job,
      target,
      source: header?.source.path,
      tree:
        header?.job === 'compress' && header.tree
          ? { roots: header.tree.roots.map((r) => r.path), name: header.tree.name }
          : undefined,
      chunksDone: progress?.done ?? 0,
      totalChunks: progress?.total ?? 0,
      stoppedAt: job.modifiedMs,
      description: describeInterrupted(job, now),
      problem: job.problem,
    });
  }
  return { jobs: jobsFound, removed };
});

connection.onRequest(discardJobRequest, async ({ journal }) => {
  const job = await interruptedJobAt(journal);
  if (job && !job.running) await discardInterrupted(job);
});

connection.onRequest(compressRequest, async (params, token) => {
  const progressToken = params.workDoneToken;
  const workDone = connection.languages.attachWorkDoneProgress(params);
  const resultProgress = connection.languages.attachPartialResultProgress(compressPartialType, params);
  try {
    return await jobs.compress(params, progressToken, token, {
      ...workDoneReporter(workDone),
      partial: (chunks, progress) => resultProgress?.report({ chunks, progress }),
    });
  } catch (err) {
    throw toResponseError(err);
  } finally {
    workDone.done();
  }
});

connection.onRequest(decodeRequest, async (params, token) => {
  const progressToken = params.workDoneToken;
  const workDone = connection.languages.attachWorkDoneProgress(params);
  const resultProgress = connection.languages.attachPartialResultProgress(decodePartialType, params);
  try {
    if (params.kind !== 'verify' && !params.output)
      throw new ChunkpressError(`${params.kind} needs an output file`, 'EINVAL', params.input);
    return await jobs.decode(params, progressToken, token, {
      ...workDoneReporter(workDone),
      partial: (frames, progress) => resultProgress?.report({ frames, progress }),
    });
  } catch (err) {
    throw toResponseError(err);
  } finally {
    workDone.done();
  }
});

connection.onRequest(extractRequest, async (params, token) => {
  const progressToken = params.workDoneToken;
  const workDone = connection.languages.attachWorkDoneProgress(params);
  const resultProgress = connection.languages.attachPartialResultProgress(extractPartialType, params);
  try {
    return await jobs.extract(
      params,
      progressToken,
      token,
      {
        ...workDoneReporter(workDone),
        partial: (_, progress) => resultProgress?.report({ progress }),
      },
      async (conflict) =>
        (await connection.sendRequest(askOverwriteRequest, { archive: params.archive, ...conflict })).answer,
    );
  } catch (err) {
    throw toResponseError(err);
  } finally {
    workDone.done();
  }
});

function workDoneReporter(workDone: WorkDoneProgressReporter) {
  return {
    begin: (title: string, message: string) => workDone.begin(title, 0, message, true),
    report: (percentage: number | undefined, message: string) =>
      percentage === undefined ? workDone.report(message) : workDone.report(Math.floor(percentage), message),
    log: (message: string) => connection.console.log(message),
  };
}

// No workDoneToken here (the editor waits for it): withWorkDone gives it cancellation and errors only.
connection.onRequest(readRangeRequest, ({ path: file, offset, length }, token) =>
  withWorkDone({}, `Reading ${path.basename(file)}`, token, async (signal) => {
    const bytes = await readRange(file, { offset, length }, pool, MAX_READ_BYTES, signal);
    return { base64: bytes.toString('base64') };
  }),
);

/**
 * Runs a cancellable task that reports $/progress on the request's workDoneToken (if any):
 * `report(fraction, message)` is throttled to one notification per REPORT_INTERVAL_MS.
 */
async function withWorkDone<T>(
  params: WorkDoneProgressParams,
  title: string,
  token: CancellationToken,
  run: (signal: AbortSignal, report: (fraction: number, message: string) => void) => Promise<T>,
): Promise<T> {
  const progressToken = params.workDoneToken; // attachWorkDoneProgress removes it from params
  const workDone = connection.languages.attachWorkDoneProgress(params);
  const controller = new AbortController();
  const subscription = token.onCancellationRequested(() => controller.abort());
  if (progressToken !== undefined) tasks.set(progressToken, controller);
  let last = -Infinity;
  workDone.begin(title, 0, undefined, true);
  try {
    return await run(controller.signal, (fraction, message) => {
      const now = performance.now();
      if (now - last < REPORT_INTERVAL_MS) return;
      last = now;
      workDone.report(Math.floor(100 * Math.min(1, fraction)), message);
    });
  } catch (err) {
    throw toResponseError(err);
  } finally {
    workDone.done();
    subscription.dispose();
    if (progressToken !== undefined) tasks.delete(progressToken);
  }
}

const inspectionProgress =
  (report: (fraction: number, message: string) => void) =>
  (done: number, total: number): void =>
    report(total > 0 ? done / total : 1, `${Math.floor((100 * done) / Math.max(1, total))}% walked`);

connection.onRequest(inspectRequest, (params, token) =>
  withWorkDone(params, `Inspecting ${path.basename(params.path)}`, token, async (signal, report) => {
    const started = performance.now();
    const { info, mtimeMs, cached } = await inspections.get(params.path, {
      signal,
      onProgress: inspectionProgress(report),
    });
    const { frames, manifest, ...summary } = info;
    const elapsedMs = cached ? 0 : performance.now() - started;
    const { members, ...rest } = manifest ?? {};
    return {
      ...summary,
      manifest: manifest && (rest as Omit<Manifest, 'members'>),
      memberCount: members?.count ?? null,
      frameCount: frames.length,
      mtimeMs,
      elapsedMs,
    };
  }),
);

connection.onRequest(membersRequest, (params, token) =>
  withWorkDone(params, `Reading the members of ${path.basename(params.path)}`, token, async (signal, report) => {
    const tree = await memberTrees.get(params.path, {
      signal,
      onProgress: (read, total) =>
        report(total > 0 ? read / total : 1, `${Math.floor((100 * read) / Math.max(1, total))}% read`),
    });
    const rows = tree.rows(params.folder);
    if (!rows) throw new ChunkpressError(`"${params.path}" has no folder "${params.folder}"`, 'ENOENT', params.path);
    return { rows, total: tree.total, via: tree.via };
  }),
);

connection.onRequest(memberPathsRequest, async ({ archive }, token) => {
  try {
    return { paths: (await memberTrees.get(archive, { signal: abortOn(token) })).files() };
  } catch (err) {
    throw toResponseError(err);
  }
});

connection.onRequest(searchRequest, async (params, token) => {
  const progressToken = params.workDoneToken;
  const workDone = connection.languages.attachWorkDoneProgress(params);
  const resultProgress = connection.languages.attachPartialResultProgress(searchPartialType, params);
  try {
    return await jobs.search(params, progressToken, token, {
      ...workDoneReporter(workDone),
      partial: (matches, progress) => resultProgress?.report({ matches, progress }),
    });
  } catch (err) {
    throw toResponseError(err);
  } finally {
    workDone.done();
  }
});

connection.onRequest(memberStatRequest, async ({ archive, path: member }, token) => {
  try {
    const { path: resolved, type, symlink, size, mtimeMs } = await memberReads.stat(archive, member, abortOn(token));
    return { path: resolved, type, symlink, size, mtimeMs };
  } catch (err) {
    throw toResponseError(err);
  }
});

connection.onRequest(readMemberRequest, async ({ archive, path: member }, token) => {
  try {
    return { base64: (await memberReads.read(archive, member, abortOn(token))).toString('base64') };
  } catch (err) {
    throw toResponseError(err);
  }
});

/** An AbortSignal that a request's cancellation sets off. */
function abortOn(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

connection.onRequest(framesRequest, async ({ path: file, kind, start, count }) => {
  try {
    const { info } = await inspections.get(file);
    const rows = info.frames.filter((f) => (f.role === 'data' || f.role === 'member') === (kind === 'data'));
    const from = Math.max(0, start);
    return { frames: rows.slice(from, from + Math.max(0, count)), frameCount: rows.length };
  } catch (err) {
    throw toResponseError(err);
  }
});

connection.onRequest(frameDetailRequest, async ({ path: file, ...frame }) => {
  try {
    return await describeFrame(file, frame);
  } catch (err) {
    throw toResponseError(err);
  }
});

connection.onRequest(measureFrameRequest, (params, token) =>
  withWorkDone(
    params,
    `Measuring frame ${params.index} of ${path.basename(params.path)}`,
    token,
    async (signal, report) => {
      const contentSize = await measureFrame(params.path, params, {
        signal,
        onProgress: (done, total) => report(done / total, `${Math.floor((100 * done) / total)}% decoded`),
      });
      // Later pages, the summary and the report then show it too.
      const { info } = await inspections.get(params.path);
      if (info.frames.some((f) => f.index === params.index && f.role === 'data'))
        applyMeasuredSize(info, params.index, contentSize);
      return { contentSize };
    },
  ),
);

connection.onRequest(reportRequest, async ({ path: file }) => {
  try {
    return { text: inspectReport((await inspections.get(file)).info) };
  } catch (err) {
    throw toResponseError(err);
  }
});

// Registered after `initialize`, where vscode-languageserver installs its own handler for this
// notification (for server-created progress only); ours also cancels jobs by their client token.
connection.onInitialized(() => {
  connection.onNotification(WorkDoneProgressCancelNotification.type, ({ token }) => {
    if (!jobs.cancelByToken(token)) tasks.get(token)?.abort();
  });
});

connection.onShutdown(async () => {
  jobs.cancelAll();
  for (const task of tasks.values()) task.abort();
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
