import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatSize } from '../../../server/src/engine/sizes';
import { extractRange, type DecodeContext } from '../decodeJobs';
import { frameLabel } from './archiveRows';
import { copyText, type ArchiveNode } from './archiveNodes';
import type { ArchivesTree } from './archivesTree';
import { chunkUri, memberUri } from './chunkDocument';
import { errorText, type ArchiveStore } from './archiveStore';
import { openReport } from './reportDocument';

export const ARCHIVES_VIEW = 'chunkpress.archives';

export const ARCHIVE_FILTERS = { Archives: ['zst', 'tzst', 'gz', 'tgz', 'tar'], 'All files': ['*'] };

export interface ArchivesUi {
  store: ArchiveStore;
  tree: ArchivesTree;
  view: vscode.TreeView<ArchiveNode>;
}

/** Shows the archive in the panel, expanded (the panel opens if it was hidden). */
export async function revealArchive(ui: ArchivesUi, uri: vscode.Uri, origin: 'workspace' | 'opened'): Promise<void> {
  const fresh = ui.store.get(uri.fsPath) === undefined;
  const redrawn = fresh ? ui.tree.rootsRedrawn(2000) : undefined;
  const entry = ui.store.add(uri, origin);
  await vscode.commands.executeCommand(`${ARCHIVES_VIEW}.focus`);
  await redrawn;
  const reveal = (): Thenable<void> =>
    ui.view.reveal(ui.tree.rootFor(entry), { select: true, focus: true, expand: true });
  try {
    await reveal();
  } catch {
    // A redraw set off meanwhile (a file changed, a job ended) raced the reveal's own listing of
    // the roots ("Element with id … is already registered"); once it is drawn, the reveal is not.
    await ui.tree.rootsRedrawn(2000);
    await reveal();
  }
}

/** "Inspect Archive": from the Explorer (one or many), or a file picker for archives anywhere. */
export function inspectArchiveCommand(ui: ArchivesUi) {
  return async (clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<void> => {
    let uris = selected && selected.length > 0 ? selected : clicked ? [clicked] : [];
    if (uris.length === 0) {
      uris =
        (await vscode.window.showOpenDialog({
          canSelectMany: true,
          openLabel: 'Inspect',
          title: 'Inspect Archive',
          filters: ARCHIVE_FILTERS,
        })) ?? [];
    }
    for (const uri of uris) {
      if (uri.scheme !== 'file') {
        void vscode.window.showErrorMessage(`Chunkpress inspects files on disk; ${uri.toString()} is not one.`);
        continue;
      }
      await revealArchive(ui, uri, vscode.workspace.getWorkspaceFolder(uri) ? 'workspace' : 'opened');
    }
  };
}

/** "Open Report": for a row of the panel, an archive in the Explorer, or one picked from the panel's list. */
export function openReportCommand(ui: ArchivesUi) {
  return async (target?: ArchiveNode | vscode.Uri): Promise<void> => {
    let archive: string | undefined;
    if (target instanceof vscode.Uri) archive = target.fsPath;
    else if (target && 'entry' in target) archive = target.entry.path;
    else {
      await ui.store.whenScanned();
      const items = ui.store.all().map((e) => ({ label: vscode.workspace.asRelativePath(e.path), path: e.path }));
      const browse = { label: '$(folder-opened) Other archive...', path: '' };
      const pick = await vscode.window.showQuickPick([...items, browse], {
        title: 'Open Report',
        placeHolder: 'Archive to list',
      });
      if (pick === browse) {
        const [uri] =
          (await vscode.window.showOpenDialog({
            title: 'Open Report',
            openLabel: 'Open Report',
            filters: ARCHIVE_FILTERS,
          })) ?? [];
        archive = uri?.fsPath;
      } else archive = pick?.path;
    }
    if (archive) await openReport(archive);
  };
}

export function copyValueCommand() {
  return async (node?: ArchiveNode): Promise<void> => {
    const text = node && copyText(node);
    if (text !== undefined) await vscode.env.clipboard.writeText(text);
  };
}

export function measureFrameCommand(ui: ArchivesUi) {
  return async (node?: ArchiveNode): Promise<void> => {
    if (node?.kind !== 'frame') return;
    try {
      const size = await ui.store.measure(node.entry, node.row);
      void vscode.window.setStatusBarMessage(`Frame ${node.row.index} holds ${size} bytes`, 5000);
    } catch (err) {
      const message = errorText(err);
      if (!/cancel/i.test(message)) void vscode.window.showErrorMessage(`Chunkpress: ${message}`);
    }
  };
}

export function refreshCommand(ui: ArchivesUi) {
  return async (node?: ArchiveNode): Promise<void> => {
    if (node?.kind === 'archive') {
      ui.store.invalidate(node.entry.path);
      return;
    }
    for (const entry of ui.store.all()) ui.store.invalidate(entry.path);
    await ui.store.scan();
  };
}

export function removeArchiveCommand(ui: ArchivesUi) {
  return (node?: ArchiveNode): void => {
    if (node?.kind === 'archive') ui.store.remove(node.entry.path);
  };
}

export function revealInExplorerCommand() {
  return async (node?: ArchiveNode): Promise<void> => {
    if (node?.kind === 'archive') await vscode.commands.executeCommand('revealInExplorer', node.entry.uri);
  };
}

/**
 * "Open Chunk": the chunk's content in a read-only editor, decoded by the helper (only that frame).
 * Over `chunkpress.openChunkLimit` it says so and offers to extract the chunk to a file instead.
 */
export function openChunkCommand(ctx: DecodeContext) {
  return async (node?: ArchiveNode): Promise<vscode.Uri | undefined> => {
    if (node?.kind !== 'frame') return undefined;
    const { entry, row } = node;
    const label = frameLabel(row, entry.summary?.layout ?? 'chunkpress');
    const archive = path.basename(entry.path);
    if (row.contentOffset === undefined || row.contentSize === undefined) {
      const choice = await vscode.window.showWarningMessage(
        `${label} of ${archive} does not declare its size, so its place in the content is unknown. Measure it first.`,
        'Measure Size by Decoding',
      );
      if (choice) await vscode.commands.executeCommand('chunkpress.measureFrame', node);
      return undefined;
    }
    const limit = ctx.settings().openChunkLimit;
    if (row.contentSize > limit) {
      const choice = await vscode.window.showWarningMessage(
        `${label} of ${archive} holds ${formatSize(row.contentSize)}, more than the ${formatSize(limit)} that Open Chunk shows in an editor (chunkpress.openChunkLimit).`,
        'Extract to a File',
        'Change the Limit',
      );
      if (choice === 'Extract to a File')
        await extractRange(ctx, entry.uri, { offset: row.contentOffset, length: row.contentSize });
      else if (choice === 'Change the Limit')
        await vscode.commands.executeCommand('workbench.action.openSettings', 'chunkpress.openChunkLimit');
      return undefined;
    }
    const uri = chunkUri(entry.path, label.toLowerCase(), row.contentOffset, row.contentSize);
    await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
    return uri;
  };
}

/**
 * "Open Member": a tar member's content in a read-only editor under its own name, decoding only
 * the frames that hold it (a foreign archive's members were found by one pass when the Members
 * node was expanded). Over `chunkpress.openChunkLimit` it offers to extract the bytes instead.
 */
export function openMemberCommand(ctx: DecodeContext) {
  return async (node?: ArchiveNode): Promise<vscode.Uri | undefined> => {
    if (node?.kind !== 'member' || !node.row.content) return undefined;
    const { entry, row } = node;
    const { offset, length } = node.row.content;
    const limit = ctx.settings().openChunkLimit;
    if (length > limit) {
      const choice = await vscode.window.showWarningMessage(
        `${row.path} in ${path.basename(entry.path)} holds ${formatSize(length)}, more than the ${formatSize(limit)} that Open Member shows in an editor (chunkpress.openChunkLimit).`,
        'Extract to a File',
        'Change the Limit',
      );
      if (choice === 'Extract to a File') await extractRange(ctx, entry.uri, { offset, length });
      else if (choice === 'Change the Limit')
        await vscode.commands.executeCommand('workbench.action.openSettings', 'chunkpress.openChunkLimit');
      return undefined;
    }
    const uri = memberUri(entry.path, row.path, offset, length);
    await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
    return uri;
  };
}
