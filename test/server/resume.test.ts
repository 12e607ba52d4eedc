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
  discardJobRequest,
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
