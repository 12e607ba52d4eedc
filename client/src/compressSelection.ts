/**
 * What "Compress with Chunks" makes of what is selected: a file becomes `file.zst` (`file.gz`), a
 * folder `folder.tar.zst` (`folder.tar.gz`) beside it; several items become one archive (named after their parent folder,
 * the name editable) or one archive per item, as the person picks.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { treeTarget, type CompressTarget } from './compressJobs';
import { suffixOf } from './settings';
import type { ArchiveFormat } from '../../server/src/engine/compression/compressOptions';

async function isFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch {
    return false; // compressing it then says why
  }
}

/** One archive per item: folders as tars, files on their own. */
async function eachItem(uris: readonly vscode.Uri[], format: ArchiveFormat): Promise<CompressTarget[]> {
  return Promise.all(
    uris.map(
      async (uri): Promise<CompressTarget> =>
        (await isFolder(uri)) ? treeTarget(uri, format) : { kind: 'file', input: uri },
    ),
  );
}

/** The targets for `uris` in `format`, or undefined when the person backed out of a question. */
export async function targetsFor(
  uris: readonly vscode.Uri[],
  format: ArchiveFormat,
): Promise<CompressTarget[] | undefined> {
  if (uris.length <= 1) return eachItem(uris, format);
  const suffix = suffixOf(format);
  const parent = path.dirname(uris[0].fsPath);
  const suggested = path.basename(parent) || 'archive';
  const one = { label: 'One archive', description: `${suggested}.tar${suffix}, each item under its own name` };
  const each = {
    label: 'One archive per item',
    description: `a .tar${suffix} for each folder, a ${suffix} for each file`,
  };
  const pick = await vscode.window.showQuickPick([one, each], {
    title: `Compress ${uris.length} items with Chunks`,
    placeHolder: 'One archive for the selection, or one per item?',
  });
  if (!pick) return undefined;
  if (pick === each) return eachItem(uris, format);
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
    value: `${suggested}.tar${suffix}`,
    valueSelection: [0, suggested.length],
    validateInput: (v) =>
      v.trim() === '' || v.includes('/') || v.includes('\\') ? 'A file name, without folders' : undefined,
  });
  if (name === undefined) return undefined;
  const ending = format === 'gzip' ? /\.(tar\.gz|tgz)$/i : /\.(tar\.zst|tzst)$/i;
  const file = ending.test(name.trim()) ? name.trim() : `${name.trim()}.tar${suffix}`;
  return [
    {
      kind: 'tree',
      roots: [...uris],
      name: file.replace(ending, ''),
      output: vscode.Uri.file(path.join(parent, file)),
    },
  ];
}
