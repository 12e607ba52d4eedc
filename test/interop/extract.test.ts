/**
 * Extraction against GNU tar's: ours in parallel and GNU-tar-made .tar.zst, .tar.gz and .tar in one
 * pass give the same tree as `tar -xf` (bytes, modes, mtimes, symlinks, hard links, empty folders);
 * a selection; the overwrite policies; and cancel, refusal of space and a full disk, which leave
 * exactly what was there before.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { compressTree } from '../../server/src/engine/compression/compressTree';
import type { ChunkpressError } from '../../server/src/engine/errors';
import { extractArchive, type ExtractJob } from '../../server/src/engine/extraction/extractArchive';
import { discardInterrupted, interruptedJobAt } from '../../server/src/engine/io/interruptedJobs';
import { sampleData, tempDir, testPool, treeSnapshot, withSmallTmpfs } from '../helpers';

const pool = testPool(2);
const dir = tempDir('chunkpress-extract-');
const tree = path.join(dir, 'proj');
const ours = path.join(dir, 'proj.tar.zst');
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tarInto = (archive: string, args: string[] = []): string => {
  const out = tempDir('chunkpress-tarx-');
  execFileSync('tar', ['-xf', archive, '-C', out, ...args]);
  return out;
};

const extract = (archive: string, target: string, over: Partial<ExtractJob> = {}) =>
  extractArchive({ archive, target, pool, ...over });

before(async () => {
  fs.mkdirSync(path.join(tree, 'src', 'lib', 'deep', 'er'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'empty'));
  fs.writeFileSync(path.join(tree, 'src', 'lib', 'util.js'), 'module.exports = 1;\n');
  fs.writeFileSync(path.join(tree, 'src', `${'long-name-'.repeat(14)}.txt`), sampleData(70_000, 3));
  fs.writeFileSync(path.join(tree, 'big.dat'), sampleData(600_000, 4)); // spans frames of 64 KiB
  fs.writeFileSync(path.join(tree, 'zero'), '');
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(tree, 'src', 'lib', 'deep', `f${i}.txt`), `file ${i}\n`);
  fs.writeFileSync(path.join(tree, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'secret'), 'key\n', { mode: 0o600 });
  fs.symlinkSync('big.dat', path.join(tree, 'alias'));
  fs.symlinkSync('../../big.dat', path.join(tree, 'src', 'lib', 'up'));
  fs.linkSync(path.join(tree, 'run.sh'), path.join(tree, 'src', 'run-again.sh'));
  fs.chmodSync(path.join(tree, 'src', 'lib', 'deep', 'er'), 0o700);
  const t = new Date('2024-02-29T12:34:56.789Z');
  fs.utimesSync(path.join(tree, 'big.dat'), t, t);
  fs.utimesSync(path.join(tree, 'src', 'lib'), t, t);
  await compressTree({
    roots: [{ path: tree, name: 'proj' }],
    name: 'proj',
    selection: { respectGitignore: false, exclude: [] },
    output: { kind: 'file', path: ours, overwrite: false },
    options: { chunkSize: 64 << 10, level: 3 },
    pool,
  });
});

test('our archive extracts in parallel to what tar -xf makes of it', async () => {
  const target = path.join(dir, 'out-ours');
  const result = await extract(ours, target, { threads: 2 });
  assert.equal(result.mode, 'parallel');
  assert.equal(result.threads, 2);
  assert.deepEqual(result.refused, []);
  assert.equal(result.files, 206);
  assert.equal(result.links, 3);
  assert.equal(result.folders, 6);
  const expected = treeSnapshot(tarInto(ours));
  assert.deepEqual(treeSnapshot(target), expected);
  assert.ok(expected.some((r) => r.startsWith('proj/big.dat file 644 600000 1709210096 ')));
  assert.ok(
    expected.includes(
      'proj/src/lib/deep/er dir 700 ' + Math.floor(fs.statSync(path.join(tree, 'src/lib/deep/er')).mtimeMs / 1000),
    ),
  );
  assert.ok(expected.some((r) => r.startsWith('proj/run.sh file 755') && r.endsWith('links=2')));
  // Sub-second mtimes come back exactly as far as a double holds them.
  assert.equal(fs.statSync(path.join(target, 'proj', 'big.dat')).mtimeMs, Date.parse('2024-02-29T12:34:56.789Z'));
  // Nothing of the job is left beside the files.
  assert.deepEqual(execFileSync('find', [target, '-name', '*chunkpress*']).toString(), '');
});

test('GNU tar archives (gnu and pax; zstd, gzip, plain) extract in one pass to what tar -xf makes', async () => {
  for (const format of ['gnu', 'pax']) {
    for (const [suffix, flag] of [
      ['tar.zst', '--zstd'],
      ['tar.gz', '--gzip'],
      ['tar', ''],
    ]) {
      const archive = path.join(dir, `gnu-${format}.${suffix}`);
      execFileSync('tar', ['-cf', archive, ...(flag ? [flag] : []), `--format=${format}`, '-C', dir, 'proj']);
      const target = path.join(dir, `out-${format}-${suffix}`);
      const result = await extract(archive, target);
      assert.equal(result.mode, 'streaming', archive);
      assert.deepEqual(result.refused, [], archive);
      assert.deepEqual(treeSnapshot(target), treeSnapshot(tarInto(archive)), archive);
      assert.deepEqual(treeSnapshot(path.join(target)), treeSnapshot(path.join(dir, 'out-ours')), archive);
    }
  }
});

test("a selection: members and folders by name, or a folder's content at the top", async () => {
  const target = path.join(dir, 'out-some');
  const result = await extract(ours, target, { members: ['proj/src/lib/', 'proj/zero', 'proj/src/run-again.sh'] });
  assert.deepEqual(result.refused, []);
  const rows = treeSnapshot(target).map((r) => r.split(' ')[0]);
  assert.ok(rows.includes('proj/src/lib/deep/f199.txt'));
  assert.ok(rows.includes('proj/zero'));
  assert.ok(!rows.includes('proj/big.dat'));
  assert.ok(!rows.includes('proj/run.sh'));
  // A hard link whose target is not selected becomes a copy of it.
  assert.equal(fs.readFileSync(path.join(target, 'proj/src/run-again.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
  assert.equal(fs.statSync(path.join(target, 'proj/src/run-again.sh')).mode & 0o777, 0o755);

  const based = path.join(dir, 'out-base');
  const lib = await extract(ours, based, { base: 'proj/src/lib' });
  assert.deepEqual(fs.readdirSync(based).sort(), ['deep', 'util.js']);
  // Its symlink up to the archive's top would lead out of a target that holds only lib.
  assert.deepEqual(lib.refused, [
    {
      member: 'proj/src/lib/up',
      reason: 'it is a symlink to "../../big.dat", which leads outside the target folder',
    },
  ]);
  // The same for a foreign archive, read in one pass.
  const foreign = path.join(dir, 'out-base-gnu');
  await extract(path.join(dir, 'gnu-pax.tar.gz'), foreign, { base: 'proj/src/lib' });
  assert.deepEqual(treeSnapshot(foreign), treeSnapshot(based));
});

test('what exists: stop names it and makes nothing, skip keeps it, replace replaces, ask asks', async () => {
  for (const archive of [ours, path.join(dir, 'gnu-pax.tar.zst')]) {
    const target = tempDir('chunkpress-exist-');
    fs.mkdirSync(path.join(target, 'proj'));
    fs.writeFileSync(path.join(target, 'proj', 'zero'), 'mine\n');
    fs.writeFileSync(path.join(target, 'proj', 'secret'), 'mine too\n');
    const before = treeSnapshot(target);
    await assert.rejects(extract(archive, target), (err: ChunkpressError) => {
      assert.equal(err.code, 'EEXIST');
      assert.match(err.message, /proj\/(zero|secret)" already exists/);
      return true;
    });
    assert.deepEqual(treeSnapshot(target), before, archive);

    const kept = await extract(archive, target, { overwrite: 'skip' });
    assert.equal(kept.kept, 2);
    assert.equal(fs.readFileSync(path.join(target, 'proj', 'zero'), 'utf8'), 'mine\n');

    // Asked on a target holding only those two: the first is replaced, skip-all keeps the second.
    const fresh = tempDir('chunkpress-ask-');
    fs.mkdirSync(path.join(fresh, 'proj'));
    const mine: Record<string, string> = { 'proj/zero': 'mine\n', 'proj/secret': 'mine too\n' };
    const theirs: Record<string, string> = { 'proj/zero': '', 'proj/secret': 'key\n' };
    for (const [p, text] of Object.entries(mine)) fs.writeFileSync(path.join(fresh, p), text);
    const asked: string[] = [];
    const answers = ['replace', 'skipAll'] as const;
    const result = await extract(archive, fresh, {
      overwrite: 'ask',
      ask: async ({ path: p, existing }) => {
        assert.equal(existing, 'file');
        asked.push(path.relative(fresh, p));
        return answers[asked.length - 1] ?? 'cancel';
      },
    });
    assert.equal(asked.length, 2, asked.join());
    assert.equal(result.kept, 1);
    assert.equal(fs.readFileSync(path.join(fresh, asked[0]), 'utf8'), theirs[asked[0]]);
    assert.equal(fs.readFileSync(path.join(fresh, asked[1]), 'utf8'), mine[asked[1]]);
    fs.rmSync(fresh, { recursive: true });

    const replaced = await extract(archive, target, { overwrite: 'replace' });
    assert.equal(replaced.kept, 0);
    assert.deepEqual(treeSnapshot(path.join(target)), treeSnapshot(path.join(dir, 'out-ours')));
    fs.rmSync(target, { recursive: true });
  }
});

test('cancel leaves exactly what was there before, replaced files included', async () => {
  for (const archive of [ours, path.join(dir, 'gnu-gnu.tar.gz')]) {
    const target = tempDir('chunkpress-cancel-');
    fs.mkdirSync(path.join(target, 'proj'));
    fs.writeFileSync(path.join(target, 'proj', 'big.dat'), 'mine\n');
    fs.writeFileSync(path.join(target, 'unrelated'), "not the archive's\n");
    const before = treeSnapshot(target);
    const folderTime = fs.statSync(path.join(target, 'proj')).mtimeMs;
    const controller = new AbortController();
    let files = 0;
    await assert.rejects(
      extract(archive, target, {
        overwrite: 'replace',
        signal: controller.signal,
        onProgress: (s) => {
          files = s.files?.done ?? 0;
          if (files >= 3) controller.abort();
        },
      }),
      { code: 'ECANCELED' },
    );
    assert.ok(files >= 3, archive);
    assert.deepEqual(treeSnapshot(target), before, archive);
    // To the microsecond (Node sets times from a double of seconds), not only the second.
    const drift = fs.statSync(path.join(target, 'proj')).mtimeMs - folderTime;
    assert.ok(Math.abs(drift) < 0.001, `${archive}: the existing folder's mtime moved by ${drift} ms`);
    fs.rmSync(target, { recursive: true });
  }
});

test('space: declared sizes over the free space are refused up front; a full disk keeps what was made, to resume', async (t) => {
  const target = path.join(dir, 'out-nospace');
  const system = { cores: 2, availableMemory: 1 << 30, freeSpace: async () => 100_000 };
  for (const archive of [ours, path.join(dir, 'gnu-pax.tar.zst')]) {
    await assert.rejects(extract(archive, target, { system }), (err: ChunkpressError) => {
      assert.equal(err.code, 'ENOSPC');
      assert.match(
        err.message,
        /^Extracting ".*" needs ([\d.]+ [KM]iB, and only 97.7 KiB is free where ".*out-nospace" is:|more than the 97.7 KiB free where ".*out-nospace" is: "proj\/.*" declares [\d.]+ K?i?B after [\d.]+ KiB before it;) nothing was extracted$/,
      );
      return true;
    });
    assert.equal(fs.existsSync(target), false);
  }
  // Room for big.dat and a few small files, not for all of them: the disk fills up mid-job.
  await withSmallTmpfs(t, '768k', 'cannot mount a small tmpfs here (needs root)', async (mount) => {
    const unknown = { cores: 2, availableMemory: 1 << 30, freeSpace: async () => undefined }; // let it try
    for (const archive of [ours, path.join(dir, 'gnu-gnu.tar')]) {
      await assert.rejects(extract(archive, path.join(mount, 'x'), { system: unknown }), (err: ChunkpressError) => {
        assert.equal(err.code, 'ENOSPC');
        assert.match(
          err.message,
          /^No space left on the device while writing ".*proj\/.*"; what is extracted is kept, and the job can be resumed once there is room$/,
        );
        return true;
      });
      // Discarded, what it made goes: the folder it extracted into is left empty.
      const made = await extract(archive, path.join(mount, 'x'), { system: unknown, resume: 'discard' }).catch(
        (err: ChunkpressError) => err.code,
      );
      assert.equal(made, 'ENOSPC', 'the disk is still full');
      const left = fs.readdirSync(path.join(mount, 'x'));
      assert.equal(left.filter((f) => f.endsWith('.journal')).length, 1, 'the new attempt is the one kept');
      await discardInterrupted(
        (await interruptedJobAt(path.join(mount, 'x', left.find((f) => f.endsWith('.journal'))!)))!,
      );
      assert.deepEqual(fs.readdirSync(path.join(mount, 'x')), [], archive);
      fs.rmdirSync(path.join(mount, 'x'));
    }
  });
});
