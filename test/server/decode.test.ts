/** Layer 3: decompress, verify, extract and range reads through the bundled helper, over IPC. */
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
  type ProtocolConnection,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageserver-protocol/node';
import {
  decodePartialType,
  decodeRequest,
  readRangeRequest,
  type DecodePartial,
  type JobErrorData,
} from '../../server/src/protocol';
import { readArchive, repoRoot, sampleData, tempDir } from '../helpers';
import { startHelper, type Helper } from '../helperProcess';

const dir = tempDir('chunkpress-server-decode-');
const cli = path.join(repoRoot, 'dist', 'cli.js');
let helper: Helper;
let connection: ProtocolConnection;
const data = sampleData(12 << 20, 9);
let archive: string;

before(async () => {
  helper = await startHelper(repoRoot);
  connection = helper.connection;
  const input = path.join(dir, 'big.log');
  fs.writeFileSync(input, data);
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '1M', input]);
  archive = `${input}.zst`;
  fs.rmSync(input);
});

after(() => {
  helper.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

function track(token: string) {
  const progress: ProgressValue[] = [];
  const partials: DecodePartial[] = [];
  const subs = [
    connection.onProgress(WorkDoneProgress.type, token, (value) => void progress.push(value)),
    connection.onProgress(decodePartialType, `${token}-partial`, (value) => void partials.push(value)),
  ];
  return { progress, partials, dispose: () => subs.forEach((s) => s.dispose()) };
}

test('decompress: progress begin/report/end, every frame streamed, the file equals the original', async () => {
  const output = path.join(dir, 'big.log');
  const seen = track('d-1');
  const result = await connection.sendRequest(decodeRequest, {
    kind: 'decompress',
    input: archive,
    output,
    overwrite: false,
    workDoneToken: 'd-1',
    partialResultToken: 'd-1-partial',
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  seen.dispose();
  assert.ok(fs.readFileSync(output).equals(data));
  assert.equal(result.bytesOut, data.length);
  assert.equal(result.mode, 'parallel');
  assert.equal(result.frames, 12);
  assert.equal(result.framesDecoded, 12);
  assert.deepEqual(
    seen.progress.map((p) => p.kind).filter((k, i, all) => k !== all[i - 1]),
    ['begin', 'report', 'end'],
  );
  assert.equal((seen.progress[0] as WorkDoneProgressBegin).title, `Decompressing ${archive}`);
  const frames = seen.partials.flatMap((p) => p.frames);
  assert.deepEqual(
    frames.map((f) => f.index).sort((a, b) => a - b),
    [...Array(12).keys()],
  );
  assert.ok(frames.every((f) => f.ok && f.contentSize === 1 << 20));
  assert.equal(seen.partials.at(-1)?.progress.bytesIn, data.length);

  // Again without consent: EEXIST, and the file is untouched.
  const before = fs.statSync(output).mtimeMs;
  await assert.rejects(
    connection.sendRequest(decodeRequest, { kind: 'decompress', input: archive, output, overwrite: false }),
    (err: ResponseError<JobErrorData>) => err.data?.code === 'EEXIST' && err.data.path === output,
  );
  assert.equal(fs.statSync(output).mtimeMs, before);
});

test('verify: every frame ok with the manifest digests; a corrupt chunk is named with its offsets', async () => {
  const ok = await connection.sendRequest(decodeRequest, { kind: 'verify', input: archive, overwrite: false });
  assert.deepEqual(ok.failures, []);
  assert.equal(ok.digestsChecked, true);
  assert.equal(ok.bytesOut, data.length);

  const bad = path.join(dir, 'bad.log.zst');
  const bytes = fs.readFileSync(archive);
  const frame5 = readArchive(archive)
    .table.entries.slice(0, 5)
    .reduce((sum, e) => sum + e.compressedSize, 0);
  bytes[frame5 + 200] ^= 0x55; // inside chunk 5's blocks, past its header
  fs.writeFileSync(bad, bytes);
  const seen = track('v-1');
  const result = await connection.sendRequest(decodeRequest, {
    kind: 'verify',
    input: bad,
    overwrite: false,
    workDoneToken: 'v-1',
    partialResultToken: 'v-1-partial',
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  seen.dispose();
  assert.deepEqual(
    result.failures.map((f) => f.index),
    [5],
  );
  assert.match(
    result.failures[0].message ?? '',
    new RegExp(`^frame 5 \\(bytes ${frame5}\\.\\.\\d+, content 5242880\\.\\.6291455\\)`),
  );
  const streamed = new Map(seen.partials.flatMap((p) => p.frames).map((f) => [f.index, f.ok]));
  assert.equal(streamed.size, 12);
  assert.equal(streamed.get(5), false);
  assert.equal([...streamed.values()].filter((ok) => ok).length, 11);
});

test('extract writes just the range; readRange returns it in memory; past the end is an error', async () => {
  const output = path.join(dir, 'part.bin');
  const range = { offset: (3 << 20) - 100, length: (1 << 20) + 200 };
  const result = await connection.sendRequest(decodeRequest, {
    kind: 'extract',
    input: archive,
    output,
    overwrite: false,
    range,
  });
  assert.ok(fs.readFileSync(output).equals(data.subarray(range.offset, range.offset + range.length)));
  assert.equal(result.framesDecoded, 3, 'frames 2, 3 and 4 cover it');

  const { base64 } = await connection.sendRequest(readRangeRequest, {
    path: archive,
    offset: 5 << 20,
    length: 1 << 20,
  });
  assert.ok(Buffer.from(base64, 'base64').equals(data.subarray(5 << 20, 6 << 20)));

  await assert.rejects(
    connection.sendRequest(readRangeRequest, { path: archive, offset: data.length - 10, length: 11 }),
    (err: ResponseError<JobErrorData>) =>
      err.data?.code === 'EINVAL' &&
      /goes past the end of ".*big\.log\.zst": its content is 12582912 bytes/.test(err.message),
  );
  await assert.rejects(
    connection.sendRequest(readRangeRequest, { path: archive, offset: 0, length: 65 << 20 }),
    (err: ResponseError<JobErrorData>) => err.data?.code === 'EFBIG' && /over the 64 MiB limit/.test(err.message),
  );
});

test('cancelling a decompression leaves no partial file', async () => {
  // Large enough to be cancelled mid-way: cancel on its first progress report.
  const input = path.join(dir, 'long.log');
  fs.writeFileSync(input, sampleData(160 << 20, 4));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-l', '-3', '-c', '1M', input]);
  fs.rmSync(input);
  const source = new CancellationTokenSource();
  const reported = new Promise<void>((resolve) => {
    const sub = connection.onProgress(WorkDoneProgress.type, 'c-1', (value) => {
      if (value.kind !== 'report') return;
      sub.dispose();
      resolve();
    });
  });
  const request = connection.sendRequest(
    decodeRequest,
    { kind: 'decompress', input: `${input}.zst`, output: input, overwrite: false, threads: 1, workDoneToken: 'c-1' },
    source.token,
  );
  await reported;
  source.cancel();
  await assert.rejects(request, (err: ResponseError<JobErrorData>) => err.code === LSPErrorCodes.RequestCancelled);
  assert.deepEqual(
    fs.readdirSync(dir).filter((name) => name.includes('long.log') && name !== 'long.log.zst'),
    [],
  );
});
