/** Decompress, Verify Archive, Open Chunk and Extract Range inside the extension host. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DecodeOutcome } from '../../../client/src/decodeJobs';
import type { ChunkpressApi } from '../../../client/src/extension';
import { readArchive, sampleData } from '../../helpers';
import { activate } from './hostHelpers';

let api: ChunkpressApi;
let dir: string;
let archive: string;
const data = sampleData(3 << 20, 33);

/** Replaces `vscode.window[name]` while `run` runs (the extension shares this API object). */
async function stubbing<K extends 'showWarningMessage' | 'showInputBox' | 'showInformationMessage', T>(
  name: K,
  fake: (...args: unknown[]) => unknown,
  run: () => Promise<T>,
): Promise<T> {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window[name];
  window[name] = fake;
  try {
    return await run();
  } finally {
    window[name] = original;
  }
}

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('chunkpress').update(key, value, vscode.ConfigurationTarget.Global);
}

suite('Decompress, verify and read at random', () => {
  suiteSetup(async () => {
    api = await activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkpress-decode-'));
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, data);
    const [outcome] = await api.compressFiles([vscode.Uri.file(file)], { chunkSize: 1 << 20, overwrite: 'always' });
    assert.equal(outcome.kind, 'done');
    fs.rmSync(file);
    archive = `${file}.zst`;
  });

  suiteTeardown(async () => {
    await setting('overwrite', undefined);
    await setting('openChunkLimit', undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Decompress writes the original beside the archive, and never replaces a file without consent', async () => {
    const [outcome] = (await vscode.commands.executeCommand('chunkpress.decompress', vscode.Uri.file(archive))) as [
      DecodeOutcome,
    ];
    assert.equal(outcome.kind, 'done');
    const output = path.join(dir, 'app.log');
    assert.ok(fs.readFileSync(output).equals(data));
    if (outcome.kind === 'done') {
      assert.equal(outcome.result.mode, 'parallel');
      assert.equal(outcome.result.framesDecoded, 3);
    }

    await setting('overwrite', 'never');
    fs.writeFileSync(output, 'keep me');
    const [again] = (await vscode.commands.executeCommand('chunkpress.decompress', vscode.Uri.file(archive))) as [
      DecodeOutcome,
    ];
    assert.equal(again.kind, 'skipped');
    assert.equal(fs.readFileSync(output, 'utf8'), 'keep me');
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.partial')),
      [],
    );
    await setting('overwrite', undefined);
  });

  test('Verify Archive marks every chunk verified in the panel', async () => {
    const [outcome] = (await vscode.commands.executeCommand('chunkpress.verifyArchive', vscode.Uri.file(archive))) as [
      DecodeOutcome,
    ];
    assert.equal(outcome.kind, 'done');
    const [first] = await api.archiveRows(['app.log.zst']);
    assert.equal(first.label, 'Verification');
    assert.match(first.description, /^passed · 3 chunks · manifest digests match · index matches · \d+:\d\d$/);
    const chunks = await api.archiveRows(['app.log.zst', 'Chunks']);
    assert.deepEqual(
      chunks.map((r) => r.description.split(' · ').at(-1)),
      ['verified', 'verified', 'verified'],
    );
    const root = (await api.archiveRows([])).find((r) => r.label === 'app.log.zst');
    assert.match(root!.description, /· Chunkpress · verified$/);
  });

  test('after a chunk is corrupted, Verify names it and marks exactly that chunk failed', async () => {
    const bad = path.join(dir, 'bad.log.zst');
    const bytes = fs.readFileSync(archive);
    const chunk1 = readArchive(archive).table.entries[0].compressedSize;
    bytes[chunk1 + 300] ^= 0xff;
    fs.writeFileSync(bad, bytes);
    const [outcome] = (await vscode.commands.executeCommand('chunkpress.verifyArchive', vscode.Uri.file(bad))) as [
      DecodeOutcome,
    ];
    assert.equal(outcome.kind, 'done');
    if (outcome.kind === 'done')
      assert.deepEqual(
        outcome.result.failures.map((f) => f.index),
        [1],
      );
    const [first] = await api.archiveRows(['bad.log.zst']);
    assert.equal(first.label, 'Verification');
    assert.equal(first.description, 'failed · 1 of 3 chunks bad');
    assert.match(first.tooltip, /frame 1 \(bytes \d+\.\.\d+, content 1048576\.\.2097151\)/);
    const chunks = await api.archiveRows(['bad.log.zst', 'Chunks']);
    assert.deepEqual(
      chunks.map((r) => r.description.split(' · ').at(-1)),
      ['verified', 'FAILED', 'verified'],
    );
    assert.match(chunks[1].tooltip, /Failed: frame 1 .* does not decode/);
    const root = (await api.archiveRows([])).find((r) => r.label === 'bad.log.zst');
    assert.match(root!.description, /· 1 bad chunk$/);
  });

  test('an index that lies: Verify fails, the Seek table row names the entry, and the chunks stay verified', async () => {
    const lying = path.join(dir, 'lying.log.zst');
    const bytes = fs.readFileSync(archive);
    const { tableOffset } = readArchive(archive).table;
    const field = tableOffset + 8 + 4; // entry 0's Decompressed_Size
    bytes.writeUInt32LE(0xffffffff, field);
    fs.writeFileSync(lying, bytes);
    const [outcome] = (await vscode.commands.executeCommand('chunkpress.verifyArchive', vscode.Uri.file(lying))) as [
      DecodeOutcome,
    ];
    assert.equal(outcome.kind, 'done');
    const rows = await api.archiveRows(['lying.log.zst']);
    const verification = rows.find((r) => r.label === 'Verification')!;
    assert.equal(verification.description, 'failed · the index disagrees in 2 places · every chunk intact');
    const seekTable = rows.find((r) => r.label === 'Seek table')!;
    assert.equal(seekTable.description, 'FAILED · disagrees with the frames in 2 places');
    const under = await api.archiveRows(['lying.log.zst', 'Seek table']);
    assert.ok(
      under.some(
        (r) =>
          r.label ===
          `seek table entry 0, Decompressed_Size (byte ${field}): says 4294967295, but frame 0 at byte 0 declares 1048576`,
      ),
      under.map((r) => r.label).join('\n'),
    );
    const chunks = await api.archiveRows(['lying.log.zst', 'Chunks']);
    assert.deepEqual(
      chunks.map((r) => r.description.split(' · ').at(-1)),
      ['verified', 'verified', 'verified'],
    );
    const root = (await api.archiveRows([])).find((r) => r.label === 'lying.log.zst');
    assert.match(root!.description, /· index disagrees with the frames$/);
  });

  test('Open Chunk shows one chunk read-only; over the limit it offers a file instead', async () => {
    const uri = (await api.archiveCommand('chunkpress.openChunk', ['app.log.zst', 'Chunks', 'Chunk 2'])) as vscode.Uri;
    assert.equal(uri.scheme, 'chunkpress-chunk');
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.getText(), data.subarray(2 << 20).toString('latin1'));
    assert.equal(path.posix.basename(uri.path), 'chunk 2 of app.log');
    await assert.rejects(async () => vscode.workspace.fs.writeFile(uri, Buffer.from('x')), /read-only|NoPermissions/i);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    await setting('openChunkLimit', '512K');
    const said: string[] = [];
    const opened = await stubbing(
      'showWarningMessage',
      async (message: unknown) => {
        said.push(String(message));
        return 'Extract to a File';
      },
      () => api.archiveCommand('chunkpress.openChunk', ['app.log.zst', 'Chunks', 'Chunk 1']),
    );
    assert.equal(opened, undefined);
    assert.deepEqual(said, [
      'Chunk 1 of app.log.zst holds 1 MiB, more than the 512 KiB that Open Chunk shows in an editor (chunkpress.openChunkLimit).',
    ]);
    const extracted = path.join(dir, 'app.bytes-1048576-2097151.log');
    assert.ok(fs.readFileSync(extracted).equals(data.subarray(1 << 20, 2 << 20)));
  });

  test('Extract Range... asks for an offset and a length with suffixes, and writes just those bytes', async () => {
    const answers = ['1.5M', '100K'];
    const problems: Array<string | undefined> = [];
    await stubbing(
      'showInputBox',
      async (options: unknown) => {
        const { validateInput } = options as vscode.InputBoxOptions;
        problems.push((await validateInput?.('4M')) as string | undefined);
        return answers.shift();
      },
      async () => vscode.commands.executeCommand('chunkpress.extractRange', vscode.Uri.file(archive)),
    );
    assert.deepEqual(problems, [
      'The content is 3 MiB (3145728 B); the offset must be below that',
      'Only 1.5 MiB (1572864 B) follow offset 1572864',
    ]);
    const output = path.join(dir, `app.bytes-1572864-${1572864 + 102400 - 1}.log`);
    assert.ok(fs.readFileSync(output).equals(data.subarray(1572864, 1572864 + 102400)));
  });
});
