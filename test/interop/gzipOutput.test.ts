/**
 * gzip output (--format gzip): one member compressed in parallel as pigz does, and BGZF blocks as
 * bgzip writes them. Every reader gives the input back, byte for byte: gzip, pigz, zcat, tar and
 * bsdtar, Python's gzip module, Node's zlib, and bgzip (with our .gzi for random access). The
 * same bytes for any thread count; a cancel or a full disk leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { compress, type CompressJob } from '../../server/src/engine/compression/compress';
import { compressTree } from '../../server/src/engine/compression/compressTree';
import type { CompressOptions } from '../../server/src/engine/compression/compressOptions';
import type { ChunkpressError } from '../../server/src/engine/errors';
import { decode, readRange } from '../../server/src/engine/decoding/decompress';
import { parseGzipHeader } from '../../server/src/engine/format/gzipHeader';
import { BGZF_BLOCK_INPUT, BGZF_EOF } from '../../server/src/engine/format/bgzfBlock';
import type { SystemInfo } from '../../server/src/engine/io/system';
import { libdeflate } from '../../server/src/engine/codec/libdeflate';
import { sampleData, tempDir, testPool, withSmallTmpfs } from '../helpers';

const dir = tempDir('chunkpress-gzout-');
const pool = testPool(4);
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const fourCores: SystemInfo = { cores: 4, availableMemory: 8 << 30, freeSpace: async () => undefined };
const BLOCK = 128 << 10;
/** Small chunks, so that modest inputs still cross many chunks and many workers. */
const CHUNK = 256 << 10;

function run(command: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync(command, args, { input, maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout;
}

async function gz(name: string, data: Buffer, options: Partial<CompressOptions> = {}): Promise<string> {
  const input = path.join(dir, name);
  fs.writeFileSync(input, data);
  fs.utimesSync(input, SOURCE_TIME, SOURCE_TIME); // the header holds it
  const output = path.join(dir, `${name}.${options.gzipLayout === 'bgzf' ? 'bgz' : 'gz'}`);
  fs.rmSync(output, { force: true });
  fs.rmSync(`${output}.gzi`, { force: true });
  await compress({
    input: { kind: 'file', path: input },
    output: { kind: 'file', path: output, overwrite: false },
    options: { format: 'gzip', chunkSize: CHUNK, ...options },
    pool,
    system: fourCores,
  });
  return output;
}

const SOURCE_TIME = new Date('2026-05-06T07:08:09Z');
const PYTHON_GUNZIP = 'import gzip,sys; sys.stdout.buffer.write(gzip.decompress(open(sys.argv[1],"rb").read()))';

/** What each reader makes of `file`: all must be `data`. */
function assertEveryReaderGives(file: string, data: Buffer): void {
  run('gzip', ['-t', file]);
  run('pigz', ['-t', file]);
  const readers: Array<[string, Buffer]> = [
    ['gzip -dc', run('gzip', ['-dc', file])],
    ['pigz -dc', run('pigz', ['-dc', file])],
    ['zcat', run('zcat', [file])],
    ['python gzip', run('python3', ['-c', PYTHON_GUNZIP, file])],
    ['node zlib', zlib.gunzipSync(fs.readFileSync(file))],
  ];
  for (const [reader, out] of readers)
    assert.ok(out.equals(data), `${reader} gives ${out.length} bytes, not the input`);
}

const EDGES: Array<[string, number]> = [
  ['empty', 0],
  ['one byte', 1],
  ['block - 1', BLOCK - 1],
  ['block', BLOCK],
  ['block + 1', BLOCK + 1],
  ['chunk + 1', CHUNK + 1],
  ['many blocks and chunks', 10 * CHUNK + 12_345],
];

for (const [what, size] of EDGES) {
  test(`single member, ${what} (${size} B): gzip, pigz, zcat, Python and Node give it back`, async () => {
    const data = sampleData(size, size + 1);
    const file = await gz(`single-${size}.txt`, data);
    assertEveryReaderGives(file, data);
    const bytes = fs.readFileSync(file);
    // One member: gzip -l sees its CRC and size, and nothing follows its trailer.
    const lv = execFileSync('gzip', ['-lv', file], { encoding: 'utf8' }).trim().split('\n')[1].trim().split(/\s+/);
    assert.equal(parseInt(lv[1], 16), zlib.crc32(data));
    assert.equal(Number(lv[6]), size);
    assert.equal(bytes.readUInt32LE(bytes.length - 4), size);
    assert.equal(bytes.readUInt32LE(bytes.length - 8), zlib.crc32(data));
  });
}

test('single member of random data (stored blocks where deflate cannot win), across chunks', async () => {
  const data = randomBytes(3 * CHUNK + 777);
  assertEveryReaderGives(await gz('random.bin', data), data);
});

test('the header is as gzip writes it: FNAME, the source mtime, OS 3, XFL by level', async () => {
  const data = sampleData(50_000, 2);
  for (const [level, xfl] of [
    [1, 4],
    [6, 0],
    [9, 2],
  ]) {
    const file = await gz(`header-${level}.txt`, data, { level });
    fs.utimesSync(file.replace(/\.gz$/, ''), new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
    fs.rmSync(file);
    await compress({
      input: { kind: 'file', path: file.replace(/\.gz$/, '') },
      output: { kind: 'file', path: file, overwrite: false },
      options: { format: 'gzip', level },
      pool,
      system: fourCores,
    });
    const header = parseGzipHeader(fs.readFileSync(file), 0);
    assert.equal(header.name, `header-${level}.txt`);
    assert.equal(header.mtime, Date.parse('2026-01-02T03:04:05Z') / 1000);
    assert.equal(header.os, 3);
    assert.equal(header.xfl, xfl);
    assert.equal(header.extra.length, 0);
    // gzip -dN takes the name back.
    const out = path.join(dir, 'restored');
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
    fs.copyFileSync(file, path.join(out, 'renamed.gz'));
    execFileSync('gzip', ['-dN', path.join(out, 'renamed.gz')]);
    assert.ok(fs.readFileSync(path.join(out, `header-${level}.txt`)).equals(data));
  }
});

test('a stream has no name or time in its header, and still one member', async () => {
  const data = sampleData(3 * CHUNK, 9);
  const { Readable, PassThrough } = await import('node:stream');
  const sink = new PassThrough();
  const pieces: Buffer[] = [];
  sink.on('data', (b: Buffer) => pieces.push(b));
  await compress({
    input: {
      kind: 'stream',
      stream: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]),
      name: 'stdin',
    },
    output: { kind: 'stream', stream: sink },
    options: { format: 'gzip', chunkSize: CHUNK },
    pool,
    system: fourCores,
  });
  const bytes = Buffer.concat(pieces);
  const header = parseGzipHeader(bytes, 0);
  assert.equal(header.name, undefined);
  assert.equal(header.mtime, 0);
  assert.ok(zlib.gunzipSync(bytes).equals(data));
  assert.ok(run('gzip', ['-dc'], bytes).equals(data));
});

test('the same bytes for 1, 2 and 4 threads, at levels 1 and 9, in both layouts', async () => {
  const data = sampleData(12 * CHUNK + 4321, 17);
  for (const gzipLayout of ['single', 'bgzf'] as const) {
    for (const level of [1, 9]) {
      const outputs = [];
      for (const threads of [1, 2, 4]) {
        const file = await gz('threads.txt', data, { gzipLayout, level, threads });
        outputs.push(fs.readFileSync(file));
      }
      assert.ok(outputs[1].equals(outputs[0]) && outputs[2].equals(outputs[0]), `${gzipLayout} at level ${level}`);
      assert.ok(zlib.gunzipSync(outputs[0]).equals(data));
    }
  }
  // Level 9 is smaller than level 1.
  const one = fs.statSync(await gz('lv1.txt', data, { level: 1 })).size;
  const nine = fs.statSync(await gz('lv9.txt', data, { level: 9 })).size;
  assert.ok(nine < one, `level 9: ${nine} B, level 1: ${one} B`);
});

test('the size is what gzip itself makes, within 0.5%', async () => {
  const data = sampleData(4 << 20, 23);
  const ours = fs.statSync(await gz('size.txt', data, { chunkSize: 1 << 20 })).size;
  const gzip = run('gzip', ['-6', '-c', path.join(dir, 'size.txt')]).length;
  assert.ok(ours <= gzip * 1.005, `ours ${ours} B against gzip's ${gzip} B`);
});

for (const [what, size] of [
  ['empty', 0],
  ['one byte', 1],
  ['one block - 1', BGZF_BLOCK_INPUT - 1],
  ['one block', BGZF_BLOCK_INPUT],
  ['one block + 1', BGZF_BLOCK_INPUT + 1],
  ['many blocks and chunks', 9 * BGZF_BLOCK_INPUT * 4 + 99],
] as const) {
  test(`BGZF, ${what} (${size} B): bgzip -t and -d, and every gzip reader, give it back`, async () => {
    const data = sampleData(size, size + 5);
    const file = await gz(`bgzf-${size}.txt`, data, { gzipLayout: 'bgzf', gzi: true, chunkSize: 4 * BGZF_BLOCK_INPUT });
    run('bgzip', ['-t', file]);
    assert.ok(run('bgzip', ['-dc', file]).equals(data));
    assertEveryReaderGives(file, data);
    // Chunks of whole blocks: byte for byte what bgzip writes.
    const bgzip = run('bgzip', ['-l', '6', '-c', path.join(dir, `bgzf-${size}.txt`)]);
    assert.ok(fs.readFileSync(file).equals(bgzip), "bgzip's bytes");
    const bytes = fs.readFileSync(file);
    assert.ok(bytes.subarray(bytes.length - BGZF_EOF.length).equals(BGZF_EOF), 'ends with the EOF block');
    // Blocks of 0xff00 bytes, as bgzip cuts them; each with the BC subfield that gives its size.
    let at = 0;
    let blocks = 0;
    while (at < bytes.length - BGZF_EOF.length) {
      const header = parseGzipHeader(bytes.subarray(at, at + 18), at);
      assert.ok(header.bgzfBlockSize !== undefined && header.bgzfBlockSize <= 65536);
      const isize = bytes.readUInt32LE(at + header.bgzfBlockSize - 4);
      assert.equal(isize, Math.min(BGZF_BLOCK_INPUT, size - blocks * BGZF_BLOCK_INPUT));
      at += header.bgzfBlockSize;
      blocks++;
    }
    assert.equal(blocks, Math.ceil(size / BGZF_BLOCK_INPUT));
    // bgzip's own .gzi for the same blocks is ours, byte for byte (but for an empty file, where
    // htslib 1.16 writes a count of -1); and bgzip -b reads with ours.
    const theirs = path.join(dir, 'theirs.gz');
    fs.copyFileSync(file, theirs);
    fs.rmSync(`${theirs}.gzi`, { force: true });
    run('bgzip', ['-r', theirs]);
    if (size > 0)
      assert.ok(fs.readFileSync(`${file}.gzi`).equals(fs.readFileSync(`${theirs}.gzi`)), '.gzi as bgzip -r writes it');
    for (const [offset, length] of [
      [0, 10],
      [BGZF_BLOCK_INPUT - 3, 7],
      [Math.floor(size / 2), 1000],
      [Math.max(0, size - 5), 5],
    ]) {
      if (offset + length > size) continue;
      const got = run('bgzip', ['-b', String(offset), '-s', String(length), file]);
      assert.ok(got.equals(data.subarray(offset, offset + length)), `bgzip -b ${offset} -s ${length}`);
    }
  });
}

test("BGZF is bgzip's own bytes, at levels 1, 6 and 9, and its .gzi is bgzip -r's", async () => {
  assert.ok(libdeflate(), 'the libdeflate binding is built (native/libdeflate), as bgzip links libdeflate');
  const data = sampleData(9 << 20, 29);
  for (const level of [1, 6, 9]) {
    const file = await gz('bgzf-same.txt', data, { gzipLayout: 'bgzf', gzi: true, level, chunkSize: undefined });
    const theirs = run('bgzip', ['-l', String(level), '-c', path.join(dir, 'bgzf-same.txt')]);
    assert.ok(fs.readFileSync(file).equals(theirs), `bgzip -l ${level}`);
  }
});

test('a folder into .tar.gz in both layouts: tar -xzf and bsdtar unpack the tree', async () => {
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'src', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'src', 'a.txt'), sampleData(700_000, 41));
  fs.writeFileSync(path.join(tree, 'src', 'deep', 'b.bin'), randomBytes(300_000));
  fs.writeFileSync(path.join(tree, 'small.txt'), 'small\n');
  fs.symlinkSync('src/a.txt', path.join(tree, 'link'));
  for (const gzipLayout of ['single', 'bgzf'] as const) {
    const archive = path.join(dir, `tree-${gzipLayout}.tar.gz`);
    const result = await compressTree({
      roots: [{ path: tree, name: 'tree' }],
      name: 'tree',
      output: { kind: 'file', path: archive, overwrite: false },
      selection: { respectGitignore: true, exclude: [] },
      options: { format: 'gzip', gzipLayout, chunkSize: CHUNK },
      pool,
      system: fourCores,
    });
    assert.equal(result.files, 3);
    const header = parseGzipHeader(fs.readFileSync(archive), 0);
    assert.equal(header.name, undefined, 'a tar.gz names no file, as tar -czf makes it');
    if (gzipLayout === 'bgzf') run('bgzip', ['-t', archive]);
    else run('gzip', ['-t', archive]);
    for (const [tool, args] of [
      ['tar', ['-xzf']],
      ['bsdtar', ['-xf']],
    ] as const) {
      const out = path.join(dir, `${tool}-${gzipLayout}`);
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out);
      run(tool, [...args, archive, '-C', out]);
      for (const rel of ['src/a.txt', 'src/deep/b.bin', 'small.txt'])
        assert.ok(fs.readFileSync(path.join(out, 'tree', rel)).equals(fs.readFileSync(path.join(tree, rel))), rel);
      assert.equal(fs.readlinkSync(path.join(out, 'tree', 'link')), 'src/a.txt');
    }
  }
});

test('cancel leaves nothing behind, ENOSPC nothing but what a resume needs, in both layouts (the .gzi included)', async (t) => {
  const input = path.join(dir, 'cancel.bin');
  fs.writeFileSync(input, sampleData(48 << 20, 12));
  for (const gzipLayout of ['single', 'bgzf'] as const) {
    const output = path.join(dir, `cancel-${gzipLayout}.gz`);
    const controller = new AbortController();
    const job: CompressJob = {
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: output, overwrite: false },
      options: { format: 'gzip', gzipLayout, gzi: gzipLayout === 'bgzf', level: 9, chunkSize: 1 << 20 },
      pool,
      system: fourCores,
      signal: controller.signal,
      listener: { onChunk: () => controller.abort() },
    };
    await assert.rejects(compress(job), (err: ChunkpressError) => err.code === 'ECANCELED');
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes(`cancel-${gzipLayout}`)),
      [],
    );
  }
  await withSmallTmpfs(t, '256k', 'cannot mount a small tmpfs here (needs root)', async (mount) => {
    const random = path.join(dir, 'random-1m.bin');
    fs.writeFileSync(random, randomBytes(1 << 20));
    for (const gzipLayout of ['single', 'bgzf'] as const) {
      const output = path.join(mount, `full-${gzipLayout}.gz`);
      await assert.rejects(
        compress({
          input: { kind: 'file', path: random },
          output: { kind: 'file', path: output, overwrite: false },
          options: { format: 'gzip', gzipLayout, gzi: gzipLayout === 'bgzf', chunkSize: CHUNK },
          pool,
          system: fourCores,
        }),
        (err: ChunkpressError) =>
          err.code === 'ENOSPC' && err.message.startsWith(`No space left on the device while writing "${output}"`),
      );
      // Nothing under the final name, no .gzi: only what a resume needs (resume.test.ts).
      const left = fs.readdirSync(mount).filter((f) => !f.endsWith('.journal') && !f.endsWith('.partial'));
      assert.deepEqual(left, []);
      for (const f of fs.readdirSync(mount)) fs.rmSync(path.join(mount, f));
    }
  });
});

test('options: gzip levels are 1..9, a .gzi needs bgzf, an existing .gzi is not replaced', async () => {
  const input = path.join(dir, 'opts.txt');
  fs.writeFileSync(input, 'x');
  const job = (options: Partial<CompressOptions>, output = path.join(dir, 'opts.txt.gz')): Promise<unknown> =>
    compress({
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: output, overwrite: false },
      options: { format: 'gzip', ...options },
      pool,
      system: fourCores,
    });
  await assert.rejects(job({ level: 0 }), /A gzip level must be a whole number from 1 to 9 \(got 0\)/);
  await assert.rejects(job({ level: 12 }), /from 1 to 9 \(got 12\)/);
  await assert.rejects(job({ gzi: true }), /A .gzi index is made for the bgzf layout of gzip only/);
  const output = path.join(dir, 'opts.bgz');
  fs.writeFileSync(`${output}.gzi`, 'mine');
  await assert.rejects(job({ gzipLayout: 'bgzf', gzi: true }, output), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(`${output}.gzi`, 'utf8'), 'mine');
  assert.equal(fs.existsSync(output), false);
});

test('BGZF decodes in parallel, ranges decode only their runs, and a damaged block is named by its offset', async () => {
  const data = sampleData(10 << 20, 51);
  const file = await gz('runs.txt', data, { gzipLayout: 'bgzf' });
  const output = path.join(dir, 'runs.out');
  const whole = await decode({ input: file, output: { kind: 'file', path: output, overwrite: true }, pool });
  assert.equal(whole.mode, 'parallel');
  assert.equal(whole.frames, 3, 'runs of about 4 MiB');
  assert.ok(fs.readFileSync(output).equals(data));
  const frames: number[] = [];
  const range = await readRange(file, { offset: 5_000_000, length: 70_000 }, pool, 1 << 20);
  assert.ok(range.equals(data.subarray(5_000_000, 5_070_000)));
  const ranged = await decode({
    input: file,
    output: { kind: 'none' },
    range: { offset: 5_000_000, length: 70_000 },
    pool,
    onFrame: (f) => frames.push(f.index),
  });
  assert.equal(ranged.framesDecoded, 1);
  assert.deepEqual(frames, [1]);

  // One flipped byte in a block's deflate data: verify names that block's offset, and goes on.
  const bytes = fs.readFileSync(file);
  let at = 0;
  for (let i = 0; i < 70; i++) at += bytes.readUInt16LE(at + 16) + 1; // the 71st block, in the second run
  const damaged = Buffer.from(bytes);
  damaged[at + 18 + 100] ^= 0xff;
  const bad = path.join(dir, 'damaged.bgz');
  fs.writeFileSync(bad, damaged);
  const checked = await decode({ input: bad, output: { kind: 'none' }, pool, verify: true });
  assert.equal(checked.failures.length, 1);
  assert.match(
    checked.failures[0].message!,
    new RegExp(`the BGZF block at byte ${at} (does not inflate|does not match its CRC-32)`),
  );
  assert.equal(checked.failures[0].index, 1);
  await assert.rejects(
    decode({ input: bad, output: { kind: 'file', path: output, overwrite: true }, pool }),
    (err: ChunkpressError) => err.code === 'EFORMAT' && err.message.includes(`the BGZF block at byte ${at}`),
  );
});
