/** Decompress, verify and extract against Debian's zstd, pzstd, gzip, pigz and bgzip. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { decode, type DecodeJob } from '../../server/src/engine/decoding/decompress';
import { decodedName, rangeName } from '../../server/src/engine/io/outputNames';
import { ChunkpressError } from '../../server/src/engine/errors';
import { repoRoot, sampleData, tempDir, testPool, withSmallTmpfs } from '../helpers';

const dir = tempDir('chunkpress-decode-');
const pool = testPool(2);
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const cli = path.join(repoRoot, 'dist', 'cli.js');
const CHUNK = 64 << 10;

function file(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** `name` (in the test folder) compressed by pzstd on 2 threads: frames that declare no size. */
function pzstd(name: string, args: string[] = []): string {
  const input = path.join(dir, name);
  execFileSync('pzstd', ['-q', '-p', '2', ...args, '-f', input, '-o', `${input}.p.zst`]);
  return `${input}.p.zst`;
}

function chunkpress(name: string, data: Buffer, chunk = '64K'): string {
  const input = file(name, data);
  execFileSync(process.execPath, [cli, 'compress', '-q', '-f', '-c', chunk, input]);
  return `${input}.zst`;
}

async function decodeTo(archive: string, extra: Partial<DecodeJob> = {}): Promise<Buffer> {
  const output = path.join(dir, `out-${path.basename(archive)}-${Math.random().toString(16).slice(2)}`);
  await decode({ input: archive, output: { kind: 'file', path: output, overwrite: false }, pool, ...extra });
  const bytes = fs.readFileSync(output);
  fs.rmSync(output);
  return bytes;
}

const zstd = (args: string[], input?: Buffer): Buffer =>
  execFileSync('zstd', args, { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] });

test('edge sizes round-trip, in parallel, byte for byte with zstd -d', async () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 37 * CHUNK + 5]) {
    const data = sampleData(size, size + 3);
    const archive = chunkpress(`edge-${size}.bin`, data);
    const out = await decodeTo(archive);
    assert.ok(out.equals(data), `size ${size}`);
    assert.ok(out.equals(zstd(['-dc', archive])), `size ${size} vs zstd -d`);
  }
});

test('every fixture of the inspector decodes like the reference tools', async () => {
  const data = sampleData(3_000_000, 17);
  const plain = file('fixture.txt', data);
  const fixtures: Array<[string, Buffer, string]> = [
    ['single.zst', zstd(['-c', '-q', plain]), 'parallel'],
    ['piped.zst', zstd(['-c', '-q', '-'], data), 'parallel'], // no content size: bounded by its blocks
    ['nocheck.zst', zstd(['-c', '-q', '--no-check', plain]), 'parallel'],
    ['t2.zst', zstd(['-c', '-q', '-T2', '-B262144', plain]), 'parallel'],
    ['cat.zst', Buffer.concat([zstd(['-c', '-q', plain]), zstd(['-c', '-q', plain])]), 'parallel'],
    ['gzip.gz', execFileSync('gzip', ['-c', plain]), 'gzip'],
    ['pigz.gz', execFileSync('pigz', ['-c', '-p', '2', plain]), 'gzip'],
    ['multi.gz', Buffer.concat([execFileSync('gzip', ['-c', plain]), execFileSync('gzip', ['-c', plain])]), 'gzip'],
    // Independent blocks: decoded in parallel, in runs of about 4 MiB.
    ['bgzf.gz', execFileSync('bgzip', ['-c', plain]), 'parallel'],
  ];
  execFileSync('pzstd', ['-q', '-p', '2', '-f', plain, '-o', path.join(dir, 'p.zst')]);
  // pzstd's frames do not declare their sizes: decoded in parallel into buffers bounded by their blocks.
  fixtures.push(['p.zst', fs.readFileSync(path.join(dir, 'p.zst')), 'parallel']);
  const skippable = Buffer.alloc(16);
  skippable.writeUInt32LE(0x184d2a53, 0);
  skippable.writeUInt32LE(8, 4);
  fixtures.push(['skip.zst', Buffer.concat([skippable, zstd(['-c', '-q', plain]), skippable]), 'parallel']);
  for (const [name, bytes, mode] of fixtures) {
    const archive = file(name, bytes);
    const expected = name.endsWith('.gz')
      ? execFileSync('gzip', ['-dc', archive], { maxBuffer: 1 << 30 })
      : zstd(['-dc', archive]);
    const output = path.join(dir, `${name}.out`);
    const result = await decode({ input: archive, output: { kind: 'file', path: output, overwrite: true }, pool });
    assert.equal(result.mode, mode, name);
    assert.ok(fs.readFileSync(output).equals(expected), `${name} decodes like the reference`);
  }
  const single = await decode({ input: path.join(dir, 'single.zst'), output: { kind: 'none' }, pool, verify: true });
  assert.equal(single.note, 'a single frame: decoded on one thread (a frame cannot be split)');
});

test('runs of zeros become holes, as with zstd -d; content and length stay exact', async () => {
  // A disk image's shape: data, 8 MiB of zeros, data, and 3 MiB of zeros at the very end.
  const data = Buffer.concat([
    sampleData(300_000, 8),
    Buffer.alloc(8 << 20),
    sampleData(70_000, 9),
    Buffer.alloc(3 << 20),
  ]);
  const plain = file('image.raw', data);
  const reference = path.join(dir, 'image.by-zstd');
  zstd(['-q', '-f', plain, '-o', `${plain}.1.zst`]);
  zstd(['-q', '-d', '-f', `${plain}.1.zst`, '-o', reference]);
  const allocated = (p: string): number => fs.statSync(p).blocks * 512;
  assert.ok(allocated(reference) < 1 << 20, `the file system keeps zstd's holes (${allocated(reference)} B)`);
  const archives: Array<[string, string]> = [
    [chunkpress('image.raw', data, '1M'), 'parallel'], // workers write at their places
    [`${plain}.1.zst`, 'parallel'], // one frame
    [file('image.piped.zst', zstd(['-c', '-q', '-'], data)), 'parallel'], // one frame without its size
    [pzstd('image.raw', ['-1']), 'parallel'], // frames without sizes: each written in turn by the workers
    [file('image.raw.gz', execFileSync('gzip', ['-c', plain])), 'gzip'],
  ];
  for (const [archive, mode] of archives) {
    const output = path.join(dir, `${path.basename(archive)}.out`);
    const result = await decode({ input: archive, output: { kind: 'file', path: output, overwrite: true }, pool });
    assert.equal(result.mode, mode, archive);
    assert.ok(fs.readFileSync(output).equals(data), `${archive}: content and length`);
    assert.ok(allocated(output) <= allocated(reference) + (64 << 10), `${archive}: ${allocated(output)} B allocated`);
  }
  // A range that ends in zeros keeps its length.
  const range = { offset: 300_000 + (8 << 20), length: 70_000 + (3 << 20) };
  const part = await decodeTo(chunkpress('image.raw', data, '1M'), { range });
  assert.ok(part.equals(data.subarray(range.offset)));
});

test('pzstd output: frames without sizes decode in parallel, written in turn; a range streams', async () => {
  const data = sampleData(24 << 20, 23);
  file('pz.txt', data);
  const archive = pzstd('pz.txt', ['-1']);
  const output = path.join(dir, 'pz.out');
  const written = await decode({ input: archive, output: { kind: 'file', path: output, overwrite: false }, pool });
  assert.equal(written.mode, 'parallel');
  assert.equal(written.threads, 2);
  assert.ok(fs.readFileSync(output).equals(data));
  fs.rmSync(output);
  const result = await decode({ input: archive, output: { kind: 'none' }, pool, verify: true });
  assert.equal(result.mode, 'parallel');
  assert.equal(result.threads, 2);
  assert.ok(result.frames > 1, `${result.frames} frames`);
  assert.equal(result.framesDecoded, result.frames);
  assert.equal(result.bytesOut, data.length);
  assert.deepEqual(result.failures, []);
  const part = await decodeTo(archive, { range: { offset: 5_000_000, length: 3_000_000 } });
  assert.ok(part.equals(data.subarray(5_000_000, 8_000_000)));

  // A bad frame in the middle: the frames after it, parked or still decoding, are not waited for.
  const info = JSON.parse(execFileSync(process.execPath, [cli, 'inspect', '--json', archive], { encoding: 'utf8' }));
  const dataFrames = info.frames.filter((f: { role: string }) => f.role === 'data');
  const middle = dataFrames[Math.floor(dataFrames.length / 2)];
  const bytes = fs.readFileSync(archive);
  bytes[middle.offset + Math.floor(middle.compressedSize / 2)] ^= 0x55;
  const bad = file('pz-bad.zst', bytes);
  await assert.rejects(
    decode({ input: bad, output: { kind: 'file', path: output, overwrite: false }, pool }),
    (err: ChunkpressError) => err.code === 'EFORMAT' && err.message.includes(`frame ${middle.index} `),
  );
  assert.equal(fs.existsSync(output), false);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.partial')),
    [],
  );
});

test('ranges: frame boundaries, across frames, the very end; past the end is refused', async () => {
  const data = sampleData(10 * CHUNK + 1234, 5);
  const archive = chunkpress('range.bin', data);
  const piped = file('range-piped.zst', zstd(['-c', '-q', '-'], data));
  const gz = file('range.gz', execFileSync('gzip', ['-c'], { input: data }));
  const cases: Array<[number, number]> = [
    [0, CHUNK],
    [CHUNK, CHUNK],
    [CHUNK - 10, 20],
    [3 * CHUNK + 7, 4 * CHUNK],
    [data.length - 1234, 1234],
    [data.length - 1, 1],
    [data.length, 0],
  ];
  for (const [offset, length] of cases) {
    const expected = data.subarray(offset, offset + length);
    for (const a of [archive, piped, gz]) {
      const out = await decodeTo(a, { range: { offset, length } });
      assert.ok(out.equals(expected), `${path.basename(a)} ${offset}+${length}`);
    }
  }
  await assert.rejects(decodeTo(archive, { range: { offset: data.length - 10, length: 11 } }), {
    code: 'EINVAL',
    message: `The range ${data.length - 10}..${data.length + 1} goes past the end of "${archive}": its content is ${data.length} bytes`,
  });
  await assert.rejects(decodeTo(piped, { range: { offset: data.length, length: 1 } }), /goes past the end/);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.partial')),
    [],
  );
});

test('verify names exactly the corrupted chunk, with its byte offsets; the CLI exits 1', async () => {
  const data = sampleData(8 * CHUNK, 23);
  const archive = chunkpress('verify.bin', data);
  const good = await decode({ input: archive, output: { kind: 'none' }, pool, verify: true });
  assert.deepEqual(good.failures, []);
  assert.equal(good.digestsChecked, true);
  assert.equal(
    execFileSync(process.execPath, [cli, 'verify', archive], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    '',
  );

  const info = JSON.parse(execFileSync(process.execPath, [cli, 'inspect', '--json', archive], { encoding: 'utf8' }));
  const third = info.frames[3];
  const bytes = fs.readFileSync(archive);
  bytes[third.offset + Math.floor(third.compressedSize / 2)] ^= 0x55;
  const bad = file('verify-bad.zst', bytes);
  const result = await decode({ input: bad, output: { kind: 'none' }, pool, verify: true });
  assert.deepEqual(
    result.failures.map((f) => [f.index, f.offset, f.compressedSize]),
    [[3, third.offset, third.compressedSize]],
  );
  assert.match(
    result.failures[0].message!,
    new RegExp(
      `^frame 3 \\(bytes ${third.offset}\\.\\.${third.offset + third.compressedSize - 1}, content ${3 * CHUNK}\\.\\.${4 * CHUNK - 1}\\) does not decode: `,
    ),
  );
  const cliRun = spawnSync(process.execPath, [cli, 'verify', bad], { encoding: 'utf8' });
  assert.equal(cliRun.status, 1);
  assert.match(
    cliRun.stderr,
    /^chunkpress: .*verify-bad\.zst: frame 3 \(bytes \d+\.\.\d+, content \d+\.\.\d+\) does not decode/,
  );
  // Decompressing it stops at that frame and leaves nothing behind.
  await assert.rejects(decodeTo(bad), (err: ChunkpressError) => err.code === 'EFORMAT' && /frame 3 /.test(err.message));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.partial')),
    [],
  );
});

test('an empty file and a truncated archive: refused like zstd -d, named once, nothing written', async () => {
  const empty = file('empty.zst', Buffer.alloc(0));
  await assert.rejects(
    decodeTo(empty),
    (err: ChunkpressError) =>
      err.code === 'EFORMAT' && err.message === `"${empty}" is empty: there is no zstd or gzip frame in it`,
  );
  await assert.rejects(decode({ input: empty, output: { kind: 'none' }, pool, verify: true }), /is empty/);
  assert.equal(spawnSync('zstd', ['-t', empty]).status, 1);

  const whole = fs.readFileSync(chunkpress('truncated.bin', sampleData(4 * CHUNK, 31)));
  const truncated = file('truncated.zst', whole.subarray(0, Math.floor(whole.length / 2)));
  const run = spawnSync(process.execPath, [cli, 'verify', truncated], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  const [problem] = run.stderr.split('\n');
  assert.match(
    problem,
    new RegExp(`^chunkpress: "${truncated}" is not a valid zstd file: .*\\(at byte \\d+, frame \\d+\\)$`),
  );
  assert.deepEqual(
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('empty') || f.startsWith('truncated.') || f.includes('.partial'))
      .sort(),
    ['empty.zst', 'truncated.bin', 'truncated.bin.zst', 'truncated.zst'],
  );
});

test('cancel leaves no partial file, nor a full disk before a frame is kept; the source is untouched', async (t) => {
  const data = randomBytes(4 << 20);
  const archive = chunkpress('cancel.bin', data, '256K');
  // Frames without sizes take the other way to the file: written in turn.
  const archives = [archive, pzstd('cancel.bin', ['-1'])];
  const before = archives.map((a) => fs.readFileSync(a));
  const output = path.join(dir, 'cancel.out');
  for (const input of archives) {
    const controller = new AbortController();
    const job = decode({
      input,
      output: { kind: 'file', path: output, overwrite: false },
      pool,
      signal: controller.signal,
      onFrame: () => controller.abort(),
    });
    await assert.rejects(job, (err: ChunkpressError) => err.code === 'ECANCELED');
    assert.equal(fs.existsSync(output), false);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('.partial')),
      [],
    );
  }
  archives.forEach((a, i) => assert.ok(fs.readFileSync(a).equals(before[i])));

  // The free-space check refuses at once, with the numbers.
  await assert.rejects(
    decode({
      input: archive,
      output: { kind: 'file', path: output, overwrite: false },
      pool,
      system: { cores: 2, availableMemory: 1 << 30, freeSpace: async () => 1000 },
    }),
    {
      code: 'ENOSPC',
      message: `Not enough space for "${output}": it needs 4 MiB (4194304 B) but only 1000 B (1000 B) are free`,
    },
  );

  // Less room than a frame: nothing a resume could keep, so nothing is kept (the disk filling up
  // later in a job keeps what is done: decodeResume.test.ts).
  await withSmallTmpfs(t, '128k', 'cannot mount a small tmpfs here (needs root)', async (mount) => {
    const target = path.join(mount, 'cancel.bin');
    for (const input of archives) {
      await assert.rejects(
        decode({
          input,
          output: { kind: 'file', path: target, overwrite: false },
          pool,
          system: { cores: 2, availableMemory: 1 << 30, freeSpace: async () => undefined }, // let it try
        }),
        { code: 'ENOSPC', message: `No space left on the device while writing "${target}"` },
      );
      assert.deepEqual(fs.readdirSync(mount), []);
    }
  });
});

test('names: the archive suffix comes off', () => {
  assert.equal(decodedName('/a/big.log.zst'), '/a/big.log');
  assert.equal(decodedName('/a/src.tzst'), '/a/src.tar');
  assert.equal(decodedName('/a/x.tgz'), '/a/x.tar');
  assert.equal(decodedName('/a/notes.gz'), '/a/notes');
  assert.equal(decodedName('/a/.zst'), '/a/.zst.out');
  assert.equal(decodedName('/a/data.bin'), '/a/data.bin.out');
  assert.equal(rangeName('/a/big.log.zst', 1048576, 1048576), '/a/big.bytes-1048576-2097151.log');
  assert.equal(rangeName('/a/src.tzst', 0, 512), '/a/src.bytes-0-511.tar');
  assert.equal(rangeName('/a/README.zst', 10, 1), '/a/README.bytes-10-10');
  assert.equal(rangeName('/a/data.bin', 0, 1), '/a/data.bin.out.bytes-0-0');
});
