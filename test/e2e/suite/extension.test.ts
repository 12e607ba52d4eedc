/** Runs inside VS Code's extension host, against the real extension and its helper process. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChunkpressApi } from '../../../client/src/extension';
import { readArchive, sampleData } from '../../helpers';
import { activate, waitFor } from './hostHelpers';

let api: ChunkpressApi;
let dir: string;

suite('Chunkpress in the extension host', () => {
  suiteSetup(async () => {
    api = await activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkpress-host-'));
  });

  suiteTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the commands are contributed and the helper answers', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'chunkpress.compress',
      'chunkpress.compressWithOptions',
      'chunkpress.showJobs',
      'chunkpress.showLog',
    ]) {
      assert.ok(commands.includes(id), id);
    }
    const info = await api.serverInfo();
    assert.match(info.zstdVersion, /^1\.5\./);
    assert.notEqual(info.pid, process.pid, 'compression runs in a separate process');
  });

  test('several files at once, each archive beside its file and readable', async () => {
    const files = ['a.log', 'b.log'].map((name, i) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, sampleData((3 << 20) + i, i + 1));
      return vscode.Uri.file(file);
    });
    const outcomes = await api.compressFiles(files, { chunkSize: 1 << 20, overwrite: 'never' });
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['done', 'done'],
    );
    for (const [i, uri] of files.entries()) {
      const archive = readArchive(`${uri.fsPath}.zst`);
      assert.equal(archive.table.entries.length, i === 0 ? 3 : 4);
      assert.equal(archive.table.decompressedTotal, (3 << 20) + i);
      assert.equal(archive.manifest.source.name, path.basename(uri.fsPath));
    }
  });

  test('the status bar shows the job while it runs', async () => {
    const file = path.join(dir, 'slow.log');
    fs.writeFileSync(file, sampleData(8 << 20, 9));
    const job = api.compressFiles([vscode.Uri.file(file)], { level: 19, chunkSize: 1 << 20 });
    const text = await waitFor(() => {
      const t = api.statusBarText();
      return /slow\.log \d+% · [1-7]\/8 chunks · [\d.]+ MB\/s/.test(t) ? t : undefined;
    }, 'status bar progress');
    assert.match(text, /^\$\(file-zip\) slow\.log/);
    const [outcome] = await job;
    assert.equal(outcome.kind, 'done');
  });

  test('overwrite "never" leaves an existing archive alone', async () => {
    const file = path.join(dir, 'kept.txt');
    fs.writeFileSync(file, 'new content');
    fs.writeFileSync(`${file}.zst`, 'old archive');
    const [outcome] = await api.compressFiles([vscode.Uri.file(file)], { overwrite: 'never' });
    assert.equal(outcome.kind, 'skipped');
    assert.equal(fs.readFileSync(`${file}.zst`, 'utf8'), 'old archive');
    const [forced] = await api.compressFiles([vscode.Uri.file(file)], { overwrite: 'always' });
    assert.equal(forced.kind, 'done');
    assert.equal(readArchive(`${file}.zst`).manifest.content.size, 11);
  });

  test('cancelling a job removes its partial archive', async () => {
    const file = path.join(dir, 'cancel.log');
    fs.writeFileSync(file, sampleData(32 << 20, 4));
    const job = api.compressFiles([vscode.Uri.file(file)], { level: 19, chunkSize: 1 << 20 });
    await waitFor(() => (/cancel\.log \d+% · [1-9]/.test(api.statusBarText()) ? true : undefined), 'the job to start');
    api.cancelAll();
    const [outcome] = await job;
    assert.equal(outcome.kind, 'cancelled');
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('cancel.log.zst')),
      [],
    );
  });

  test('a folder gets a clear error, not a crash', async () => {
    const [outcome] = await api.compressFiles([vscode.Uri.file(dir)]);
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.message, `"${dir}" is a folder, not a file`);
  });

  test('if the helper dies, its job fails with a message and the helper comes back', async () => {
    const file = path.join(dir, 'doomed.log');
    fs.writeFileSync(file, sampleData(32 << 20, 5));
    const { pid } = await api.serverInfo();
    const job = api.compressFiles([vscode.Uri.file(file)], { level: 19, chunkSize: 1 << 20 });
    await waitFor(() => (/doomed\.log \d+% · [1-9]/.test(api.statusBarText()) ? true : undefined), 'the job to start');
    process.kill(pid, 'SIGKILL');
    const [outcome] = await job;
    assert.equal(outcome.kind, 'failed');
    assert.match(
      outcome.kind === 'failed' ? outcome.message : '',
      /The Chunkpress helper stopped while compressing doomed\.log/,
    );
    const info = await waitFor(async () => {
      try {
        const next = await api.serverInfo();
        return next.pid !== pid ? next : undefined;
      } catch {
        return undefined;
      }
    }, 'the helper to restart');
    assert.notEqual(info.pid, pid);
    const small = path.join(dir, 'after-restart.txt');
    fs.writeFileSync(small, 'still works');
    const [again] = await api.compressFiles([vscode.Uri.file(small)]);
    assert.equal(again.kind, 'done');
  });
});
