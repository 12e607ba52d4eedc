/**
 * Our pax tar headers against GNU tar and bsdtar: a tree with UTF-8 names, names over 100 and over
 * 255 bytes, spaces, an empty folder, an empty file, a symlink and an executable is listed and
 * extracted exactly (contents, modes, mtimes, link targets); a member of 8 GiB and more is listed
 * with its size.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { END_OF_ARCHIVE_SIZE, tarHeader, tarPadding, type TarEntry } from '../../server/src/engine/format/tarHeader';
import { sampleData, tempDir } from '../helpers';

const dir = tempDir('chunkpress-tar-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const tree = path.join(dir, 'tree');
const root = 'projekt ü';
const long100 = `${'l'.repeat(60)}/${'m'.repeat(70)}.txt`;
const long255 = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(90)}/ünïcødé ${'g'.repeat(40)}.md`;
const files: Record<string, Buffer> = {
  'README.md': Buffer.from('# hello\n'),
  'src/main.ts': sampleData(70_000, 3),
  'src/empty.txt': Buffer.alloc(0),
  'with space/ça va.txt': Buffer.from('oui\n'),
  [long100]: sampleData(600, 4),
  [long255]: sampleData(513, 5),
  'bin/run.sh': Buffer.from('#!/bin/sh\necho run\n'),
};

/** A tar stream of `tree` as Chunkpress writes one: `root/...`, sorted, headers then padded content. */
function ourTar(): Buffer {
  const parts: Buffer[] = [];
  const add = (rel: string): void => {
    const abs = path.join(tree, rel);
    const st = fs.lstatSync(abs, { bigint: true });
    const type: TarEntry['type'] = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
    const entry: TarEntry = {
      path: rel === '' ? root : `${root}/${rel}`,
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      uname: 'root',
      gname: 'root',
      size: type === 'file' ? Number(st.size) : 0,
      mtime: { seconds: Number(st.mtimeNs / 1_000_000_000n), nanoseconds: Number(st.mtimeNs % 1_000_000_000n) },
      linkTarget: type === 'symlink' ? fs.readlinkSync(abs) : undefined,
    };
    parts.push(Buffer.from(tarHeader(entry, { subsecondMtime: true })));
    if (type === 'file') {
      parts.push(fs.readFileSync(abs), Buffer.alloc(tarPadding(entry.size)));
    }
    if (type === 'directory') for (const name of fs.readdirSync(abs).sort()) add(rel === '' ? name : `${rel}/${name}`);
  };
  add('');
  parts.push(Buffer.alloc(END_OF_ARCHIVE_SIZE));
  return Buffer.concat(parts);
}

/** Every path under `top`, with what tar keeps of it: type, mode, mtime (whole seconds), content or target. */
function describe(top: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const abs = path.join(top, rel);
    const st = fs.lstatSync(abs);
    const mtime = Math.floor(st.mtimeMs / 1000);
    const what = st.isSymbolicLink()
      ? `link -> ${fs.readlinkSync(abs)}`
      : st.isDirectory()
        ? `dir ${(st.mode & 0o7777).toString(8)}`
        : `file ${(st.mode & 0o7777).toString(8)} ${mtime} ${fs.readFileSync(abs).toString('base64')}`;
    out[rel] = what;
    if (st.isDirectory() && !st.isSymbolicLink()) for (const name of fs.readdirSync(abs)) walk(path.join(rel, name));
  };
  walk('');
  return out;
}

test('GNU tar and bsdtar list and extract our headers exactly', () => {
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), bytes);
  }
  fs.chmodSync(path.join(tree, 'bin/run.sh'), 0o755);
  fs.mkdirSync(path.join(tree, 'empty folder'));
  fs.symlinkSync('../README.md', path.join(tree, 'bin/readme-link'));
  fs.utimesSync(path.join(tree, 'src/main.ts'), 1_600_000_000.25, 1_600_000_000.75);
  const archive = path.join(dir, 'ours.tar');
  fs.writeFileSync(archive, ourTar());

  const expected = describe(tree);
  const names = Object.keys(expected)
    .map((rel) =>
      rel === '' ? `${root}/` : `${root}/${rel}${fs.lstatSync(path.join(tree, rel)).isDirectory() ? '/' : ''}`,
    )
    .sort();
  for (const tool of ['tar', 'bsdtar']) {
    const listed = execFileSync(tool, ['-tf', archive], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(listed, names, `${tool} -tf`);
    const out = path.join(dir, `out-${tool}`);
    fs.mkdirSync(out);
    execFileSync(tool, ['-xf', archive, '-C', out]);
    const got = describe(path.join(out, root));
    // Folders take the time of their last extracted entry; their modes and everything else match.
    assert.deepEqual(got, expected, `${tool} -xf`);
  }
  // GNU tar reads the pax mtime to the sub-second.
  const verbose = execFileSync('tar', ['--full-time', '-tvf', archive], { encoding: 'utf8' });
  assert.match(verbose, /2020-09-13 12:26:40\.75\d* .*projekt ü\/src\/main\.ts/);
});

test('a member of 8 GiB and more: its size in a pax record, listed by both tars', () => {
  const archive = path.join(dir, 'huge.tar');
  const size = 8 * 2 ** 30 + 12_345;
  const header = tarHeader({
    path: 'huge/sparse.img',
    type: 'file',
    mode: 0o600,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    size,
    mtime: { seconds: 1_700_000_000, nanoseconds: 0 },
  });
  // The content is a hole: the file is sparse, and both tars seek over it to list.
  const fd = fs.openSync(archive, 'w');
  fs.writeSync(fd, header, 0, header.length, 0);
  const end = header.length + size + tarPadding(size);
  fs.writeSync(fd, Buffer.alloc(END_OF_ARCHIVE_SIZE), 0, END_OF_ARCHIVE_SIZE, end);
  fs.closeSync(fd);
  for (const tool of ['tar', 'bsdtar']) {
    const line = execFileSync(tool, ['-tvf', archive], { encoding: 'utf8' });
    assert.match(line, new RegExp(`\\b${size}\\b.*huge/sparse\\.img`), tool);
  }
});
