/** The Archives panel inside the extension host: the rows VS Code renders, the report, live jobs, changes. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChunkpressApi } from '../../../client/src/extension';
import { sampleData } from '../../helpers';
import { activate, waitFor } from './hostHelpers';

let api: ChunkpressApi;
let dir: string;

const labels = (rows: Array<{ label: string }>): string[] => rows.map((r) => r.label);

suite('Archives panel', () => {
  suiteSetup(async () => {
    api = await activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkpress-archives-'));
  });

  suiteTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an archive down to a block header, with exact values', async () => {
    const file = path.join(dir, 'three.log');
    fs.writeFileSync(file, sampleData(3 << 20, 21));
    const [outcome] = await api.compressFiles([vscode.Uri.file(file)], { chunkSize: 1 << 20, overwrite: 'always' });
    assert.equal(outcome.kind, 'done');
    await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(`${file}.zst`));

    const top = await api.archiveRows(['three.log.zst']);
    assert.deepEqual(labels(top), ['Summary', 'Manifest', 'Chunks', 'Seek table', 'Skippable frames']);
    assert.deepEqual(
      top.map((r) => r.description),
      ['', '', '3', '', '2'],
    );
    const root = (await api.archiveRows([])).find((r) => r.label === 'three.log.zst');
    assert.match(root!.description, /^3 MiB → [\d.]+ KiB · [\d.]+× · 3 chunks · Chunkpress$/);

    const summary = await api.archiveRows(['three.log.zst', 'Summary']);
    assert.deepEqual(
      summary.slice(0, 2).map((r) => [r.label, r.description]),
      [
        ['Layout', 'Chunkpress archive (seek table + manifest)'],
        ['Original size', '3 MiB (3145728 B)'],
      ],
    );

    const chunks = await api.archiveRows(['three.log.zst', 'Chunks']);
    assert.deepEqual(labels(chunks), ['Chunk 0', 'Chunk 1', 'Chunk 2']);
    assert.match(chunks[1].description, /^1 MiB–2 MiB · [\d.]+ KiB · [\d.]+× · [0-9a-f]{8}$/);
    assert.match(chunks[1].tooltip, /^Chunk 1 at byte \d+ \(0x[0-9A-F]+\)\nStored: \d+ B/);

    const header = await api.archiveRows(['three.log.zst', 'Chunks', 'Chunk 0']);
    const fields = Object.fromEntries(header.map((r) => [r.label, r.description]));
    assert.equal(fields.Magic, '0xFD2FB528');
    assert.equal(fields['Content size'], '1 MiB (1048576 B)');
    assert.equal(fields['Single segment'], 'yes');
    assert.equal(fields['Dictionary ID'], 'none');
    assert.match(fields.Checksum, /^0x[0-9A-F]{8}$/);
    assert.equal(fields.Blocks, '8'); // 1 MiB in blocks of at most 128 KiB

    const blocks = await api.archiveRows(['three.log.zst', 'Chunks', 'Chunk 0', 'Blocks']);
    assert.deepEqual(
      labels(blocks),
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `Block ${i}`),
    );
    assert.match(blocks[0].description, /^compressed · [\d.]+ KiB$/);
    assert.match(blocks[7].description, /· last$/);
    assert.match(blocks[0].tooltip, /^Block header at byte (\d+) \(0x[0-9A-F]+\): Last_Block 0, Block_Type compressed/);

    const table = await api.archiveRows(['three.log.zst', 'Seek table']);
    assert.deepEqual(table.map((r) => [r.label, r.description]).slice(2, 6), [
      ['Skippable magic', '0x184D2A5E'],
      ['Entries', '3'],
      ['Descriptor', '0x80 (checksum flag set)'],
      ['Footer magic', '0x8F92EAB1'],
    ]);
    const skippable = await api.archiveRows(['three.log.zst', 'Skippable frames']);
    assert.deepEqual(labels(skippable), ['Chunkpress manifest 3', 'Seek table 4']);
    assert.match(skippable[0].description, /^0x184D2A5D · [\d.]+ (B|KiB) at byte \d+$/);
  });

  test('Open Report: a read-only listing in the report language, no file written', async () => {
    const archive = path.join(dir, 'three.log.zst');
    await vscode.commands.executeCommand('chunkpress.openReport', vscode.Uri.file(archive));
    const editor = await waitFor(
      () =>
        vscode.window.activeTextEditor?.document.uri.scheme === 'chunkpress-report'
          ? vscode.window.activeTextEditor
          : undefined,
      'the report editor',
    );
    assert.equal(editor.document.languageId, 'chunkpress-report');
    const lines = editor.document.getText().split('\n');
    assert.equal(lines[0], `${archive}: Chunkpress archive, seekable, checksums on every frame`);
    assert.match(editor.document.getText(), /\n {6}2 data +\d+ +\d+ +2097152 +1048576 +[\d.]+ [0-9a-f]{8}\n/);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.report')),
      [],
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a frame without content size says so, and Measure decodes it', async () => {
    const data = sampleData(700_000, 5);
    const file = path.join(dir, 'piped.zst');
    fs.writeFileSync(file, execFileSync('zstd', ['-c', '-q', '-'], { input: data }));
    await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(file));
    const frames = await api.archiveRows(['piped.zst', 'Frames']);
    assert.equal(frames[0].label, 'Frame 0');
    assert.match(frames[0].description, /^size unknown · [\d.]+ KiB · \? · [0-9a-f]{8}$/);
    assert.equal(frames[0].contextValue, 'frame.unknownSize');
    await api.archiveCommand('chunkpress.measureFrame', ['piped.zst', 'Frames', 'Frame 0']);
    const measured = await waitFor(async () => {
      const [row] = await api.archiveRows(['piped.zst', 'Frames']);
      return row.description.startsWith('0 B–') ? row : undefined;
    }, 'the measured size');
    assert.match(measured.description, /^0 B–684 KiB · /);
    assert.equal(measured.contextValue, 'frame');
  });

  test('damage shows as an error row with the frame and offset, after what could be read', async () => {
    const good = execFileSync('zstd', ['-c', '-q', '-'], { input: sampleData(200_000, 8) });
    const file = path.join(dir, 'cut.zst');
    fs.writeFileSync(file, Buffer.concat([good, good.subarray(0, good.length - 7)]));
    await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(file));
    const rows = await api.archiveRows(['cut.zst']);
    assert.match(rows[0].label, /is not a valid zstd file: .* \(at byte \d+, frame 1\)$/);
    assert.equal(rows[0].contextValue, 'error');
    assert.deepEqual(labels(await api.archiveRows(['cut.zst', 'Frames'])), ['Frame 0']);
    const root = (await api.archiveRows([])).find((r) => r.label === 'cut.zst');
    assert.match(root!.description, /· damaged$/);
  });

  test('gzip members with their header fields', async () => {
    const file = path.join(dir, 'named.txt');
    fs.writeFileSync(file, sampleData(50_000, 3));
    execFileSync('gzip', ['-k', '-f', file]);
    await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(`${file}.gz`));
    const member = await api.archiveRows(['named.txt.gz', 'Members', 'Member 0']);
    const fields = Object.fromEntries(member.map((r) => [r.label, r.description]));
    assert.equal(fields.FNAME, 'named.txt');
    assert.equal(fields.OS, 'Unix (3)');
    assert.equal(fields.ISIZE, '48.8 KiB (50000 B)');
    assert.match(fields.Flags, /^0x08 \(FNAME\)$/);
  });

  test('a running job shows its chunks as they complete, then the finished archive', async () => {
    const file = path.join(dir, 'live.log');
    fs.writeFileSync(file, sampleData(8 << 20, 12));
    const job = api.compressFiles([vscode.Uri.file(file)], { level: 19, chunkSize: 1 << 20, overwrite: 'always' });
    const live = await waitFor(async () => {
      const row = (await api.archiveRows([])).find((r) => r.label === 'live.log.zst');
      return row && /^compressing \d+% · [1-7]\/8 chunks$/.test(row.description) ? row : undefined;
    }, 'the live archive row');
    assert.equal(live.contextValue, 'archive.live');
    const [chunks] = await api.archiveRows(['live.log.zst']);
    assert.equal(chunks.label, 'Chunks');
    assert.ok(Number(chunks.description) >= 1 && Number(chunks.description) < 8, chunks.description);
    await job;
    const done = await waitFor(async () => {
      const row = (await api.archiveRows([])).find((r) => r.label === 'live.log.zst');
      return row && row.description.includes('8 chunks · Chunkpress') ? row : undefined;
    }, 'the finished archive row');
    assert.match(done.description, /^8 MiB → /);
  });

  test('when the file changes, the panel reads it again', async () => {
    const file = path.join(dir, 'three.log');
    const before = await api.archiveRows(['three.log.zst', 'Chunks']);
    assert.equal(before.length, 3);
    await api.compressFiles([vscode.Uri.file(file)], { chunkSize: 512 << 10, overwrite: 'always' });
    const after = await waitFor(async () => {
      const rows = await api.archiveRows(['three.log.zst', 'Chunks']);
      return rows.length === 6 ? rows : undefined;
    }, 'six chunks after recompressing with 512K chunks');
    assert.equal(after[5].label, 'Chunk 5');
  });

  test('a folder: Members down to a nested file, with its digest; Open Member shows its text', async () => {
    // proj/src/deep in the Members tree of `archive`, and its main.ts opened from there.
    const deepFolder = (archive: string): string[] => [archive, 'Members', 'proj', 'src', 'deep'];
    const openMainTs = async (archive: string): Promise<vscode.Uri> =>
      (await api.archiveCommand('chunkpress.openMember', [...deepFolder(archive), 'main.ts'])) as vscode.Uri;
    const proj = path.join(dir, 'proj');
    fs.mkdirSync(path.join(proj, 'src', 'deep'), { recursive: true });
    fs.mkdirSync(path.join(proj, 'empty'));
    const text = 'export const answer = 42;\n'.repeat(500);
    fs.writeFileSync(path.join(proj, 'src', 'deep', 'main.ts'), text);
    fs.writeFileSync(path.join(proj, 'README.md'), '# proj\n');
    fs.writeFileSync(path.join(proj, 'debug.log'), 'left out by .gitignore\n');
    fs.writeFileSync(path.join(proj, '.gitignore'), '*.log\n');
    fs.symlinkSync('README.md', path.join(proj, 'link'));
    const outcome = await api.compressFolder(vscode.Uri.file(proj), { chunkSize: 64 << 10, overwrite: 'always' });
    assert.equal(outcome.kind, 'done');
    const archive = `${proj}.tar.zst`;
    const listed = execFileSync('tar', ['--zstd', '-tf', archive]).toString().trim().split('\n');
    assert.deepEqual(listed, [
      'proj/',
      'proj/.gitignore',
      'proj/README.md',
      'proj/empty/',
      'proj/link',
      'proj/src/',
      'proj/src/deep/',
      'proj/src/deep/main.ts',
    ]);
    await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(archive));
    const top = await api.archiveRows(['proj.tar.zst']);
    assert.deepEqual(labels(top), ['Summary', 'Manifest', 'Members', 'Chunks', 'Seek table', 'Skippable frames']);
    assert.equal(top[2].description, '8');
    // Folders first, then files, each sorted; a folder's row counts its children.
    const level = await api.archiveRows(['proj.tar.zst', 'Members', 'proj']);
    assert.deepEqual(labels(level), ['empty', 'src', '.gitignore', 'link', 'README.md']);
    assert.match(level[1].description, /^1 item · \d{4}-\d\d-\d\d \d\d:\d\d · drwx/);
    assert.match(level[3].description, /^→ README\.md · lrwx/);
    const [main] = await api.archiveRows(deepFolder('proj.tar.zst'));
    assert.equal(main.label, 'main.ts');
    assert.match(main.description, /^12\.\d KiB · .* · -rw-r--r--$/);
    const sha = execFileSync('sha256sum', [path.join(proj, 'src', 'deep', 'main.ts')])
      .toString()
      .slice(0, 64);
    assert.match(main.tooltip, new RegExp(`SHA-256 ${sha}`));
    assert.match(main.tooltip, /Header at tar byte \d+, content at \d+; starts in frame 0/);
    const uri = await openMainTs('proj.tar.zst');
    assert.equal(path.posix.basename(uri.path), 'main.ts');
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.getText(), text);
    assert.equal(document.languageId, 'typescript');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // A tar.gz from elsewhere: its members are read once, on expand, then served the same way.
    const foreign = path.join(dir, 'foreign.tgz');
    execFileSync('tar', ['-czf', foreign, '-C', dir, 'proj']);
    await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(foreign));
    const members = (await api.archiveRows(['foreign.tgz'])).find((r) => r.label === 'Members')!;
    assert.equal(members.description, 'read on expand');
    const deep = await api.archiveRows(deepFolder('foreign.tgz'));
    assert.deepEqual(labels(deep), ['main.ts']);
    const again = await openMainTs('foreign.tgz');
    assert.equal((await vscode.workspace.openTextDocument(again)).getText(), text);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // An uncompressed tar: listed as one, its members read from the file as they are.
    const plain = path.join(dir, 'plain.tar');
    execFileSync('tar', ['-cf', plain, '-C', dir, 'proj']);
    await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(plain));
    // Its rows are asked for first: that inspects it (the root row says where it is until then).
    assert.deepEqual(labels(await api.archiveRows(['plain.tar'])), ['Summary', 'Members']);
    const root = (await api.archiveRows([])).find((r) => r.label === 'plain.tar')!;
    assert.match(root.description, /^[\d.]+ KiB · uncompressed · tar$/);
    const third = await openMainTs('plain.tar');
    assert.equal((await vscode.workspace.openTextDocument(third)).getText(), text);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a multi-selection: one archive named after the parent (the name as typed), or one per item', async () => {
    const parent = path.join(dir, 'picked');
    fs.mkdirSync(path.join(parent, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(parent, 'docs', 'guide.md'), '# guide\n');
    fs.writeFileSync(path.join(parent, 'notes.txt'), 'notes\n');
    const items = [vscode.Uri.file(path.join(parent, 'docs')), vscode.Uri.file(path.join(parent, 'notes.txt'))];
    const window = vscode.window as unknown as Record<string, unknown>;
    const [pick, input] = [window.showQuickPick, window.showInputBox];
    const asked: string[] = [];
    const choose = (label: string): void => {
      window.showQuickPick = async (options: Array<{ label: string }>) => options.find((o) => o.label === label);
    };
    try {
      choose('One archive');
      window.showInputBox = async (options: { value: string }) => {
        asked.push(options.value);
        return 'bundle';
      };
      const [one] = (await vscode.commands.executeCommand('chunkpress.compress', items[0], items)) as Array<{
        kind: string;
      }>;
      assert.equal(one.kind, 'done');
      assert.deepEqual(asked, ['picked.tar.zst'], 'the suggested name is the parent folder');
      const listed = execFileSync('tar', ['--zstd', '-tf', path.join(parent, 'bundle.tar.zst')]).toString();
      assert.deepEqual(listed.trim().split('\n'), ['docs/', 'docs/guide.md', 'notes.txt']);
      choose('One archive per item');
      const each = (await vscode.commands.executeCommand('chunkpress.compress', items[0], items)) as unknown[];
      assert.equal(each.length, 2);
      assert.ok(fs.existsSync(path.join(parent, 'docs.tar.zst')) && fs.existsSync(path.join(parent, 'notes.txt.zst')));
    } finally {
      window.showQuickPick = pick;
      window.showInputBox = input;
    }
  });
});
