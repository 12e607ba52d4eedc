/** Layer 3: the bundled helper (dist/server.js) driven over IPC JSON-RPC, as the extension drives it. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import {
  CancellationTokenSource,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  type ProtocolConnection,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageserver-protocol/node';
import {
  compressPartialType,
  compressRequest,
  serverInfoRequest,
  type CompressPartial,
  type JobErrorData,
} from '../../server/src/protocol';
import { readArchive, repoRoot, sampleData, tempDir } from '../helpers';
import { startHelper, type Helper } from '../helperProcess';

const dir = tempDir('chunkpress-server-');
let helper: Helper;
let connection: ProtocolConnection;

before(async () => {
  helper = await startHelper(repoRoot);
  connection = helper.connection;
  assert.equal(helper.init.serverInfo?.name, 'chunkpress');
});

after(() => {
  helper.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

function track(token: string, partialToken: string) {
  const progress: ProgressValue[] = [];
  const partials: CompressPartial[] = [];
  const subs = [
    connection.onProgress(WorkDoneProgress.type, token, (value) => {
      progress.push(value);
    }),
    connection.onProgress(compressPartialType, partialToken, (value) => {
      partials.push(value);
    }),
  ];
  return { progress, partials, dispose: () => subs.forEach((s) => s.dispose()) };
}

test('serverInfo names zstd and the pool', async () => {
  const info = await connection.sendRequest(serverInfoRequest);
  assert.match(info.zstdVersion, /^1\.5\.\d+$/);
  assert.ok(info.poolSize >= 1);
  assert.equal(info.pid, helper.child.pid);
});

test('compress: $/progress begin, reports, end; partial results carry every chunk; result describes the archive', async () => {
  const input = path.join(dir, 'log.txt');
  fs.writeFileSync(input, sampleData(40 << 20, 1));
  const seen = track('wd-1', 'pr-1');
  const result = await connection.sendRequest(compressRequest, {
    input,
    output: `${input}.zst`,
    overwrite: false,
    chunkSize: 1 << 20,
    level: 3,
    workDoneToken: 'wd-1',
    partialResultToken: 'pr-1',
  });
  await new Promise((resolve) => setTimeout(resolve, 50)); // progress notifications precede the response, but be safe
  seen.dispose();

  assert.equal(result.inputSize, 40 << 20);
  assert.equal(result.chunks, 40);
  assert.equal(result.outputSize, fs.statSync(`${input}.zst`).size);
  assert.match(result.threadReason, /^\d+ workers?: limited by/);
  assert.equal(readArchive(`${input}.zst`).table.entries.length, 40);

  const kinds = seen.progress.map((p) => p.kind);
  assert.equal(kinds[0], 'begin');
  assert.equal(kinds.at(-1), 'end');
  assert.ok(kinds.slice(1, -1).every((k) => k === 'report') && kinds.length >= 3, kinds.join(','));
  const begin = seen.progress[0] as WorkDoneProgressBegin;
  assert.equal(begin.title, `Compressing ${input}`);
  assert.equal(begin.cancellable, true);
  const reports = seen.progress.filter((p): p is WorkDoneProgressReport => p.kind === 'report');
  assert.ok(
    reports.some((r) => /^\d+% · \d+\/40 chunks · [\d.]+ [kM]B\/s · ETA \d+:\d\d$/.test(r.message ?? '')),
    reports.map((r) => r.message).join('\n'),
  );
  const percentages = reports.map((r) => r.percentage ?? 0);
  assert.deepEqual(
    percentages,
    [...percentages].sort((a, b) => a - b),
    'percentages never go back',
  );

  const chunks = seen.partials.flatMap((p) => p.chunks);
  assert.deepEqual(
    chunks.map((c) => c.index),
    Array.from({ length: 40 }, (_, i) => i),
  );
  assert.equal(chunks[5].inputOffset, 5 << 20);
  assert.equal(seen.partials.at(-1)?.progress.stage, 'done');
});

test('compress with format gzip: BGZF with its .gzi, or one member; the result says which', async () => {
  const input = path.join(dir, 'table.tsv');
  const data = sampleData(5 << 20, 4);
  fs.writeFileSync(input, data);
  const bgzf = await connection.sendRequest(compressRequest, {
    input,
    output: `${input}.gz`,
    overwrite: false,
    format: 'gzip',
    gzipLayout: 'bgzf',
    gzi: true,
  });
  assert.equal(bgzf.format, 'gzip');
  assert.equal(bgzf.gzipLayout, 'bgzf');
  assert.equal(bgzf.level, 6, "gzip's default level");
  assert.equal(bgzf.outputSize, fs.statSync(`${input}.gz`).size);
  assert.ok(execFileSync('bgzip', ['-dc', `${input}.gz`], { maxBuffer: 1 << 30 }).equals(data));
  assert.ok(fs.statSync(`${input}.gz.gzi`).size > 8);
  const single = await connection.sendRequest(compressRequest, {
    input,
    output: `${input}.1.gz`,
    overwrite: false,
    format: 'gzip',
    level: 9,
  });
  assert.equal(single.gzipLayout, 'single');
  assert.equal(single.level, 9);
  assert.ok(execFileSync('gzip', ['-dc', `${input}.1.gz`], { maxBuffer: 1 << 30 }).equals(data));
});

test('an existing output fails with code EEXIST so the client can ask', async () => {
  const input = path.join(dir, 'exists.txt');
  fs.writeFileSync(input, 'data');
  fs.writeFileSync(`${input}.zst`, 'keep me');
  await assert.rejects(
    connection.sendRequest(compressRequest, { input, output: `${input}.zst`, overwrite: false }),
    (err: ResponseError<JobErrorData>) => {
      assert.equal(err.data?.code, 'EEXIST');
      assert.equal(err.data?.path, `${input}.zst`);
      assert.equal(err.message, `"${input}.zst" already exists`);
      return true;
    },
  );
  assert.equal(fs.readFileSync(`${input}.zst`, 'utf8'), 'keep me');
});

async function startAndCancel(name: string, cancel: (source: CancellationTokenSource, token: string) => void) {
  const input = path.join(dir, name);
  fs.writeFileSync(input, sampleData(64 << 20, 2));
  const source = new CancellationTokenSource();
  const token = `wd-${name}`;
  const seen = track(token, `pr-${name}`);
  const request = connection.sendRequest(
    compressRequest,
    {
      input,
      output: `${input}.zst`,
      overwrite: false,
      level: 19,
      chunkSize: 4 << 20,
      workDoneToken: token,
      partialResultToken: `pr-${name}`,
    },
    source.token,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const cancelledAt = performance.now();
  cancel(source, token);
  await assert.rejects(request, (err: ResponseError<JobErrorData>) => {
    assert.equal(err.code, LSPErrorCodes.RequestCancelled);
    return true;
  });
  const took = performance.now() - cancelledAt;
  seen.dispose();
  assert.ok(took < 400, `the job stopped ${took.toFixed(0)} ms after the cancel`);
  assert.equal(seen.progress.at(-1)?.kind, 'end');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes(`${name}.zst`)),
    [],
    'no partial file',
  );
}

test('$/cancelRequest stops a level-19 job mid-way and removes the partial file', () =>
  startAndCancel('cancel-request.bin', (source) => source.cancel()));

test('window/workDoneProgress/cancel on the job token does the same', () =>
  startAndCancel('cancel-progress.bin', (_, token) => {
    void connection.sendNotification(WorkDoneProgressCancelNotification.type, { token });
  }));
