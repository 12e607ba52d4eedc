/** Extraction inside the extension host: Extract Here, Extract to..., Extract on members, and the overwrite question. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChunkpressApi } from '../../../client/src/extension';
import { sampleData } from '../../helpers';
import { activate } from './hostHelpers';

let api: ChunkpressApi;
let dir: string;

/** Every path under `root` with its type and size (a symlink with its target). */
function tree(root: string): string[] {
  return execFileSync('find', ['.', '-mindepth', '1', '-printf', '%P %y %s %m %l\\n'], { cwd: root })
    .toString()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/ d \d+ /, ' d - ')) // a folder's size is the file system's
    .sort();
}

suite('Extraction', () => {
  suiteSetup(async () => {
    api = await activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkpress-extract-'));
  });

  suiteTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('Extract Here, Extract to... with the overwrite question, and Extract on a member folder', async () => {
    const kit = path.join(dir, 'kit');
    fs.mkdirSync(path.join(kit, 'src', 'deep'), { recursive: true });
    fs.mkdirSync(path.join(kit, 'empty'));
    fs.writeFileSync(path.join(kit, 'src', 'deep', 'main.ts'), 'export const answer = 42;\n');
    fs.writeFileSync(path.join(kit, 'data.bin'), sampleData(300_000, 5));
    fs.writeFileSync(path.join(kit, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.symlinkSync('data.bin', path.join(kit, 'alias'));
    const made = await api.compressFolder(vscode.Uri.file(kit), { chunkSize: 64 << 10, overwrite: 'always' });
    assert.equal(made.kind, 'done');
    const away = path.join(dir, 'away');
    fs.mkdirSync(away);
    const archive = path.join(away, 'kit.tar.zst');
    fs.renameSync(`${kit}.tar.zst`, archive);
    const expected = path.join(dir, 'by-tar');
    fs.mkdirSync(expected);
    execFileSync('tar', ['--zstd', '-xf', archive, '-C', expected]);

    // One top-level folder: Extract Here puts it beside the archive, as tar does.
    const [here] = (await vscode.commands.executeCommand('chunkpress.extractHere', vscode.Uri.file(archive))) as Array<{
      kind: string;
    }>;
    assert.equal(here.kind, 'done');
    assert.deepEqual(tree(path.join(away, 'kit')), tree(path.join(expected, 'kit')));

    // Several at the top (a tar.gz from elsewhere): into a folder named after the archive.
    const loose = path.join(dir, 'loose.tgz');
    execFileSync('tar', ['-czf', loose, '-C', kit, 'src', 'run.sh']);
    const [spread] = (await vscode.commands.executeCommand('chunkpress.extractHere', vscode.Uri.file(loose))) as Array<{
      kind: string;
    }>;
    assert.equal(spread.kind, 'done');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'loose')).sort(), ['run.sh', 'src']);

    const window = vscode.window as unknown as Record<string, unknown>;
    const [openDialog, warning] = [window.showOpenDialog, window.showWarningMessage];
    const questions: string[] = [];
    const answers = ['Replace', 'Skip All'];
    try {
      // Extract to... a folder that holds two of its files: the first asked is replaced, Skip All keeps the rest.
      const into = path.join(dir, 'into');
      fs.mkdirSync(path.join(into, 'kit', 'src', 'deep'), { recursive: true });
      fs.writeFileSync(path.join(into, 'kit', 'data.bin'), 'mine\n');
      fs.writeFileSync(path.join(into, 'kit', 'run.sh'), 'mine too\n');
      window.showOpenDialog = async () => [vscode.Uri.file(into)];
      window.showWarningMessage = async (message: string, options: unknown, ...items: string[]) => {
        if (typeof options !== 'object' || !(options as { modal?: boolean }).modal)
          return (warning as (...a: unknown[]) => Promise<unknown>).call(vscode.window, message, options, ...items);
        questions.push(message);
        assert.deepEqual(items, ['Replace', 'Skip', 'Replace All', 'Skip All']);
        return answers[questions.length - 1];
      };
      const [to] = (await vscode.commands.executeCommand('chunkpress.extractTo', vscode.Uri.file(archive))) as Array<{
        kind: string;
        result: { kept: number; files: number };
      }>;
      assert.equal(to.kind, 'done');
      assert.deepEqual(questions, [
        'A file named data.bin already exists. Replace it with the one from kit.tar.zst?',
        'A file named run.sh already exists. Replace it with the one from kit.tar.zst?',
      ]);
      assert.equal(to.result.kept, 1);
      assert.ok(
        fs.readFileSync(path.join(into, 'kit', 'data.bin')).equals(fs.readFileSync(path.join(kit, 'data.bin'))),
      );
      assert.equal(fs.readFileSync(path.join(into, 'kit', 'run.sh'), 'utf8'), 'mine too\n');

      // Extract... on a folder of the Members tree: it lands in the chosen folder under its own name.
      const picked = path.join(dir, 'picked');
      window.showOpenDialog = async () => [vscode.Uri.file(picked)];
      await vscode.commands.executeCommand('chunkpress.inspectArchive', vscode.Uri.file(archive));
      const outcome = (await api.archiveCommand('chunkpress.extractMembers', [
        'kit.tar.zst',
        'Members',
        'kit',
        'src',
      ])) as {
        kind: string;
      };
      assert.equal(outcome.kind, 'done');
      assert.deepEqual(
        tree(picked),
        tree(path.join(expected, 'kit')).filter((r) => r.startsWith('src')),
      );
    } finally {
      window.showOpenDialog = openDialog;
      window.showWarningMessage = warning;
    }
  });

  test('an archive as a file system: folders from the index, files decoded on read, read-only', async () => {
    const archive = path.join(dir, 'away', 'kit.tar.zst');
    const root = vscode.Uri.from({ scheme: 'chunkpress-archive', path: vscode.Uri.file(archive).path });
    const at = (member: string): vscode.Uri => vscode.Uri.joinPath(root, member);
    const { FileType } = vscode;
    assert.deepEqual(await vscode.workspace.fs.readDirectory(root), [['kit', FileType.Directory]]);
    assert.deepEqual(await vscode.workspace.fs.readDirectory(at('kit')), [
      ['empty', FileType.Directory],
      ['src', FileType.Directory],
      ['alias', FileType.File | FileType.SymbolicLink],
      ['data.bin', FileType.File],
      ['run.sh', FileType.File],
    ]);
    const stat = await vscode.workspace.fs.stat(at('kit/src/deep/main.ts'));
    assert.equal(stat.type, FileType.File);
    assert.equal(stat.size, 26);
    assert.equal(stat.permissions, vscode.FilePermission.Readonly);
    assert.equal(stat.mtime, fs.statSync(path.join(dir, 'kit', 'src', 'deep', 'main.ts')).mtimeMs);
    const data = fs.readFileSync(path.join(dir, 'kit', 'data.bin'));
    assert.ok(Buffer.from(await vscode.workspace.fs.readFile(at('kit/data.bin'))).equals(data));
    // A symlink is followed inside the archive.
    assert.ok(Buffer.from(await vscode.workspace.fs.readFile(at('kit/alias'))).equals(data));
    const document = await vscode.workspace.openTextDocument(at('kit/src/deep/main.ts'));
    assert.equal(document.getText(), 'export const answer = 42;\n');
    assert.equal(document.languageId, 'typescript');
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.stat(at('kit/missing.txt'))),
      (err: vscode.FileSystemError) => {
        assert.equal(err.code, 'FileNotFound');
        return true;
      },
    );
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.writeFile(at('kit/run.sh'), Buffer.from('x'))),
      (err: vscode.FileSystemError) => {
        assert.equal(err.code, 'NoPermissions');
        return true;
      },
    );
    // A tar.gz from elsewhere: read once for its index, then the same.
    const loose = vscode.Uri.from({
      scheme: 'chunkpress-archive',
      path: vscode.Uri.file(path.join(dir, 'loose.tgz')).path,
    });
    assert.deepEqual(
      (await vscode.workspace.fs.readDirectory(loose)).map(([name]) => name),
      ['src', 'run.sh'],
    );
    assert.equal(
      Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(loose, 'src/deep/main.ts'))).toString(),
      'export const answer = 42;\n',
    );

    // A .zst of one file opens as that file, read-only, under its own name.
    const single = path.join(dir, 'notes.md');
    fs.writeFileSync(single, '# notes\n');
    assert.equal((await api.compressFiles([vscode.Uri.file(single)], { overwrite: 'always' }))[0].kind, 'done');
    const opened = (await vscode.commands.executeCommand(
      'chunkpress.openAsFolder',
      vscode.Uri.file(`${single}.zst`),
    )) as vscode.Uri;
    assert.equal(path.posix.basename(opened.path), 'notes.md');
    assert.equal((await vscode.workspace.openTextDocument(opened)).getText(), '# notes\n');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
