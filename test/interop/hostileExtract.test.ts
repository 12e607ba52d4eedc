/**
 * A hostile corpus, made here byte by byte: the archives node-tar's and GNU tar's advisories were
 * about (absolute paths, ".." in plain, pax and GNU long names, writes through symlinks, links that
 * lead out, devices, setuid, case collisions, a member claiming 1 TiB). For each: nothing appears
 * outside the target, the member is named with why, and the rest of the archive is extracted.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compressTree } from '../../server/src/engine/compression/compressTree';
import type { ChunkpressError } from '../../server/src/engine/errors';
import { extractArchive } from '../../server/src/engine/extraction/extractArchive';
import { paxRecord } from '../../server/src/engine/format/paxHeader';
import { repoRoot, tempDir, testPool } from '../helpers';

const pool = testPool(2);
const sandbox = tempDir('chunkpress-hostile-');
const outside = path.join(sandbox, 'outside');
fs.mkdirSync(outside);
fs.writeFileSync(path.join(outside, 'keep.txt'), 'outside the target\n');
after(async () => {
  await pool.close();
  fs.rmSync(sandbox, { recursive: true, force: true });
});

interface Raw {
  name: string;
  flag?: string;
  content?: string;
  size?: number;
  link?: string;
  mode?: number;
}

/** One ustar header block, every field as given (no checks: that is the point). */
function header({ name, flag = '0', content = '', size, link = '', mode = 0o644 }: Raw): Buffer {
  const b = Buffer.alloc(512);
  const octal = (value: number, at: number, width: number): void => {
    b.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, width, 'latin1');
  };
  b.write(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  const length = size ?? Buffer.byteLength(content);
  if (length > 0o77777777777) {
    b[124] = 0x80; // GNU base-256
    let v = BigInt(length);
    for (let i = 135; i > 124; i--, v >>= 8n) b[i] = Number(v & 0xffn);
  } else octal(length, 124, 12);
  octal(1_700_000_000, 136, 12);
  b.write(flag, 156, 1, 'latin1');
  b.write(link, 157, 100);
  b.write('ustar\u000000', 257, 8, 'latin1');
  b.write('root', 265, 32);
  b.write('root', 297, 32);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

const pad = (data: Buffer): Buffer => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const entry = (raw: Raw): Buffer => Buffer.concat([header(raw), pad(Buffer.from(raw.content ?? ''))]);
/** A pax extended header setting `records` for the member after it. */
const pax = (records: Record<string, string>): Buffer => {
  const data = Buffer.concat(Object.entries(records).map(([k, v]) => paxRecord(k, v)));
  return Buffer.concat([header({ name: 'PaxHeader', flag: 'x', size: data.length }), pad(data)]);
};
/** A GNU long name ('L') or long link name ('K') for the member after it. */
const gnuLong = (flag: 'L' | 'K', value: string): Buffer => {
  const data = Buffer.from(`${value}\0`);
  return Buffer.concat([header({ name: '././@LongLink', flag, size: data.length }), pad(data)]);
};
const tar = (...parts: Buffer[]): Buffer =>
  Buffer.concat([...parts, entry({ name: 'ok.txt', content: 'the rest is extracted\n' }), Buffer.alloc(1024)]);

/** Every path under the sandbox outside `target`, with its size: what must not change. */
function outsideState(target: string): string[] {
  const rows: string[] = [];
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      if (abs === target) continue;
      const s = fs.lstatSync(abs);
      rows.push(`${path.relative(sandbox, abs)} ${s.isDirectory() ? 'dir' : s.size}`);
      if (s.isDirectory()) walk(abs);
    }
  };
  walk(sandbox);
  return rows;
}

interface Case {
  name: string;
  bytes: Buffer;
  /** The refused members and why (a pattern), in archive order. */
  refused: Array<[string, RegExp]>;
  /** What the target holds afterwards, besides ok.txt. */
  holds?: string[];
  caseInsensitive?: boolean;
  warnings?: RegExp[];
}

const cases: Case[] = [
  {
    name: 'absolute path',
    bytes: tar(entry({ name: `${outside}/abs.txt`, content: 'x' })),
    refused: [[`${outside}/abs.txt`, /is absolute/]],
  },
  {
    name: '.. in a plain name',
    bytes: tar(entry({ name: '../outside/dotdot.txt', content: 'x' })),
    refused: [['../outside/dotdot.txt', /holds "\.\."/]],
  },
  {
    name: '.. deeper in a plain name',
    bytes: tar(entry({ name: 'a/../../outside/deep.txt', content: 'x' })),
    refused: [['a/../../outside/deep.txt', /holds "\.\."/]],
  },
  {
    name: '.. in a pax path',
    bytes: tar(pax({ path: '../outside/pax.txt' }), entry({ name: 'innocent.txt', content: 'x' })),
    refused: [['../outside/pax.txt', /holds "\.\."/]],
  },
  {
    name: 'absolute pax path',
    bytes: tar(pax({ path: `${outside}/pax-abs.txt` }), entry({ name: 'innocent.txt', content: 'x' })),
    refused: [[`${outside}/pax-abs.txt`, /is absolute/]],
  },
  {
    name: '.. in a GNU long name',
    bytes: tar(gnuLong('L', `../outside/${'y'.repeat(120)}`), entry({ name: 'innocent.txt', content: 'x' })),
    refused: [[`../outside/${'y'.repeat(120)}`, /holds "\.\."/]],
  },
  {
    name: 'a drive letter',
    bytes: tar(entry({ name: 'C:/Windows/evil.txt', content: 'x' })),
    refused: [['C:/Windows/evil.txt', /is absolute/]],
  },
  {
    name: 'symlink to an absolute folder outside, then a file through it',
    bytes: tar(entry({ name: 'esc', flag: '2', link: outside }), entry({ name: 'esc/through.txt', content: 'x' })),
    refused: [['esc', /symlink to the absolute path/]],
    holds: ['esc', 'esc/through.txt'], // a folder of the target's own, not the link
  },
  {
    name: 'symlink up, then a file through it',
    bytes: tar(entry({ name: 'up', flag: '2', link: '..' }), entry({ name: 'up/outside/up.txt', content: 'x' })),
    refused: [['up', /leads outside the target folder/]],
    holds: ['up', 'up/outside', 'up/outside/up.txt'],
  },
  {
    name: 'symlink inside, then a file written through it',
    bytes: tar(
      entry({ name: 'sub', flag: '5' }),
      entry({ name: 'inside', flag: '2', link: 'sub' }),
      entry({ name: 'inside/evil.txt', content: 'x' }),
    ),
    refused: [['inside/evil.txt', /lies under the symlink "inside"/]],
    holds: ['inside', 'sub'],
  },
  {
    name: 'folder, then a symlink of the same name, then a file under it',
    bytes: tar(
      entry({ name: 'd', flag: '5' }),
      entry({ name: 'd', flag: '2', link: outside }),
      entry({ name: 'd/evil.txt', content: 'x' }),
    ),
    refused: [['d', /holds it twice/]],
    holds: ['d', 'd/evil.txt'],
  },
  {
    name: 'relative symlink that climbs out',
    bytes: tar(entry({ name: 'a/b/l', flag: '2', link: '../../../outside' })),
    refused: [['a/b/l', /leads outside the target folder/]],
  },
  {
    name: 'symlinks chained to climb out',
    bytes: tar(
      entry({ name: 'sub/l2', flag: '2', link: '..' }),
      entry({ name: 'l1', flag: '2', link: 'sub' }),
      entry({ name: 'l3', flag: '2', link: 'l1/l2/../outside' }),
    ),
    refused: [['l3', /taken inside the symlink "l1"/]],
    holds: ['l1', 'sub', 'sub/l2'],
  },
  {
    name: 'symlink with a GNU long link name to an absolute path',
    bytes: tar(gnuLong('K', `/etc/${'z'.repeat(120)}`), entry({ name: 'longlink', flag: '2', link: 'x' })),
    refused: [['longlink', /symlink to the absolute path "\/etc\/z+"/]],
  },
  {
    name: 'hard link to an absolute path',
    bytes: tar(entry({ name: 'h', flag: '1', link: path.join(outside, 'keep.txt') })),
    refused: [['h', /hard link, and its target path ".*keep.txt" is absolute/]],
  },
  {
    name: 'hard link climbing out',
    bytes: tar(entry({ name: 'h', flag: '1', link: '../outside/keep.txt' })),
    refused: [['h', /hard link, and its target path "..\/outside\/keep.txt" holds "\.\."/]],
  },
  {
    name: 'hard link by pax linkpath, climbing out',
    bytes: tar(pax({ linkpath: '../../outside/keep.txt' }), entry({ name: 'h', flag: '1', link: 'x' })),
    refused: [['h', /holds "\.\."/]],
  },
  {
    name: 'hard link to a file the archive does not hold',
    bytes: tar(entry({ name: 'h', flag: '1', link: 'keep.txt' })),
    refused: [['h', /not a file this archive extracts/]],
  },
  {
    name: 'devices and a FIFO',
    bytes: tar(
      entry({ name: 'dev/tty0', flag: '3' }),
      entry({ name: 'dev/sda', flag: '4' }),
      entry({ name: 'fifo', flag: '6' }),
    ),
    refused: [
      ['dev/tty0', /character device/],
      ['dev/sda', /block device/],
      ['fifo', /FIFO/],
    ],
  },
  {
    name: 'setuid and setgid files',
    bytes: tar(entry({ name: 'su', content: 'x', mode: 0o4755 }), entry({ name: 'sg', content: 'x', mode: 0o2755 })),
    refused: [],
    holds: ['sg', 'su'],
    warnings: [/^su: its setuid bit was dropped$/, /^sg: its setgid bit was dropped$/],
  },
  {
    name: 'names that collide on a case-insensitive file system',
    bytes: tar(entry({ name: 'README', content: 'x' }), entry({ name: 'readme', content: 'evil' })),
    refused: [['readme', /collides with "README"/]],
    holds: ['README'],
    caseInsensitive: true,
  },
  {
    name: 'a file, then a file under it',
    bytes: tar(entry({ name: 'f', content: 'x' }), entry({ name: 'f/under.txt', content: 'x' })),
    refused: [['f/under.txt', /lies under "f", which is not a folder/]],
    holds: ['f'],
  },
];

for (const c of cases) {
  for (const kind of ['tar', 'tar.gz', 'tar.zst'] as const) {
    test(`hostile ${kind}: ${c.name}`, async () => {
      const bytes =
        kind === 'tar'
          ? c.bytes
          : kind === 'tar.gz'
            ? gzipSync(c.bytes)
            : execFileSync('zstd', ['-q', '-c'], { input: c.bytes });
      const archive = path.join(sandbox, `case.${kind}`);
      fs.writeFileSync(archive, bytes);
      const target = path.join(sandbox, 'target');
      fs.rmSync(target, { recursive: true, force: true });
      const before = outsideState(target);
      const result = await extractArchive({ archive, target, pool, caseInsensitive: c.caseInsensitive });
      assert.deepEqual(outsideState(target), before);
      assert.deepEqual(
        result.refused.map((r) => r.member),
        c.refused.map(([member]) => member),
      );
      result.refused.forEach((r, i) => assert.match(r.reason, c.refused[i][1], r.member));
      const held = execFileSync('find', ['.', '-mindepth', '1'], { cwd: target })
        .toString()
        .trim()
        .split('\n')
        .map((p) => p.slice(2))
        .sort();
      assert.deepEqual(held, [...(c.holds ?? []), 'ok.txt'].sort());
      assert.equal(fs.readFileSync(path.join(target, 'ok.txt'), 'utf8'), 'the rest is extracted\n');
      for (const p of held)
        assert.ok(
          !fs.lstatSync(path.join(target, p)).isSymbolicLink() || p === 'inside' || p === 'l1' || p === 'sub/l2',
          p,
        );
      if (c.warnings) {
        assert.equal(result.warnings.length, c.warnings.length);
        result.warnings.forEach((w, i) => assert.match(w, c.warnings![i]));
        for (const p of held.filter((h) => h !== 'ok.txt'))
          assert.equal(fs.statSync(path.join(target, p)).mode & 0o7777, 0o755, p);
      }
    });
  }
}

test('a member claiming 1 TiB is refused before a byte is written, naming it', async () => {
  const bytes = Buffer.concat([
    entry({ name: 'first.txt', content: 'x' }),
    header({ name: 'huge.img', size: 2 ** 40 }),
    Buffer.alloc(4096),
  ]);
  for (const [suffix, data] of [
    ['tar', bytes],
    ['tar.gz', gzipSync(bytes)],
  ] as const) {
    const archive = path.join(sandbox, `huge.${suffix}`);
    fs.writeFileSync(archive, data);
    const target = path.join(sandbox, 'target-huge');
    const before = outsideState(target);
    await assert.rejects(extractArchive({ archive, target, pool }), (err: ChunkpressError) => {
      assert.equal(err.code, 'ENOSPC');
      assert.match(err.message, /"huge\.img" declares 1 TiB after 4 KiB before it; nothing was extracted$/);
      return true;
    });
    assert.equal(fs.existsSync(target), false);
    assert.deepEqual(outsideState(target), before);
  }
});

test('a symlink already in the target is never written through', async () => {
  const target = path.join(sandbox, 'target-pre');
  fs.mkdirSync(target);
  fs.symlinkSync('../outside', path.join(target, 'pre'));
  const archive = path.join(sandbox, 'pre.tar');
  fs.writeFileSync(archive, tar(entry({ name: 'pre/evil.txt', content: 'x' }), entry({ name: 'pre', flag: '5' })));
  const before = outsideState(target);
  const result = await extractArchive({ archive, target, pool });
  assert.deepEqual(result.refused, [
    { member: 'pre/evil.txt', reason: '"pre" is a symlink in the target folder, and nothing is written through one' },
    { member: 'pre', reason: '"pre" is a symlink in the target folder, and nothing is written through one' },
  ]);
  assert.deepEqual(outsideState(target), before);
  assert.equal(fs.readlinkSync(path.join(target, 'pre')), '../outside');
});

test('our own archive of a tree with links that lead out: refused in the parallel path too; the CLI exits 1', async () => {
  const tree = path.join(sandbox, 'tree');
  fs.mkdirSync(tree);
  fs.writeFileSync(path.join(tree, 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(tree, 'tool'), 'x', { mode: 0o4755 });
  fs.symlinkSync('/etc', path.join(tree, 'etc'));
  fs.symlinkSync('../../outside', path.join(tree, 'out'));
  const archive = path.join(sandbox, 'tree.tar.zst');
  await compressTree({
    roots: [{ path: tree, name: 'tree' }],
    name: 'tree',
    selection: { respectGitignore: false, exclude: [] },
    output: { kind: 'file', path: archive, overwrite: false },
    options: {},
    pool,
  });
  const target = path.join(sandbox, 'target-ours');
  const before = outsideState(target);
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'extract', archive, '-C', target]);
  assert.equal(r.status, 1);
  const stderr = r.stderr.toString();
  assert.match(
    stderr,
    /tree\.tar\.zst: tree\/etc: not extracted: it is a symlink to the absolute path "\/etc", outside the target folder\n/,
  );
  assert.match(
    stderr,
    /tree\.tar\.zst: tree\/out: not extracted: it is a symlink to "\.\.\/\.\.\/outside", which leads outside the target folder\n/,
  );
  assert.match(stderr, /warning: tree\/tool: its setuid bit was dropped\n/);
  assert.match(stderr, /: 2 files, 1 folder \(\d+ B\) -> .*target-ours in .*; 2 refused\n$/);
  assert.deepEqual(outsideState(target), before);
  assert.deepEqual(fs.readdirSync(path.join(target, 'tree')).sort(), ['a.txt', 'tool']);
  assert.equal(fs.statSync(path.join(target, 'tree', 'tool')).mode & 0o7777, 0o755);
});
