/** Layer 3: the Archives panel's requests against the bundled helper, over IPC. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import {
  CancellationTokenSource,
  ResponseError,
  WorkDoneProgress,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import {
  frameDetailRequest,
  framesRequest,
  inspectRequest,
  measureFrameRequest,
  reportRequest,
  type JobErrorData,
} from '../../server/src/protocol';
import { repoRoot, sampleData, tempDir } from '../helpers';
import { startHelper, type Helper } from '../helperProcess';

const dir = tempDir('chunkpress-inspect-server-');
const cli = path.join(repoRoot, 'dist', 'cli.js');
let helper: Helper;
let connection: ProtocolConnection;

before(async () => {
  helper = await startHelper(repoRoot);
  connection = helper.connection;
});

after(() => {
  helper.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('inspect answers from the trailer; frames come in pages; details and the report follow', async () => {
  const input = path.join(dir, 'many.bin');
  fs.writeFileSync(input, sampleData(2_000_000, 3));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '4K', input]);
  const archive = `${input}.zst`;

  const summary = await connection.sendRequest(inspectRequest, { path: archive });
  assert.equal(summary.layout, 'chunkpress');
  assert.equal(summary.dataFrames, 489);
  assert.equal(summary.frameCount, 491);
  assert.equal(summary.via, 'seek-table');
  assert.ok(summary.bytesRead < 16 << 10, `read ${summary.bytesRead} B`);
  assert.equal('frames' in summary, false, 'the frame list is paged, not sent whole');
  assert.equal(summary.manifest?.source.name, 'many.bin');

  const page = await connection.sendRequest(framesRequest, { path: archive, kind: 'data', start: 200, count: 200 });
  assert.equal(page.frameCount, 489);
  assert.deepEqual(
    [page.frames.length, page.frames[0].index, page.frames[0].contentOffset, page.frames[199].index],
    [200, 200, 200 * 4096, 399],
  );
  const trailer = await connection.sendRequest(framesRequest, {
    path: archive,
    kind: 'skippable',
    start: 0,
    count: 10,
  });
  assert.deepEqual(
    trailer.frames.map((f) => f.role),
    ['manifest', 'seek-table'],
  );

  const detail = await connection.sendRequest(frameDetailRequest, {
    path: archive,
    index: 7,
    offset: page.frames[0].offset,
    blockStart: 0,
    blockCount: 10,
  });
  assert.equal(detail.kind, 'zstd');
  if (detail.kind === 'zstd') {
    assert.equal(detail.header.contentSize, 4096);
    assert.equal(detail.blockCount, 1);
    assert.equal(detail.blocks[0].last, true);
    assert.equal(detail.checksum, page.frames[0].checksum);
  }

  const { text } = await connection.sendRequest(reportRequest, { path: archive });
  assert.equal(text.split('\n')[0], `${archive}: Chunkpress archive, seekable, checksums on every frame`);
  assert.equal(text.match(/^ +\d+ data /gm)?.length, 489);
});

test('inspecting gzip reports progress while inflating; measuring decodes with progress', async () => {
  const plain = path.join(dir, 'big.txt');
  fs.writeFileSync(plain, sampleData(24 << 20, 4));
  execFileSync('gzip', ['-k', '-1', plain]);
  const token = 'inspect-gzip';
  const kinds: string[] = [];
  const sub = connection.onProgress(WorkDoneProgress.type, token, (v) => {
    kinds.push(v.kind);
  });
  const summary = await connection.sendRequest(inspectRequest, { path: `${plain}.gz`, workDoneToken: token });
  sub.dispose();
  assert.equal(summary.layout, 'gzip');
  assert.equal(summary.contentSize, 24 << 20);
  assert.equal(kinds[0], 'begin');
  assert.equal(kinds.at(-1), 'end');
  assert.ok(kinds.includes('report'), kinds.join(' '));

  const piped = path.join(dir, 'piped.zst');
  fs.writeFileSync(
    piped,
    execFileSync('zstd', ['-c', '-q', '-'], { input: fs.readFileSync(plain), maxBuffer: 1 << 30 }),
  );
  const before = await connection.sendRequest(inspectRequest, { path: piped });
  assert.equal(before.contentSize, undefined);
  const [frame] = (await connection.sendRequest(framesRequest, { path: piped, kind: 'data', start: 0, count: 1 }))
    .frames;
  const { contentSize } = await connection.sendRequest(measureFrameRequest, {
    path: piped,
    ...frame,
    workDoneToken: 'm',
  });
  assert.equal(contentSize, 24 << 20);
  // The helper remembers: the summary and pages now carry the size.
  const after = await connection.sendRequest(inspectRequest, { path: piped });
  assert.equal(after.contentSize, 24 << 20);
});

test('cancelling an inspection stops it; errors name the file', async () => {
  const plain = path.join(dir, 'cancel.txt');
  fs.writeFileSync(plain, sampleData(64 << 20, 6));
  execFileSync('gzip', ['-k', '-1', plain]);
  const source = new CancellationTokenSource();
  const request = connection.sendRequest(inspectRequest, { path: `${plain}.gz` }, source.token);
  setTimeout(() => source.cancel(), 50);
  await assert.rejects(request, (err: ResponseError<JobErrorData>) => err.data?.code === 'ECANCELED');

  const missing = path.join(dir, 'nope.zst');
  await assert.rejects(
    connection.sendRequest(inspectRequest, { path: missing }),
    (err: ResponseError<JobErrorData>) => err.data?.code === 'ENOENT' && err.message === `"${missing}" does not exist`,
  );
});
