/**
 * Collecting a tree for a tar, and the chain collect -> frame plan -> headers: the stream it
 * gives is one GNU tar lists and extracts as the tree. What goes in: files, folders (empty ones
 * too), symlinks as links, hard links; .gitignore (nested, with negations) and exclusions;
 * sockets and FIFOs skipped with a warning; the same order every time (depth first, by name bytes).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { END_OF_ARCHIVE_SIZE, tarHeader } from '../../server/src/engine/format/tarHeader';
import { collectTree, type Collection } from '../../server/src/engine/tar/collect';
import { planTarFrames } from '../../server/src/engine/tar/framePlan';
import { parseIdFile } from '../../server/src/engine/tar/ownerNames';
import { sampleData, tempDir } from '../helpers';

const dir = tempDir('chunkpress-collect-');
const tree = path.join(dir, 'app');
let socket: net.Server;
before(async () => {
  const put = (rel: string, bytes: Buffer | string): void => {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), bytes);
  };
  put('src/index.ts', sampleData(9000, 1));
  put('src/big.bin', sampleData(300_000, 2));
  put('src/notes.log', 'ignored by src/.gitignore\n');
  put('src/keep.log', 'kept: negated\n');
  put('src/.gitignore', '*.log\n!keep.log\n');
  put('build/out.js', 'ignored by the top .gitignore\n');
  put('.gitignore', 'build/\n*.tmp\n');
  put('scratch.tmp', 'ignored\n');
  put('docs/a.md', '# a\n');
  put('.git/HEAD', 'ref: refs/heads/main\n');
  put('vendor/lib.js', 'excluded by --exclude\n');
  fs.mkdirSync(path.join(tree, 'empty'));
  fs.symlinkSync('src', path.join(tree, 'link-to-src'));
  fs.linkSync(path.join(tree, 'docs/a.md'), path.join(tree, 'docs/z-same-as-a.md'));
  execFileSync('mkfifo', [path.join(tree, 'pipe')]);
  socket = net.createServer().listen(path.join(tree, 'sock'));
  await new Promise((resolve) => socket.once('listening', resolve));
});
after(() => {
  socket.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const collect = (respectGitignore = true): Promise<Collection> =>
  collectTree([{ path: tree, name: 'app' }], { respectGitignore, exclude: ['vendor'] });

test('what goes in: depth first, each folder by the bytes of its names, the same every time', async () => {
  const c = await collect();
  assert.deepEqual(
    c.entries.map((e) => `${e.type} ${e.path}${e.linkTarget ? ` -> ${e.linkTarget}` : ''}`),
    [
      'directory app',
      'file app/.gitignore',
      'directory app/docs',
      'file app/docs/a.md',
      'hardlink app/docs/z-same-as-a.md -> app/docs/a.md',
      'directory app/empty',
      'symlink app/link-to-src -> src',
      'directory app/src',
      'file app/src/.gitignore',
      'file app/src/big.bin',
      'file app/src/index.ts',
      'file app/src/keep.log',
    ],
  );
  assert.deepEqual(c.warnings, [
    'app/pipe: a FIFO, skipped (tar archives hold files, folders and links)',
    'app/sock: a socket, skipped (tar archives hold files, folders and links)',
  ]);
  assert.equal(c.files, 6);
  assert.equal(c.folders, 4);
  const size = (rel: string): number => fs.statSync(path.join(tree, rel)).size;
  assert.equal(
    c.bytes,
    ['.gitignore', 'docs/a.md', 'src/.gitignore', 'src/big.bin', 'src/index.ts', 'src/keep.log'].reduce(
      (n, rel) => n + size(rel),
      0,
    ),
  );
  assert.deepEqual(await collect(), c, 'a second walk gives the same');
  const all = await collect(false);
  assert.ok(all.entries.some((e) => e.path === 'app/build/out.js'));
  assert.ok(all.entries.some((e) => e.path === 'app/.git/HEAD'));
  assert.ok(!all.entries.some((e) => e.path.startsWith('app/vendor')), '--exclude applies without .gitignore too');
});

test('collect, plan and headers make a stream GNU tar lists and extracts as the tree', async () => {
  const { entries } = await collect();
  const headers = entries.map((e) => tarHeader(e, { subsecondMtime: true }));
  const plan = planTarFrames(
    entries.map((e, i) => ({ header: headers[i].length, content: e.type === 'file' ? e.size : 0 })),
    64 << 10,
  );
  const parts: Buffer[] = [];
  for (const frame of plan.frames)
    for (const s of frame.segments) {
      if (s.kind === 'header') parts.push(Buffer.from(headers[s.member]));
      else if (s.kind === 'zeros') parts.push(Buffer.alloc(s.length));
      else {
        const fd = fs.openSync(entries[s.member].source, 'r');
        const piece = Buffer.alloc(s.length);
        fs.readSync(fd, piece, 0, s.length, s.offset);
        fs.closeSync(fd);
        parts.push(piece);
      }
    }
  const tarFile = path.join(dir, 'app.tar');
  fs.writeFileSync(tarFile, Buffer.concat(parts));
  assert.equal(fs.statSync(tarFile).size, plan.tarSize);
  assert.ok(plan.frames.length > 4, 'the 300 KB file spans several 64 KiB frames');
  assert.ok(
    Buffer.concat(parts)
      .subarray(-END_OF_ARCHIVE_SIZE)
      .every((b) => b === 0),
  );
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  execFileSync('tar', ['-xf', tarFile, '-C', out]);
  for (const rel of ['src/index.ts', 'src/big.bin', 'src/keep.log', 'docs/a.md', 'docs/z-same-as-a.md'])
    assert.ok(fs.readFileSync(path.join(out, 'app', rel)).equals(fs.readFileSync(path.join(tree, rel))), rel);
  assert.equal(fs.readlinkSync(path.join(out, 'app', 'link-to-src')), 'src');
  assert.equal(
    fs.statSync(path.join(out, 'app/docs/a.md')).ino,
    fs.statSync(path.join(out, 'app/docs/z-same-as-a.md')).ino,
  );
  assert.deepEqual(fs.readdirSync(path.join(out, 'app', 'empty')), []);
  assert.ok(!fs.existsSync(path.join(out, 'app', 'build')));
});

test('owner names come from passwd and group files', () => {
  const names = parseIdFile('root:x:0:0:root:/root:/bin/bash\n# comment\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  assert.deepEqual(
    [...names],
    [
      [0, 'root'],
      [1000, 'alice'],
    ],
  );
});
