/**
 * "Open as Folder" and "Close Archive Folder": a tar archive as a read-only workspace folder (it
 * comes back after a reload, since the extension activates on its scheme), and a single-file .zst
 * as one read-only file.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { decodedName } from '../../../server/src/engine/io/outputNames';
import { formatSize } from '../../../server/src/engine/sizes';
import { inspectRequest } from '../../../server/src/protocol';
import { ARCHIVE_FILTERS } from '../archives/archiveCommands';
import type { ArchiveNode } from '../archives/archiveNodes';
import { memberUri } from '../archives/chunkDocument';
import { TAR_NAME } from '../archives/memberRows';
import { requestWithProgress } from '../serverProgress';
import type { Settings } from '../settings';
import { ARCHIVE_SCHEME, archiveFolderUri } from './archiveFileSystem';

function clickedArchive(clicked: vscode.Uri | ArchiveNode | undefined): vscode.Uri | undefined {
  if (clicked instanceof vscode.Uri) return clicked;
  if (clicked && 'entry' in clicked) return clicked.entry.uri;
  return undefined;
}

/** The archive folders open in this window. */
function mounted(): vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === ARCHIVE_SCHEME);
}

export function openAsFolderCommand(client: LanguageClient, settings: () => Settings) {
  return async (clicked?: vscode.Uri | ArchiveNode): Promise<vscode.Uri | undefined> => {
    let archive = clickedArchive(clicked);
    if (!archive) {
      const picked = await vscode.window.showOpenDialog({ title: 'Open Archive as Folder', filters: ARCHIVE_FILTERS });
      archive = picked?.[0];
    }
    if (!archive) return undefined;
    if (archive.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Chunkpress opens archives on disk; ${archive.toString()} is not one.`);
      return undefined;
    }
    const name = path.basename(archive.fsPath);
    let summary;
    try {
      summary = await requestWithProgress(
        client,
        inspectRequest,
        { path: archive.fsPath },
        { title: `Inspecting ${name}`, location: vscode.ProgressLocation.Window, cancellable: true },
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`Chunkpress: ${(err as Error).message}`);
      return undefined;
    }
    if (summary.memberCount === null && !TAR_NAME.test(name))
      return openSingleFile(archive, summary.contentSize, settings());
    const uri = archiveFolderUri(archive);
    if (!mounted().some((f) => f.uri.toString() === uri.toString())) {
      const added = new Promise<void>((resolve) => {
        const listening = vscode.workspace.onDidChangeWorkspaceFolders(() => {
          listening.dispose();
          resolve();
        });
      });
      const count = vscode.workspace.workspaceFolders?.length ?? 0;
      if (!vscode.workspace.updateWorkspaceFolders(count, 0, { uri, name })) {
        void vscode.window.showErrorMessage(`Chunkpress could not add ${name} to the workspace.`);
        return undefined;
      }
      await added;
    }
    await vscode.commands.executeCommand('workbench.view.explorer');
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return uri;
  };
}

/** A .zst of one file: its content read-only in an editor, under its own name, up to openChunkLimit. */
async function openSingleFile(
  archive: vscode.Uri,
  size: number | undefined,
  settings: Settings,
): Promise<vscode.Uri | undefined> {
  const name = path.basename(decodedName(archive.fsPath));
  if (size === undefined || size > settings.openChunkLimit) {
    const why =
      size === undefined
        ? `does not say how big ${name} is`
        : `holds ${formatSize(size)}, more than the ${formatSize(settings.openChunkLimit)} opened in an editor (chunkpress.openChunkLimit)`;
    const choice = await vscode.window.showWarningMessage(
      `${path.basename(archive.fsPath)} ${why}.`,
      'Decompress',
      'Change the Limit',
    );
    if (choice === 'Decompress') await vscode.commands.executeCommand('chunkpress.decompress', archive);
    else if (choice === 'Change the Limit')
      await vscode.commands.executeCommand('workbench.action.openSettings', 'chunkpress.openChunkLimit');
    return undefined;
  }
  const uri = memberUri(archive.fsPath, name, 0, size);
  await vscode.commands.executeCommand('vscode.open', uri, { preview: false });
  return uri;
}

/** Removes an archive folder from the workspace: the one clicked, else one picked from those open. */
export function closeArchiveFolderCommand() {
  return async (clicked?: vscode.Uri): Promise<boolean> => {
    const folders = mounted();
    let folder = clicked && folders.find((f) => f.uri.toString() === clicked.toString());
    if (!folder && folders.length === 1) folder = folders[0];
    if (!folder && folders.length > 1) {
      const pick = await vscode.window.showQuickPick(
        folders.map((f) => ({ label: f.name, description: vscode.Uri.file(f.uri.path).fsPath, folder: f })),
        { title: 'Close Archive Folder' },
      );
      folder = pick?.folder;
    }
    if (!folder) {
      if (folders.length === 0) void vscode.window.showInformationMessage('No archive is open as a folder.');
      return false;
    }
    return vscode.workspace.updateWorkspaceFolders(folder.index, 1);
  };
}
