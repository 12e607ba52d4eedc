/**
 * What "Compress with Chunks" makes of what is selected: a file becomes `file.zst`, a folder
 * `folder.tar.zst` beside it; several items become one archive (named after their parent folder,
 * the name editable) or one archive per item, as the person picks.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { treeTarget, type CompressTarget } from './compressJobs';

async function isFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch {
    return false; // compressing it then says why
  }
}

/** One archive per item: folders as tars, files as .zst. */
async function eachItem(uris: readonly vscode.Uri[]): Promise<CompressTarget[]> {
  return Promise.all(
    uris.map(
      async (uri): Promise<CompressTarget> => ((await isFolder(uri)) ? treeTarget(uri) : { kind: 'file', input: uri }),
    ),
  );
}

/** The targets for `uris`, or undefined when the person backed out of a question. */
export async function targetsFor(uris: readonly vscode.Uri[]): Promise<CompressTarget[] | undefined> {
  if (uris.length <= 1) return eachItem(uris);
  const parent = path.dirname(uris[0].fsPath);
  const suggested = path.basename(parent) || 'archive';
  const one = { label: 'One archive', description: `${suggested}.tar.zst, each item under its own name` };
  const each = { label: 'One archive per item', description: 'a .tar.zst for each folder, a .zst for each file' };
  const pick = await vscode.window.showQuickPick([one, each], {
    title: `Compress ${uris.length} items with Chunks`,
    placeHolder: 'One archive for the selection, or one per item?',
  });
  if (!pick) return undefined;
  if (pick === each) return eachItem(uris);
  const names = uris.map((u) => path.basename(u.fsPath));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    void vscode.window.showErrorMessage(
      `Chunkpress: two selected items are named "${twice}"; one archive cannot hold both under that name.`,
    );
    return undefined;
  }
  const name = await vscode.window.showInputBox({
    title: 'Name of the archive',
    prompt: `Made in ${parent}`,
    value: `${suggested}.tar.zst`,
    valueSelection: [0, suggested.length],
    validateInput: (v) =>
      v.trim() === '' || v.includes('/') || v.includes('\\') ? 'A file name, without folders' : undefined,
  });
  if (name === undefined) return undefined;
  const file = /\.(tar\.zst|tzst)$/i.test(name.trim()) ? name.trim() : `${name.trim()}.tar.zst`;
  return [
    {
      kind: 'tree',
      roots: [...uris],
      name: file.replace(/\.(tar\.zst|tzst)$/i, ''),
      output: vscode.Uri.file(path.join(parent, file)),
    },
  ];
}
