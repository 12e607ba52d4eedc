/**
 * Layer 3: folders over IPC. A tree compressed by the helper (progress with files and the current
 * one, the result's counts), its members by folder from the archive's index, a foreign tar's after
 * one walk with progress, and a member's bytes by range.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { WorkDoneProgress, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import {
  compressPartialType,
  compressRequest,
  inspectRequest,
  memberPathsRequest,
  memberStatRequest,
  membersRequest,
  readMemberRequest,
  readRangeRequest,
  searchPartialType,
  searchRequest,
  type SearchMatch,
  type CompressPartial,
} from '../../server/src/protocol';
import { repoRoot, sampleData, tempDir } from '../helpers';
import { startHelper, type Helper } from '../helperProcess';

const dir = tempDir('chunkpress-server-members-');
const tree = path.join(dir, 'site');
let helper: Helper;
let connection: ProtocolConnection;

before(async () => {
  helper = await startHelper(repoRoot);
  connection = helper.connection;
  fs.mkdirSync(path.join(tree, 'pages', 'blog'), { recursive: true });
  for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(tree, 'pages', `page${i}.html`), sampleData(30_000, i));
  fs.writeFileSync(path.join(tree, 'pages', 'blog', 'post.md'), '# a post\n');
  fs.writeFileSync(path.join(tree, 'index.html'), sampleData(200_000, 99));
});

after(() => {
  helper.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a tree compressed through the helper: progress counts files, the result counts the tree', async () => {
  const partials: CompressPartial[] = [];
  const sub = connection.onProgress(compressPartialType, 'tree-pr', (p) => void partials.push(p));
  const result = await connection.sendRequest(compressRequest, {
    input: tree,
    output: `${tree}.tar.zst`,
    overwrite: false,
    chunkSize: 64 << 10,
    tree: { roots: [{ path: tree, name: 'site' }], name: 'site', respectGitignore: true, exclude: ['*.md'] },
    partialResultToken: 'tree-pr',
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  sub.dispose();
  assert.deepEqual(result.tree, { files: 41, folders: 3, links: 0, problems: [] });
  assert.ok(result.chunks > 10);
  const last = partials.at(-1)!.progress;
  assert.deepEqual([last.files?.done, last.files?.total], [41, 41]);
  assert.ok(partials.some((p) => p.progress.files?.current?.startsWith('site/')));
  const listed = execFileSync('tar', ['--zstd', '-tf', `${tree}.tar.zst`]).toString();
  assert.ok(!listed.includes('post.md') && listed.includes('site/pages/page39.html'));
});

test("members by folder from the index; a range read gives a member's bytes", async () => {
  const archive = `${tree}.tar.zst`;
  const summary = await connection.sendRequest(inspectRequest, { path: archive });
  assert.equal(summary.memberCount, 44);
  assert.equal(summary.manifest?.source.kind, 'tree');
  assert.equal((summary.manifest as { members?: unknown }).members, undefined);
  const top = await connection.sendRequest(membersRequest, { path: archive, folder: '' });
  assert.deepEqual(
    top.rows.map((r) => r.name),
    ['site'],
  );
  assert.equal(top.via, 'index');
  const site = await connection.sendRequest(membersRequest, { path: archive, folder: 'site' });
  assert.deepEqual(
    site.rows.map((r) => [r.name, r.children]),
    [
      ['pages', 41],
      ['index.html', 0],
    ],
  );
  const pages = await connection.sendRequest(membersRequest, { path: archive, folder: 'site/pages/' });
  // Folders first, numbers by value, as the Explorer sorts.
  assert.deepEqual(
    pages.rows.slice(0, 4).map((r) => r.name),
    ['blog', 'page0.html', 'page1.html', 'page2.html'],
  );
  assert.equal(pages.rows.at(-1)!.name, 'page39.html');
  const page7 = pages.rows.find((r) => r.name === 'page7.html')!;
  assert.equal(page7.content?.length, 30_000);
  const { base64 } = await connection.sendRequest(readRangeRequest, { path: archive, ...page7.content! });
  assert.ok(Buffer.from(base64, 'base64').equals(fs.readFileSync(path.join(tree, 'pages', 'page7.html'))));
  await assert.rejects(
    connection.sendRequest(membersRequest, { path: archive, folder: 'site/nope' }),
    /has no folder "site\/nope"/,
  );
});

test('a foreign .tar.gz: one walk with progress, then the same rows and reads', async () => {
  const foreign = path.join(dir, 'site.tgz');
  execFileSync('tar', ['-czf', foreign, '-C', dir, 'site']);
  const kinds: string[] = [];
  const sub = connection.onProgress(WorkDoneProgress.type, 'walk', (v) => void kinds.push(v.kind));
  const top = await connection.sendRequest(membersRequest, { path: foreign, folder: '', workDoneToken: 'walk' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  sub.dispose();
  assert.deepEqual([kinds[0], kinds.at(-1)], ['begin', 'end']);
  assert.equal(top.via, 'walk');
  assert.equal(top.total, 45);
  const blog = await connection.sendRequest(membersRequest, { path: foreign, folder: 'site/pages/blog' });
  const post = blog.rows[0];
  assert.equal(post.member?.sha256, null);
  const { base64 } = await connection.sendRequest(readRangeRequest, { path: foreign, ...post.content! });
  assert.equal(Buffer.from(base64, 'base64').toString(), '# a post\n');
});

test('member stat and reads for the archive file system: links followed inside, frames cached, errors by code', async () => {
  const kit = path.join(dir, 'kit');
  fs.mkdirSync(path.join(kit, 'lib', 'deep'), { recursive: true });
  const big = sampleData(300_000, 7); // spans frames of 64 KiB
  fs.writeFileSync(path.join(kit, 'lib', 'deep', 'big.txt'), big);
  fs.writeFileSync(path.join(kit, 'top.txt'), 'top\n');
  fs.symlinkSync('lib/deep', path.join(kit, 'shortcut'));
  fs.symlinkSync('../top.txt', path.join(kit, 'lib', 'up'));
  fs.symlinkSync('../../outside', path.join(kit, 'escape'));
  fs.symlinkSync('loop', path.join(kit, 'loop'));
  const archive = `${kit}.tar.zst`;
  await connection.sendRequest(compressRequest, {
    input: kit,
    output: archive,
    overwrite: false,
    chunkSize: 64 << 10,
    tree: { roots: [{ path: kit, name: 'kit' }], name: 'kit', respectGitignore: false, exclude: [] },
  });
  const stat = (p: string) => connection.sendRequest(memberStatRequest, { archive, path: p });
  const read = async (p: string) =>
    Buffer.from((await connection.sendRequest(readMemberRequest, { archive, path: p })).base64, 'base64');
  assert.deepEqual(await stat(''), { path: '', type: 'directory', symlink: false, size: 0, mtimeMs: 0 });
  assert.deepEqual(await stat('kit/shortcut'), {
    path: 'kit/lib/deep',
    type: 'directory',
    symlink: true,
    size: 0,
    mtimeMs: fs.statSync(path.join(kit, 'lib', 'deep')).mtimeMs,
  });
  assert.equal((await stat('kit/shortcut/big.txt')).path, 'kit/lib/deep/big.txt');
  assert.ok((await read('kit/shortcut/big.txt')).equals(big));
  assert.ok((await read('kit/lib/deep/big.txt')).equals(big)); // from the cache now
  assert.equal((await read('kit/lib/up')).toString(), 'top\n');
  const rows = await connection.sendRequest(membersRequest, { path: archive, folder: 'kit' });
  assert.deepEqual(
    rows.rows.filter((r) => r.member?.type === 'symlink').map((r) => [r.name, r.linkTo]),
    [
      ['escape', null],
      ['loop', null],
      ['shortcut', 'directory'],
    ],
  );
  for (const [p, code] of [
    ['kit/escape', 'ENOENT'],
    ['kit/loop', 'ENOENT'],
    ['kit/nothing', 'ENOENT'],
  ])
    await assert.rejects(stat(p), (err: { data?: { code?: string } }) => err.data?.code === code);
  await assert.rejects(read('kit/lib'), (err: { data?: { code?: string } }) => err.data?.code === 'EISDIR');
  // A foreign tar.gz reads the same way.
  const foreign = path.join(dir, 'kit.tgz');
  execFileSync('tar', ['-czf', foreign, '-C', dir, 'kit']);
  const viaGzip = await connection.sendRequest(readMemberRequest, { archive: foreign, path: 'kit/shortcut/big.txt' });
  assert.ok(Buffer.from(viaGzip.base64, 'base64').equals(big));
});

test('Find in Archive over IPC: member paths, and a search whose matches stream in archive order', async () => {
  const archive = `${tree}.tar.zst`;
  const { paths } = await connection.sendRequest(memberPathsRequest, { archive });
  assert.equal(paths.length, 41);
  assert.equal(paths[0], 'site/index.html');
  const matches: SearchMatch[] = [];
  const sub = connection.onProgress(searchPartialType, 'search-pr', (p) => void matches.push(...p.matches));
  const summary = await connection.sendRequest(searchRequest, {
    archive,
    pattern: '0X184D2A5E POOL',
    regex: false,
    ignoreCase: true,
    members: ['site/pages'],
    partialResultToken: 'search-pr',
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  sub.dispose();
  assert.equal(summary.files, 40);
  assert.equal(summary.truncated, false);
  assert.equal(matches.length, summary.lines);
  // What grep finds in the same files, in the same order.
  const expected = execFileSync('grep', [
    '-n',
    '-i',
    '-F',
    '0X184D2A5E POOL',
    ...paths.slice(1).map((p) => path.join(dir, p)),
  ])
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(dir.length + 1))
    // The helper sends the start of each line: a preview.
    .map((l) => l.replace(/^([^:]+:\d+:)(.*)$/, (_, at: string, text: string) => at + text.slice(0, 400)));
  assert.deepEqual(
    matches.map((m) => `${m.path}:${m.line}:${m.text}`),
    expected,
  );
  await assert.rejects(
    connection.sendRequest(searchRequest, { archive, pattern: '(', regex: true, ignoreCase: false }),
    /"\(" is not a regular expression/,
  );
});
