/**
 * "Find in Archive": a quick pick over the archive's member paths (fuzzy, as Quick Open), whose
 * first row searches the files' contents for what was typed instead (text or a regular
 * expression, case as toggled). The search runs in the helper, every frame decoded and searched
 * by the workers; its matches stream into a second list, each opening its member at its line.
 */
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  memberPathsRequest,
  membersRequest,
  searchPartialType,
  searchRequest,
  type SearchMatch,
} from '../../../server/src/protocol';
import type { ArchiveNode } from '../archives/archiveNodes';
import { ARCHIVE_FILTERS } from '../archives/archiveCommands';
import { ARCHIVE_SCHEME, parseArchiveUri } from '../archiveFolders/archiveFileSystem';
import type { JobContext } from '../jobRun';
import { requestWithProgress } from '../serverProgress';

interface Scope {
  archive: vscode.Uri;
  /** A folder of the archive to search in ('' for all of it). */
  folder: string;
}

type PathItem = vscode.QuickPickItem & { path?: string; search?: boolean };
type MatchItem = vscode.QuickPickItem & { match: SearchMatch };

/** The URI of `member` of `archive` in the archive file system (it need not be open as a folder). */
export function memberFileUri(archive: vscode.Uri, member: string): vscode.Uri {
  return vscode.Uri.from({ scheme: ARCHIVE_SCHEME, path: `${archive.path}/${member}` });
}

async function scopeOf(clicked: vscode.Uri | ArchiveNode | undefined): Promise<Scope | undefined> {
  if (clicked instanceof vscode.Uri) {
    if (clicked.scheme !== ARCHIVE_SCHEME) return { archive: clicked, folder: '' };
    const parsed = parseArchiveUri(clicked);
    if (!parsed) return undefined;
    const isFolder = parsed.member === '' || (await vscode.workspace.fs.stat(clicked)).type & vscode.FileType.Directory;
    return {
      archive: vscode.Uri.file(parsed.archive),
      folder: isFolder ? parsed.member : path.posix.dirname(parsed.member),
    };
  }
  if (clicked && 'entry' in clicked) {
    const folder = clicked.kind === 'member' && clicked.row.children > 0 ? clicked.row.path : '';
    return { archive: clicked.entry.uri, folder };
  }
  const picked = await vscode.window.showOpenDialog({ title: 'Find in Archive', filters: ARCHIVE_FILTERS });
  return picked?.[0] && { archive: picked[0], folder: '' };
}

export function findInArchiveCommand(ctx: JobContext) {
  return async (clicked?: vscode.Uri | ArchiveNode): Promise<void> => {
    const scope = await scopeOf(clicked);
    if (!scope) return;
    const name = path.basename(scope.archive.fsPath);
    let paths: string[];
    try {
      // A foreign archive's headers are read once, with progress; the helper keeps its index.
      await requestWithProgress(
        ctx.client,
        membersRequest,
        { path: scope.archive.fsPath, folder: '' },
        {
          title: `Reading the members of ${name}`,
          location: vscode.ProgressLocation.Notification,
          cancellable: true,
          delayMs: 500,
        },
      );
      paths = (await ctx.client.sendRequest(memberPathsRequest, { archive: scope.archive.fsPath })).paths;
    } catch (err) {
      void vscode.window.showErrorMessage(`Chunkpress: ${(err as Error).message}`);
      return;
    }
    if (scope.folder) paths = paths.filter((p) => p.startsWith(`${scope.folder}/`));
    await pickMember(ctx, scope, name, paths);
  };
}

function pickMember(ctx: JobContext, scope: Scope, name: string, paths: string[]): Promise<void> {
  const pick = vscode.window.createQuickPick<PathItem>();
  const where = scope.folder ? `${name}/${scope.folder}` : name;
  pick.title = `Find in ${where}`;
  pick.placeholder = 'Type a member name to open it, or text to search the files for';
  pick.matchOnDescription = true;
  let matchCase = false;
  let regex = false;
  const toggles = (): vscode.QuickInputButton[] => [
    {
      iconPath: new vscode.ThemeIcon(matchCase ? 'case-sensitive' : 'preserve-case'),
      tooltip: matchCase ? 'Match Case: on' : 'Match Case: off',
    },
    {
      iconPath: new vscode.ThemeIcon(regex ? 'regex' : 'whole-word'),
      tooltip: regex ? 'Regular Expression: on' : 'Regular Expression: off',
    },
  ];
  const files: PathItem[] = paths.map((p) => ({
    label: path.posix.basename(p),
    description: path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p),
    path: p,
  }));
  // Its label is what was typed, so that Quick Open's ranking keeps it first.
  const searchItem = (): PathItem => ({
    label: `$(search) ${pick.value}`,
    description: `Search the files for this ${regex ? 'regular expression' : 'text'}, ${matchCase ? 'matching case' : 'in any case'}`,
    alwaysShow: true,
    search: true,
  });
  const refresh = (): void => {
    pick.buttons = toggles();
    pick.items = pick.value ? [searchItem(), ...files] : files;
  };
  refresh();
  return new Promise((resolve) => {
    pick.onDidChangeValue(refresh);
    pick.onDidTriggerButton((button) => {
      if (button.tooltip?.startsWith('Match Case')) matchCase = !matchCase;
      else regex = !regex;
      refresh();
    });
    pick.onDidAccept(() => {
      const [chosen] = pick.selectedItems;
      if (!chosen) return;
      const pattern = pick.value;
      pick.hide();
      if (chosen.search) void showMatches(ctx, scope, name, { pattern, regex, ignoreCase: !matchCase });
      else if (chosen.path)
        void vscode.window.showTextDocument(memberFileUri(scope.archive, chosen.path), { preview: true });
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve();
    });
    pick.show();
  });
}

/** Runs the search in the helper; its matches fill a list as they come. */
async function showMatches(
  ctx: JobContext,
  scope: Scope,
  name: string,
  query: { pattern: string; regex: boolean; ignoreCase: boolean },
): Promise<void> {
  const list = vscode.window.createQuickPick<MatchItem>();
  const shown = query.regex ? `/${query.pattern}/` : `"${query.pattern}"`;
  list.title = `Searching ${name} for ${shown}`;
  list.placeholder = 'Filter the matches; Enter opens one at its line';
  list.matchOnDescription = true;
  list.busy = true;
  list.show();
  const cancel = new vscode.CancellationTokenSource();
  const partialResultToken = randomUUID();
  const items: MatchItem[] = [];
  const listening = ctx.client.onProgress(searchPartialType, partialResultToken, (partial) => {
    for (const match of partial.matches)
      items.push({ label: match.text.trim() || ' ', description: `${match.path}:${match.line}`, match });
    list.items = items;
    const p = partial.progress;
    if (p.totalBytes) list.title = `Searching ${name} for ${shown} · ${Math.floor((100 * p.bytesIn) / p.totalBytes)}%`;
  });
  list.onDidAccept(() => {
    const [chosen] = list.selectedItems;
    if (!chosen) return;
    const line = Math.max(0, chosen.match.line - 1);
    void vscode.window.showTextDocument(memberFileUri(scope.archive, chosen.match.path), {
      preview: true,
      selection: new vscode.Range(line, 0, line, 0),
    });
  });
  list.onDidHide(() => {
    cancel.cancel();
    list.dispose();
  });
  try {
    const summary = await ctx.client.sendRequest(
      searchRequest,
      {
        archive: scope.archive.fsPath,
        ...query,
        members: scope.folder ? [scope.folder] : undefined,
        partialResultToken,
      },
      cancel.token,
    );
    // The last batch may come just after the answer.
    await new Promise((r) => setTimeout(r, 50));
    const more = summary.truncated ? ' (the first ones; narrow the search for the rest)' : '';
    list.title = `${summary.lines} matching line${summary.lines === 1 ? '' : 's'} in ${summary.matchedFiles} of ${summary.files} files of ${name}${more}`;
    ctx.log.appendLine(
      `search ${scope.archive.fsPath} for ${shown}: ${list.title} in ${Math.round(summary.elapsedMs)} ms`,
    );
  } catch (err) {
    if (!cancel.token.isCancellationRequested) {
      list.hide();
      void vscode.window.showErrorMessage(`Chunkpress: ${(err as Error).message}`);
    }
  } finally {
    list.busy = false;
    listening.dispose();
  }
}
