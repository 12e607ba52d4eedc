/**
 * The helper killed with SIGKILL mid-compression (as VS Code's reload or a crash does it), at
 * seeded points: a new helper lists the job from its journal (interruptedJobs), a compress without
 * `resume` fails with EINTERRUPTED saying how far it got, and with `resume` it finishes an archive
 * equal to an uninterrupted one. Discard and the age limit remove jobs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol/node';
import {
  compressRequest,
  decodeRequest,
  discardJobRequest,
  extractRequest,
  interruptedJobsRequest,
  type JobErrorData,
} from '../../server/src/protocol';
import { repoRoot, sampleData, tempDir } from '../helpers';
import { startHelper, type Helper } from '../helperProcess';

const dir = tempDir('chunkpress-server-resume-');
const helpers: Helper[] = [];
after(() => {
  for (const h of helpers) h.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const input = path.join(dir, 'data.log');
fs.writeFileSync(input, sampleData(10 << 20, 21));
const target = `${input}.zst`;
const params = { input, output: target, overwrite: false, level: 12, chunkSize: 256 << 10 };
const journals = (): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.journal'))
    .map((f) => path.join(dir, f));
const framesIn = (file: string): number => fs.readFileSync(file, 'utf8').split('\n').length - 2;

/** SIGKILL, as a crash: the request in flight is never answered, and the connection is dropped. */
async function killed(h: Helper): Promise<void> {
  const exited = new Promise((resolve) => h.child.once('exit', resolve));
  h.child.kill('SIGKILL');
  await exited;
  h.connection.dispose();
}

async function helper(): Promise<Helper> {
  const h = await startHelper(repoRoot);
  helpers.push(h);
  return h;
}

test('kill -9 of the helper at seeded points; a new helper resumes to the uninterrupted archive', async () => {
  const reference = path.join(dir, 'reference.zst');
  const first = await helper();
  await first.connection.sendRequest(compressRequest, { ...params, output: reference });
  const expected = fs.readFileSync(reference);
  for (const at of [3, 17, 31]) {
    const h = await helper();
    const job = h.connection.sendRequest(compressRequest, params).catch(() => undefined);
    while (!(journals()[0] && framesIn(journals()[0]) >= at)) await new Promise((r) => setTimeout(r, 2));
    await killed(h);
    void job;
    const next = await helper();
    const { jobs } = await next.connection.sendRequest(interruptedJobsRequest, { journals: journals(), keepDays: 7 });
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].target, target);
    assert.equal(jobs[0].source, input);
    assert.equal(jobs[0].totalChunks, 40);
    assert.ok(jobs[0].chunksDone >= at, `${jobs[0].chunksDone} chunks done, killed at ${at}`);
    assert.match(jobs[0].description, /^was interrupted at \d+% \(\d+ of 40 chunks\), just now$/);
    // Compressing it again without an answer: the client is told, to ask Resume / Start Over.
    await assert.rejects(
      next.connection.sendRequest(compressRequest, params),
      (err: ResponseError<JobErrorData>) =>
        err.data?.code === 'EINTERRUPTED' && /was interrupted at \d+% \(\d+ of 40 chunks\)/.test(err.message),
    );
    const result = await next.connection.sendRequest(compressRequest, { ...params, resume: 'resume' });
    assert.equal(result.resumedChunks, jobs[0].chunksDone);
    assert.ok(fs.readFileSync(target).equals(expected), `killed at ${at}: the same bytes`);
    assert.equal(spawnSync('zstd', ['-t', '-q', target]).status, 0);
    assert.deepEqual(journals(), []);
    fs.rmSync(target);
  }
});

test('discard removes an interrupted job; one older than keepDays is removed and named', async () => {
  for (const keep of ['discard', 'age'] as const) {
    const h = await helper();
    const job = h.connection.sendRequest(compressRequest, params).catch(() => undefined);
    while (!(journals()[0] && framesIn(journals()[0]) >= 5)) await new Promise((r) => setTimeout(r, 2));
    await killed(h);
    void job;
    const next = await helper();
    const [journal] = journals();
    const partial = journal.replace(/\.journal$/, '.partial');
    if (keep === 'discard') await next.connection.sendRequest(discardJobRequest, { journal });
    else {
      const old = new Date(Date.now() - 8 * 86_400_000);
      fs.utimesSync(journal, old, old);
      const { jobs, removed } = await next.connection.sendRequest(interruptedJobsRequest, {
        journals: [journal],
        keepDays: 7,
      });
      assert.deepEqual(jobs, []);
      assert.deepEqual(removed, [`${target} (stopped 8 days ago)`]);
    }
    assert.ok(!fs.existsSync(journal) && !fs.existsSync(partial), keep);
  }
});

test('a folder job killed with the helper: listed with its roots, resumed to the uninterrupted archive', async () => {
  const root = path.join(dir, 'site');
  fs.mkdirSync(path.join(root, 'pages'), { recursive: true });
  for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(root, 'pages', `p${i}.html`), sampleData(400_000, 70 + i));
  const archive = path.join(dir, 'site.tar.zst');
  const treeParams = {
    input: root,
    output: archive,
    overwrite: false,
    level: 12,
    chunkSize: 256 << 10,
    tree: { roots: [{ path: root, name: 'site' }], name: 'site', respectGitignore: true, exclude: [] },
  };
  const first = await helper();
  await first.connection.sendRequest(compressRequest, {
    ...treeParams,
    output: path.join(dir, 'site-reference.tar.zst'),
  });
  const h = await helper();
  const job = h.connection.sendRequest(compressRequest, treeParams).catch(() => undefined);
  while (!(journals()[0] && framesIn(journals()[0]) >= 6)) await new Promise((r) => setTimeout(r, 2));
  await killed(h);
  void job;
  const next = await helper();
  const { jobs } = await next.connection.sendRequest(interruptedJobsRequest, { journals: journals(), keepDays: 7 });
  assert.equal(jobs.length, 1);
  assert.deepEqual(jobs[0].tree, { roots: [root], name: 'site' });
  assert.equal(jobs[0].target, archive);
  const result = await next.connection.sendRequest(compressRequest, { ...treeParams, resume: 'resume' });
  assert.ok((result.resumedChunks ?? 0) >= 6);
  assert.ok(fs.readFileSync(archive).equals(fs.readFileSync(path.join(dir, 'site-reference.tar.zst'))));
  assert.deepEqual(journals(), []);
});

test('the helper killed mid-decompression and mid-extraction: listed by kind, EINTERRUPTED, resumed with what was written checked', async () => {
  const sub = path.join(dir, 'decode');
  fs.mkdirSync(sub);
  const content = path.join(sub, 'content.log');
  fs.writeFileSync(content, sampleData(32 << 20, 23));
  const archive = path.join(sub, 'content.log.zst');
  const first = await helper();
  await first.connection.sendRequest(compressRequest, {
    input: content,
    output: archive,
    overwrite: false,
    level: 1,
    chunkSize: 256 << 10,
  });
  const output = path.join(sub, 'out.log');
  const decodeParams = { kind: 'decompress' as const, input: archive, output, overwrite: false, threads: 1 };
  const journalsOf = (folder: string): string[] =>
    fs
      .readdirSync(folder)
      .filter((f) => f.endsWith('.journal'))
      .map((f) => path.join(folder, f));
  let h = await helper();
  void h.connection.sendRequest(decodeRequest, decodeParams).catch(() => undefined);
  while (!(journalsOf(sub)[0] && framesIn(journalsOf(sub)[0]) >= 20)) await new Promise((r) => setTimeout(r, 1));
  await killed(h);
  h = await helper();
  let { jobs } = await h.connection.sendRequest(interruptedJobsRequest, { journals: journalsOf(sub), keepDays: 7 });
  assert.equal(jobs.length, 1);
  assert.deepEqual(
    [jobs[0].job, jobs[0].target, jobs[0].source, jobs[0].totalChunks],
    ['decompress', output, archive, 128],
  );
  assert.match(jobs[0].description, /^was interrupted at \d+% \(\d+ of 128 frames\), just now$/);
  await assert.rejects(
    h.connection.sendRequest(decodeRequest, decodeParams),
    (err: ResponseError<JobErrorData>) => err.data?.code === 'EINTERRUPTED',
  );
  const decoded = await h.connection.sendRequest(decodeRequest, { ...decodeParams, resume: 'resume' });
  assert.ok((decoded.resumedFrames ?? 0) >= 20, `${decoded.resumedFrames} frames kept`);
  assert.ok(fs.readFileSync(output).equals(fs.readFileSync(content)));
  assert.deepEqual(journalsOf(sub), []);

  // A folder's archive, extracted by a helper that is killed once some files are in.
  const tree = path.join(sub, 'tree');
  for (let i = 0; i < 400; i++) {
    fs.mkdirSync(path.join(tree, `d${i % 20}`), { recursive: true });
    fs.writeFileSync(path.join(tree, `d${i % 20}`, `f${i}.txt`), sampleData(30_000, i));
  }
  const tarZst = path.join(sub, 'tree.tar.zst');
  await h.connection.sendRequest(compressRequest, {
    input: tree,
    tree: { roots: [{ path: tree, name: 'tree' }], name: 'tree', respectGitignore: true, exclude: [] },
    output: tarZst,
    overwrite: false,
    level: 1,
    chunkSize: 64 << 10,
  });
  const into = path.join(sub, 'into');
  const extractParams = { archive: tarZst, target: into, overwrite: 'skip' as const, threads: 1 };
  h = await helper();
  void h.connection.sendRequest(extractRequest, extractParams).catch(() => undefined);
  const some = (): boolean => fs.existsSync(path.join(into, 'tree', 'd0', 'f100.txt'));
  while (!some()) await new Promise((r) => setTimeout(r, 1));
  await killed(h);
  h = await helper();
  ({ jobs } = await h.connection.sendRequest(interruptedJobsRequest, { journals: journalsOf(into), keepDays: 7 }));
  assert.deepEqual([jobs[0].job, jobs[0].target, jobs[0].source], ['extract', into, tarZst]);
  await assert.rejects(
    h.connection.sendRequest(extractRequest, extractParams),
    (err: ResponseError<JobErrorData>) => err.data?.code === 'EINTERRUPTED',
  );
  const extracted = await h.connection.sendRequest(extractRequest, { ...extractParams, resume: 'resume' });
  assert.equal(extracted.files, 400);
  assert.ok((extracted.resumedFiles ?? 0) > 0, `${extracted.resumedFiles} files kept`);
  assert.equal(extracted.kept, 0, 'its own files are not "existing ones" to skip');
  for (let i = 0; i < 400; i += 37)
    assert.ok(
      fs.readFileSync(path.join(into, 'tree', `d${i % 20}`, `f${i}.txt`)).equals(sampleData(30_000, i)),
      `f${i}.txt`,
    );
  assert.deepEqual(journalsOf(into), []);
});
