import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, test } from 'node:test';
import { decompressFrame } from '../../server/src/engine/codec/codec';
import { compress, type CompressJob } from '../../server/src/engine/compression/compress';
import { defaultSystem, type SystemInfo } from '../../server/src/engine/io/system';
import { ChunkpressError } from '../../server/src/engine/errors';
import { treeDigest, xxh64 } from '../../server/src/engine/codec/hash';
import { TASKS_PER_WORKER, type WorkerPool } from '../../server/src/engine/pool/pool';
import { readArchive, sampleData, tempDir, testPool, withSmallTmpfs } from '../helpers';

const pool = testPool(4);
after(() => pool.close());
const CHUNK = 64 << 10;
const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const fourCores: SystemInfo = { ...defaultSystem, cores: 4, availableMemory: 8 * 2 ** 30 };

async function compressBuffer(data: Buffer, name: string, extra: Partial<CompressJob> = {}) {
  const input = path.join(dir, name);
  fs.writeFileSync(input, data);
  const output = `${input}.zst`;
  const result = await compress({
    input: { kind: 'file', path: input },
    output: { kind: 'file', path: output, overwrite: true },
    options: { chunkSize: CHUNK },
    pool,
    system: fourCores,
    ...extra,
  });
  return { input, output, result, archive: readArchive(output) };
}

for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 10 * CHUNK + 123]) {
  test(`edge size ${size}: frames, seek table and manifest describe the input exactly`, async () => {
    const data = sampleData(size, size + 7);
    const { result, archive } = await compressBuffer(data, `edge-${size}.bin`);
    const expectedChunks = Math.max(1, Math.ceil(size / CHUNK));
    assert.equal(result.chunks, expectedChunks);
    assert.equal(archive.table.entries.length, expectedChunks);
    assert.equal(archive.table.decompressedTotal, size);
    assert.equal(result.inputSize, size);
    assert.equal(result.outputSize, archive.bytes.length);
    const pieces: Buffer[] = [];
    archive.frames.forEach((frame, i) => {
      const entry = archive.table.entries[i];
      const expected = data.subarray(i * CHUNK, i * CHUNK + entry.decompressedSize);
      assert.equal(entry.decompressedSize, Math.min(CHUNK, size - i * CHUNK) || 0);
      // Frame header: zstd magic, then content size present (FCS flag bits) and checksum flag (bit 2).
      assert.equal(frame.readUInt32LE(0), 0xfd2fb528);
      assert.equal(frame[4] & 0x04, 0x04, 'Content_Checksum_flag');
      assert.ok((frame[4] & 0xc0) !== 0 || (frame[4] & 0x20) !== 0, 'Frame_Content_Size present');
      const content = decompressFrame(frame, entry.decompressedSize);
      assert.ok(content.equals(expected), `chunk ${i} content`);
      const digest = xxh64(expected);
      assert.equal(archive.manifest.chunks.digests[i], digest);
      assert.equal(entry.checksum, parseInt(digest.slice(8), 16), 'seek table checksum = low 32 bits of XXH64');
      assert.equal(frame.readUInt32LE(frame.length - 4), entry.checksum, 'frame checksum = seek table checksum');
      pieces.push(content);
    });
    assert.ok(Buffer.concat(pieces).equals(data));
    assert.equal(archive.manifest.content.size, size);
    assert.equal(archive.manifest.content.digest, treeDigest(archive.manifest.chunks.digests));
    assert.equal(archive.manifest.options.chunkSize, CHUNK);
    assert.equal(archive.manifest.options.level, 3);
    assert.equal(archive.manifest.source.name, `edge-${size}.bin`);
    assert.equal(archive.manifest.source.kind, 'file');
  });
}

test('XXH64 matches the reference vectors, and the tree digest hashes the big-endian chunk digests', () => {
  assert.equal(xxh64(Buffer.alloc(0)), 'ef46db3751d8e999');
  assert.equal(xxh64(Buffer.from('abc')), '44bc2cf5ad770999');
  assert.equal(
    treeDigest(['ef46db3751d8e999', '44bc2cf5ad770999']),
    xxh64(Buffer.from('ef46db3751d8e99944bc2cf5ad770999', 'hex')),
  );
});

test('the same input gives the same bytes with 1, 2 and 4 threads', async () => {
  const data = sampleData(40 * CHUNK + 999, 42);
  const outputs: Buffer[] = [];
  const input = path.join(dir, 'determinism.bin');
  fs.writeFileSync(input, data);
  fs.utimesSync(input, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
  for (const threads of [1, 2, 4]) {
    const output = path.join(dir, `determinism-${threads}.zst`);
    const result = await compress({
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: output, overwrite: false },
      options: { chunkSize: CHUNK, threads, level: 5 },
      pool,
      system: fourCores,
    });
    assert.equal(result.plan.threads, threads);
    outputs.push(fs.readFileSync(output));
  }
  assert.ok(outputs[0].equals(outputs[1]) && outputs[1].equals(outputs[2]));
});

test('in-flight chunks never exceed the window, tasks never exceed two per worker on the planned workers', async () => {
  let submitted = 0;
  let maxSubmitted = 0;
  let outstanding = 0;
  let maxOutstanding = 0;
  const workers = new Set<number>();
  const counting = {
    warm: () => undefined,
    run(...args: Parameters<WorkerPool['run']>) {
      assert.equal(args[1]?.lanes, 2, 'tasks go in a group of two lanes');
      submitted++;
      outstanding++;
      maxSubmitted = Math.max(maxSubmitted, submitted);
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      return pool
        .run(...args)
        .then((reply) => {
          workers.add(reply.worker);
          return reply;
        })
        .finally(() => {
          submitted--;
          setImmediate(() => outstanding--); // the writer still holds the slot until it is written
        });
    },
  } as unknown as WorkerPool;
  const { result } = await compressBuffer(sampleData(100 * CHUNK, 3), 'window.bin', {
    pool: counting,
    options: { chunkSize: CHUNK, threads: 2 },
  });
  assert.equal(result.chunks, 100);
  assert.equal(result.plan.window, 6);
  assert.ok(maxSubmitted <= 2 * TASKS_PER_WORKER, `submitted ${maxSubmitted}`);
  assert.ok(maxSubmitted > 2, `the next chunk waits in each worker's queue (submitted ${maxSubmitted})`);
  assert.ok(maxOutstanding <= 6, `outstanding ${maxOutstanding}`);
  assert.equal(workers.size, 2, 'a pool of four, but the job planned two workers');
});

test('a stream of unknown length is still chunked and seekable', async () => {
  const data = sampleData(5 * CHUNK + 17, 9);
  const pieces = Array.from({ length: 23 }, (_, i) =>
    data.subarray(Math.floor((i * data.length) / 23), Math.floor(((i + 1) * data.length) / 23)),
  );
  const output = path.join(dir, 'stream.zst');
  const result = await compress({
    input: { kind: 'stream', stream: Readable.from(pieces), name: 'stdin' },
    output: { kind: 'file', path: output, overwrite: true },
    options: { chunkSize: CHUNK },
    pool,
    system: fourCores,
  });
  const archive = readArchive(output);
  assert.equal(result.chunks, 6);
  assert.deepEqual(
    archive.table.entries.map((e) => e.decompressedSize),
    [CHUNK, CHUNK, CHUNK, CHUNK, CHUNK, 17],
  );
  assert.equal(archive.manifest.source.kind, 'stream');
  assert.equal(archive.manifest.source.mtime, null);
  // No source file to take a mode from: 0666 less the umask, as any new file (and zstd's from stdin).
  const plainFile = path.join(dir, 'plain-new-file');
  fs.writeFileSync(plainFile, '');
  assert.equal((fs.statSync(output).mode & 0o777).toString(8), (fs.statSync(plainFile).mode & 0o777).toString(8));
  assert.ok(
    Buffer.concat(archive.frames.map((f, i) => decompressFrame(f, archive.table.entries[i].decompressedSize))).equals(
      data,
    ),
  );
});

test("the partial archive is readable by its owner only while it is written, then takes its source's mode", async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'private-'));
  const input = path.join(sub, 'open.bin');
  fs.writeFileSync(input, sampleData(4 * CHUNK, 2));
  fs.chmodSync(input, 0o664);
  const modes: string[] = [];
  await compress({
    input: { kind: 'file', path: input },
    output: { kind: 'file', path: `${input}.zst`, overwrite: false },
    options: { chunkSize: CHUNK },
    pool,
    system: fourCores,
    listener: {
      onChunk: () => {
        for (const name of fs.readdirSync(sub).filter((n) => n.endsWith('.partial')))
          modes.push((fs.statSync(path.join(sub, name)).mode & 0o777).toString(8));
      },
    },
  });
  assert.deepEqual(modes, ['600', '600', '600', '600']);
  assert.equal((fs.statSync(`${input}.zst`).mode & 0o777).toString(8), '664');
});

test('progress: stages in order, one record per chunk with offsets and sizes', async () => {
  const stages: string[] = [];
  const chunks: number[] = [];
  let lastOffset = -1;
  const { result } = await compressBuffer(sampleData(8 * CHUNK, 5), 'progress.bin', {
    listener: {
      onStage: (s) => stages.push(s.stage),
      onChunk: (c, s) => {
        chunks.push(c.index);
        assert.equal(c.inputOffset, c.index * CHUNK);
        assert.ok(c.outputOffset > lastOffset);
        lastOffset = c.outputOffset;
        assert.equal(s.chunksDone, c.index + 1);
        assert.equal(s.totalChunks, 8);
        assert.equal(s.bytesIn, (c.index + 1) * CHUNK);
      },
    },
  });
  assert.deepEqual(stages, ['preparing', 'finalizing', 'done']);
  assert.deepEqual(chunks, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(result.chunks, 8);
});

test('cancelling stops the workers quickly and removes the partial file, even at level 19', async () => {
  const input = path.join(dir, 'cancel.bin');
  fs.writeFileSync(input, sampleData(64 << 20, 11));
  const output = path.join(dir, 'cancel.bin.zst');
  const controller = new AbortController();
  let abortedAt = 0;
  const job = compress({
    input: { kind: 'file', path: input },
    output: { kind: 'file', path: output, overwrite: false },
    options: { chunkSize: 8 << 20, level: 19 },
    pool,
    system: fourCores,
    signal: controller.signal,
  });
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort();
  }, 300);
  await assert.rejects(job, (err: ChunkpressError) => err.code === 'ECANCELED');
  const took = performance.now() - abortedAt;
  assert.ok(took < 500, `cancel took ${took.toFixed(0)} ms`);
  assert.equal(fs.existsSync(output), false);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('cancel.bin.zst')),
    [],
  );
});

test('cancelling while a stream has nothing to give: the job ends at once, no partial file', async () => {
  // A pipe whose writer stalls (sleep 60 | chunkpress compress -): one chunk arrives, then nothing.
  const stream = new PassThrough();
  stream.write(sampleData(CHUNK + 5, 12));
  const output = path.join(dir, 'stalled.zst');
  const controller = new AbortController();
  const job = compress({
    input: { kind: 'stream', stream, name: 'stdin' },
    output: { kind: 'file', path: output, overwrite: false },
    options: { chunkSize: CHUNK },
    pool,
    system: fourCores,
    signal: controller.signal,
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const abortedAt = performance.now();
  controller.abort();
  await assert.rejects(job, (err: ChunkpressError) => err.code === 'ECANCELED');
  const took = performance.now() - abortedAt;
  assert.ok(took < 200, `cancel took ${took.toFixed(0)} ms`);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('stalled.zst')),
    [],
  );
  stream.destroy();
});

test('errors name the path: missing file, folder, existing output', async () => {
  const missing = path.join(dir, 'nope.bin');
  const base = { pool, system: fourCores } as const;
  await assert.rejects(
    compress({
      ...base,
      input: { kind: 'file', path: missing },
      output: { kind: 'file', path: `${missing}.zst`, overwrite: false },
    }),
    (err: ChunkpressError) => err.code === 'ENOENT' && err.message === `"${missing}" does not exist`,
  );
  await assert.rejects(
    compress({
      ...base,
      input: { kind: 'file', path: dir },
      output: { kind: 'file', path: `${dir}.zst`, overwrite: false },
    }),
    (err: ChunkpressError) => err.code === 'EISDIR' && err.message === `"${dir}" is a folder, not a file`,
  );
  const input = path.join(dir, 'exists.bin');
  fs.writeFileSync(input, 'hello');
  fs.writeFileSync(`${input}.zst`, 'precious');
  await assert.rejects(
    compress({
      ...base,
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: `${input}.zst`, overwrite: false },
    }),
    (err: ChunkpressError) => err.code === 'EEXIST' && err.message === `"${input}.zst" already exists`,
  );
  assert.equal(fs.readFileSync(`${input}.zst`, 'utf8'), 'precious');
  await assert.rejects(
    compress({
      ...base,
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: path.join(dir, 'no', 'x.zst'), overwrite: false },
    }),
    (err: ChunkpressError) => err.code === 'ENOENT' && /its folder does not exist/.test(err.message),
  );
  await assert.rejects(
    compress({ ...base, input: { kind: 'file', path: input }, output: { kind: 'file', path: input, overwrite: true } }),
    (err: ChunkpressError) => err.code === 'EINVAL' && /would replace its own input/.test(err.message),
  );
  // A folder as the output, even with consent to overwrite: refused before any work, nothing left.
  const folder = path.join(dir, 'a-folder.zst');
  fs.mkdirSync(folder);
  let progressed = false;
  await assert.rejects(
    compress({
      ...base,
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: folder, overwrite: true },
      listener: { onChunk: () => (progressed = true) },
    }),
    (err: ChunkpressError) => err.code === 'EISDIR' && err.message === `"${folder}" is a folder, not a file`,
  );
  assert.equal(progressed, false);
  assert.deepEqual(fs.readdirSync(folder), []);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('a-folder')),
    ['a-folder.zst'],
  );
  assert.equal(fs.readFileSync(input, 'utf8'), 'hello', 'the source is never touched');
});

test('a file that shrinks while workers read it: an error naming it and the byte, no archive left', async () => {
  const input = path.join(dir, 'shrinks.bin');
  fs.writeFileSync(input, sampleData(8 * CHUNK, 5));
  const output = `${input}.zst`;
  const shrinking = {
    warm: () => undefined,
    run(...args: Parameters<WorkerPool['run']>) {
      // Before the first chunk is read, another program cuts the file to 3.5 chunks.
      if (fs.statSync(input).size > 4 * CHUNK) fs.truncateSync(input, 3.5 * CHUNK);
      return pool.run(...args);
    },
  } as unknown as WorkerPool;
  await assert.rejects(
    compress({
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: output, overwrite: false },
      options: { chunkSize: CHUNK, threads: 2 },
      pool: shrinking,
      system: fourCores,
    }),
    (err: ChunkpressError) =>
      err.code === 'EIO' &&
      err.path === input &&
      err.message ===
        `Cannot read "${input}": it ends at byte ${3.5 * CHUNK}, but was longer when compression started (it changed meanwhile)`,
  );
  assert.ok(!fs.existsSync(output));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('shrinks') && f.endsWith('.partial')),
    [],
  );
});

test('bad options are refused with what was given', async () => {
  const input = path.join(dir, 'opts.bin');
  fs.writeFileSync(input, 'x');
  const run = (options: CompressJob['options']) =>
    compress({
      pool,
      system: fourCores,
      options,
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: `${input}.zst`, overwrite: true },
    });
  await assert.rejects(run({ level: 23 }), /Level must be .* \(got 23\)/);
  await assert.rejects(run({ level: 0 }), /not 0 \(got 0\)/);
  await assert.rejects(run({ chunkSize: 1000 }), /Chunk size must be between 4 KiB and 1 GiB \(got 1000 bytes\)/);
  await assert.rejects(run({ chunkSize: 2 ** 31 }), /Chunk size/);
  await assert.rejects(run({ threads: 0 }), /Threads must be/);
  await assert.rejects(run({ memoryFactor: 2 }), /Memory factor/);
  assert.equal(fs.existsSync(`${input}.zst`), false);
});

test('negative (fast) levels work and are recorded', async () => {
  const { archive } = await compressBuffer(sampleData(3 * CHUNK, 2), 'fast.bin', {
    options: { chunkSize: CHUNK, level: -5 },
  });
  assert.equal(archive.manifest.options.level, -5);
  assert.equal(archive.table.decompressedTotal, 3 * CHUNK);
});

test('ENOSPC on the output stream: a clear message naming it', async () => {
  const input = path.join(dir, 'full.bin');
  fs.writeFileSync(input, sampleData(4 * CHUNK, 4));
  const full = fs.createWriteStream('/dev/full');
  full.on('error', () => undefined);
  await assert.rejects(
    compress({
      pool,
      system: fourCores,
      options: { chunkSize: CHUNK },
      input: { kind: 'file', path: input },
      output: { kind: 'stream', stream: full, label: '/dev/full' },
    }),
    (err: ChunkpressError) =>
      err.code === 'ENOSPC' && err.message === 'No space left on the device while writing "/dev/full"',
  );
});

test('ENOSPC on a full file system: nothing under the final name, what is done kept for a resume', async (t) => {
  await withSmallTmpfs(
    t,
    '256k',
    'cannot mount a small tmpfs here (needs root); /dev/full covers the message',
    async (mount) => {
      const input = path.join(dir, 'big-random.bin');
      fs.writeFileSync(input, randomBytes(1 << 20)); // incompressible: 1 MiB cannot fit in 256 KiB
      const output = path.join(mount, 'big-random.bin.zst');
      await assert.rejects(
        compress({
          pool,
          system: fourCores,
          options: { chunkSize: CHUNK },
          input: { kind: 'file', path: input },
          output: { kind: 'file', path: output, overwrite: false },
        }),
        (err: ChunkpressError) =>
          err.code === 'ENOSPC' &&
          err.message ===
            `No space left on the device while writing "${output}"; what is done is kept, and the job can be resumed once there is room`,
      );
      const left = fs.readdirSync(mount).map((f) => f.replace(/\.[0-9a-f]{8}\./, '.TAG.'));
      assert.deepEqual(left.sort(), ['.big-random.bin.zst.TAG.journal', '.big-random.bin.zst.TAG.partial']);
    },
  );
});

test('a free-space warning when the target looks too small', async () => {
  const tiny: SystemInfo = { ...fourCores, freeSpace: async () => 1000 };
  const input = path.join(dir, 'warn.bin');
  fs.writeFileSync(input, sampleData(3 * CHUNK, 8));
  const result = await compress({
    pool,
    system: tiny,
    options: { chunkSize: CHUNK },
    input: { kind: 'file', path: input },
    output: { kind: 'file', path: `${input}.zst`, overwrite: true },
  });
  assert.equal(result.warnings.length, 1);
  assert.match(result.warnings[0], /^Only 1000 B free beside ".*warn\.bin\.zst"; a 192 KiB input/);
});

test('stream output: the archive goes out in order, nothing written to disk', async () => {
  const input = path.join(dir, 'to-stream.bin');
  const data = sampleData(3 * CHUNK + 5, 12);
  fs.writeFileSync(input, data);
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (b: Buffer) => parts.push(b));
  const result = await compress({
    pool,
    system: fourCores,
    options: { chunkSize: CHUNK },
    input: { kind: 'file', path: input },
    output: { kind: 'stream', stream: sink },
  });
  const out = path.join(dir, 'to-stream.check.zst');
  fs.writeFileSync(out, Buffer.concat(parts));
  const archive = readArchive(out);
  assert.equal(result.outputPath, undefined);
  assert.equal(archive.table.decompressedTotal, data.length);
  assert.equal(archive.manifest.source.name, 'to-stream.bin');
});
