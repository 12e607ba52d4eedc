/**
 * Interrupted decompressions and extractions inside the extension host: Decompress meets an
 * interrupted run of itself with Resume / Start Over and Resume finishes it; an interrupted
 * extraction is listed as an interrupted job (by what it was doing) and its Resume finishes it.
 * The interruptions are real: the CLI, on the same engine, is killed with SIGKILL mid-job.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChunkpressApi } from '../../../client/src/extension';
import { repoRoot, sampleData } from '../../helpers';
import { activate, waitFor } from './hostHelpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');

/** Runs the CLI in `cwd` and kills it with SIGKILL once `ready()`; fails if it ended first. */
async function killWhen(cwd: string, args: string[], ready: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let ended = false;
  void exited.then(() => (ended = true));
  while (!ended && !ready()) await new Promise((r) => setTimeout(r, 1));
  child.kill('SIGKILL');
  assert.equal(await exited, null, 'killed before it ended');
}

const lines = (file: string): number => fs.readFileSync(file, 'utf8').split('\n').length - 2;
const journalIn = (folder: string): string | undefined => {
  const name = fs.readdirSync(folder).find((f) => f.endsWith('.journal'));
  return name && path.join(folder, name);
};

suite('Resuming decompressions and extractions', () => {
  let api: ChunkpressApi;
  let dir: string;
  const window = vscode.window as unknown as Record<string, unknown>;
  const warning = window.showWarningMessage;
  const questions: string[] = [];

  suiteSetup(async () => {
    api = await activate();
    // In the workspace: that is where interrupted jobs are looked for.
    dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'resume');
    fs.mkdirSync(dir);
    window.showWarningMessage = async (message: string, options: unknown, ...items: string[]) => {
      if (typeof options !== 'object' || !(options as { modal?: boolean }).modal)
        return (warning as (...a: unknown[]) => Promise<unknown>).call(vscode.window, message, options, ...items);
      questions.push(message);
      assert.deepEqual(items, ['Resume', 'Start Over']);
      return 'Resume';
    };
  });

  suiteTeardown(() => {
    window.showWarningMessage = warning;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Decompress asks Resume / Start Over, and Resume finishes the file from what was written', async () => {
    const content = sampleData(40 << 20, 31);
    fs.writeFileSync(path.join(dir, 'big.log'), content);
    execFileSync(process.execPath, [cli, 'compress', '-q', '-l', '1', '-c', '256K', 'big.log'], { cwd: dir });
    fs.rmSync(path.join(dir, 'big.log'));
    // The journal records a frame once its bytes are durable: where an fsync stalls it can trail
    // the writes by the rest of the job, which then ends before the kill lands. Such a run
    // interrupted nothing (its output is in place, its journal stale): it runs again.
    for (let attempt = 1; ; attempt++) {
      await killWhen(dir, ['decompress', '-q', '-T', '1', 'big.log.zst'], () => {
        const journal = journalIn(dir);
        return journal !== undefined && lines(journal) >= 40;
      });
      if (!fs.existsSync(path.join(dir, 'big.log'))) break;
      assert.ok(attempt < 5, `the decompression ended before the kill ${attempt} times`);
      fs.rmSync(path.join(dir, 'big.log'));
      const stale = journalIn(dir);
      if (stale) fs.rmSync(stale);
    }
    const [outcome] = (await vscode.commands.executeCommand(
      'chunkpress.decompress',
      vscode.Uri.file(path.join(dir, 'big.log.zst')),
    )) as Array<{ kind: string; result?: { resumedFrames?: number } }>;
    assert.equal(outcome.kind, 'done');
    assert.equal(questions.length, 1);
    assert.match(questions[0], /^big\.log was interrupted at \d+% \(\d+ of 160 frames\), just now\.$/);
    assert.ok((outcome.result?.resumedFrames ?? 0) >= 40, `${outcome.result?.resumedFrames} frames kept`);
    assert.ok(fs.readFileSync(path.join(dir, 'big.log')).equals(content));
    assert.equal(journalIn(dir), undefined);
  });

  test('an interrupted extraction is listed by what it was doing, and its Resume finishes it', async () => {
    const kit = path.join(dir, 'kit');
    for (let i = 0; i < 600; i++) {
      fs.mkdirSync(path.join(kit, `d${i % 12}`), { recursive: true });
      fs.writeFileSync(path.join(kit, `d${i % 12}`, `f${i}.txt`), sampleData(20_000, i));
    }
    execFileSync(process.execPath, [cli, 'compress', '-q', '-l', '1', '-c', '64K', 'kit', '-o', 'kit.tar.zst'], {
      cwd: dir,
    });
    const into = path.join(dir, 'into');
    fs.mkdirSync(into);
    await killWhen(dir, ['extract', '-q', '-T', '1', 'kit.tar.zst', '-C', 'into'], () =>
      fs.existsSync(path.join(into, 'kit', 'd0', 'f120.txt')),
    );
    const job = await waitFor(
      async () => (await api.interruptedJobs()).find((j) => j.job === 'extract'),
      'the interrupted extraction in the panel',
    );
    assert.equal(job.target, into);
    assert.equal(job.source, path.join(dir, 'kit.tar.zst'));
    const rows = await api.archiveRows([]);
    assert.ok(
      rows.some((r) => r.label === 'kit.tar.zst → into/' && /^interrupted /.test(r.description ?? '')),
      JSON.stringify(rows.map((r) => [r.label, r.description])),
    );
    const outcome = (await vscode.commands.executeCommand('chunkpress.resumeJob', { kind: 'interrupted', job })) as {
      kind: string;
      result?: { files: number; resumedFiles?: number };
    };
    assert.equal(outcome.kind, 'done');
    assert.equal(outcome.result?.files, 600);
    assert.ok((outcome.result?.resumedFiles ?? 0) > 0);
    for (let i = 0; i < 600; i += 53)
      assert.ok(fs.readFileSync(path.join(into, 'kit', `d${i % 12}`, `f${i}.txt`)).equals(sampleData(20_000, i)));
    assert.equal(journalIn(into), undefined);
    await waitFor(
      async () => ((await api.interruptedJobs()).length === 0 ? true : undefined),
      'no interrupted job left',
    );
  });
});
