/** How each node of the Archives view is drawn. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { jobLabel, resumeHint } from '../resume/jobText';
import type { FrameRow } from '../../../server/src/engine/inspection/inspect';
import type { ArchiveSummary, MemberRow } from '../../../server/src/protocol';
import { memberDescription, memberTooltip, TAR_NAME } from './memberRows';
import type { ArchiveNode } from './archiveNodes';
import {
  archiveDescription,
  archiveTooltip,
  blockDescription,
  blockLabel,
  blockTooltip,
  frameDescription,
  frameLabel,
  frameTooltip,
  liveDescription,
  seekEntryDescription,
  skippableDescription,
  skippableLabel,
} from './archiveRows';
import {
  archiveVerificationText,
  frameCheckText,
  seekTableCheck,
  verificationDescription,
  verificationTooltip,
  type Verification,
} from './verificationRows';
import type { ArchiveEntry } from './archiveStore';

const isZstdFrame = (row: FrameRow): boolean => row.role === 'data';

/** The row VS Code shows for `node`: label, description, icon, tooltip, context menu. */
export function treeItem(node: ArchiveNode): vscode.TreeItem {
  switch (node.kind) {
    case 'archive':
      return archiveItem(node.entry);
    case 'interrupted': {
      const { job } = node;
      const item = new vscode.TreeItem(jobLabel(job), vscode.TreeItemCollapsibleState.None);
      item.id = `interrupted#${job.journal}`;
      item.description = job.description.replace(/^was /, '');
      item.iconPath = new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.tooltip = [
        job.target ?? job.journal,
        '',
        `${job.source ? `From ${job.source}: ` : ''}${job.description}.`,
        job.problem ? `It cannot be resumed: ${job.problem}` : resumeHint(job),
      ].join('\n');
      item.contextValue = job.problem ? 'interrupted.unreadable' : 'interrupted';
      return item;
    }
    case 'error': {
      const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath =
        node.severity === 'warning'
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
          : new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      item.tooltip = node.message;
      item.contextValue = 'error';
      return item;
    }
    case 'group': {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${node.entry.path}#${node.group}`;
      item.iconPath = new vscode.ThemeIcon(
        node.group === 'summary' ? 'info' : node.group === 'manifest' ? 'json' : 'list-tree',
      );
      const check = node.group === 'seekTable' ? seekTableCheck(node.entry.verification) : undefined;
      if (check) {
        item.description = check.description;
        item.tooltip = check.tooltip;
        if (check.failed) item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
      }
      return item;
    }
    case 'list': {
      const item = new vscode.TreeItem(
        node.label,
        node.count > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
      );
      item.id = `${node.entry.path}#${node.list}${node.entry.live ? '#live' : ''}`;
      item.description = String(node.count);
      item.iconPath = new vscode.ThemeIcon(node.list === 'skippable' ? 'debug-step-over' : 'layers');
      return item;
    }
    case 'page': {
      const item = new vscode.TreeItem(
        `${node.start}–${node.start + node.count - 1}`,
        vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.id = `${node.entry.path}#${node.list}:${node.start}`;
      item.iconPath = new vscode.ThemeIcon('files');
      return item;
    }
    case 'frame':
      return frameItem(node.entry, node.row);
    case 'entry': {
      const item = new vscode.TreeItem(`Entry ${node.row.index}`, vscode.TreeItemCollapsibleState.None);
      item.id = `${node.entry.path}#entry:${node.row.index}`;
      item.description = seekEntryDescription(node.row);
      item.tooltip = `Seek table entry ${node.row.index}: frame at byte ${node.row.offset}`;
      item.contextValue = 'copyable';
      return item;
    }
    case 'skippable': {
      const item = new vscode.TreeItem(skippableLabel(node.row), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${node.entry.path}#skippable:${node.row.index}`;
      item.description = skippableDescription(node.row);
      item.tooltip = `Skippable frame at byte ${node.row.offset}, ${node.row.compressedSize} B`;
      item.iconPath = new vscode.ThemeIcon('debug-step-over');
      item.contextValue = 'copyable';
      return item;
    }
    case 'blocks': {
      const item = new vscode.TreeItem('Blocks', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${node.entry.path}#frame:${node.row.index}#blocks`;
      item.description = String(node.count);
      item.iconPath = new vscode.ThemeIcon('symbol-array');
      return item;
    }
    case 'blockPage': {
      const item = new vscode.TreeItem(
        `Blocks ${node.start}–${node.start + node.count - 1}`,
        vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.id = `${node.entry.path}#frame:${node.row.index}#blocks:${node.start}`;
      return item;
    }
    case 'block': {
      const item = new vscode.TreeItem(blockLabel(node.block), vscode.TreeItemCollapsibleState.None);
      item.id = `${node.entry.path}#frame:${node.row.index}#block:${node.block.index}`;
      item.description = blockDescription(node.block);
      item.tooltip = blockTooltip(node.block);
      item.iconPath = new vscode.ThemeIcon(
        node.block.type === 'raw' ? 'symbol-string' : node.block.type === 'rle' ? 'symbol-constant' : 'symbol-field',
      );
      item.contextValue = 'copyable';
      return item;
    }
    case 'verification':
      return verificationItem(node.entry);
    case 'members': {
      const item = new vscode.TreeItem('Members', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${node.entry.path}#members`;
      item.description = node.count === null ? 'read on expand' : String(node.count);
      item.tooltip =
        node.count === null
          ? 'The tar inside has no index of its own: expanding reads its headers once'
          : `${node.count} members, from the archive's index`;
      item.iconPath = new vscode.ThemeIcon('file-submodule');
      item.contextValue = 'members';
      return item;
    }
    case 'member':
      return memberItem(node.entry, node.row);
    case 'field': {
      const item = new vscode.TreeItem(node.field.label, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.description = node.field.description;
      item.tooltip = node.field.tooltip ? `${node.field.description}\n\n${node.field.tooltip}` : node.field.description;
      item.contextValue = 'field';
      return item;
    }
  }
}

function memberItem(entry: ArchiveEntry, row: MemberRow): vscode.TreeItem {
  const folder = row.member === null || row.member.type === 'directory';
  const item = new vscode.TreeItem(
    row.name,
    folder && row.children > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = `${entry.path}#member:${row.path}`;
  item.description = memberDescription(row);
  item.tooltip = memberTooltip(row);
  // The file's own icon by its name (a resourceUri with the member's extension), folders as folders.
  item.resourceUri = vscode.Uri.from({ scheme: 'chunkpress-member-icon', path: `/${row.path}` });
  item.iconPath = folder
    ? vscode.ThemeIcon.Folder
    : row.member?.type === 'file'
      ? vscode.ThemeIcon.File
      : new vscode.ThemeIcon('link');
  item.contextValue = row.member?.type === 'file' || row.member?.type === 'hardlink' ? 'member.file' : 'member';
  if (item.contextValue === 'member.file')
    item.command = {
      command: 'chunkpress.openMember',
      title: 'Open Member',
      arguments: [{ kind: 'member', entry, row }],
    };
  return item;
}

function archiveItem(entry: ArchiveEntry): vscode.TreeItem {
  const item = new vscode.TreeItem(path.basename(entry.path), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = entry.path;
  item.resourceUri = entry.uri;
  const s: ArchiveSummary | undefined = entry.summary;
  // Before inspection: where it is (nothing for the workspace root, the full folder outside it).
  const folder = path.dirname(vscode.workspace.asRelativePath(entry.uri));
  if (entry.live) {
    item.description = liveDescription(entry.live.progress);
    item.iconPath = new vscode.ThemeIcon('loading~spin');
    item.contextValue = 'archive.live';
  } else {
    item.description = s
      ? archiveDescription(s)
      : entry.error
        ? 'unreadable'
        : folder === entry.path
          ? path.dirname(entry.path)
          : folder === '.'
            ? ''
            : folder;
    const verified = entry.verification && archiveVerificationText(entry.verification, s?.layout ?? 'chunkpress');
    if (verified) item.description = `${item.description} · ${verified}`;
    const failed = entry.verification?.state === 'failed';
    item.iconPath = failed
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
      : new vscode.ThemeIcon(
          s?.problem || s?.warnings.length || entry.error ? 'warning' : 'file-zip',
          s?.problem || s?.warnings.length || entry.error
            ? new vscode.ThemeColor('problemsWarningIcon.foreground')
            : undefined,
        );
    // `.tar`: a tar inside, which the extraction commands take.
    item.contextValue = `${entry.origin === 'opened' ? 'archive.opened' : 'archive'}${TAR_NAME.test(entry.path) || (s?.memberCount ?? null) !== null ? '.tar' : ''}`;
  }
  item.tooltip = archiveTooltip(entry.path, s);
  return item;
}

function frameItem(entry: ArchiveEntry, row: FrameRow): vscode.TreeItem {
  const layout = entry.summary?.layout ?? (entry.live ? 'chunkpress' : 'multi-frame');
  const item = new vscode.TreeItem(
    frameLabel(row, layout),
    entry.live ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.id = `${entry.path}#frame:${row.role}:${row.index}${entry.live ? '#live' : ''}`;
  item.description = frameDescription(row);
  item.tooltip = frameTooltip(row, layout);
  item.iconPath = new vscode.ThemeIcon(row.role === 'member' ? 'file-binary' : 'package');
  item.contextValue = isZstdFrame(row) && row.contentSize === undefined ? 'frame.unknownSize' : 'frame';
  const check = entry.live ? undefined : entry.verification?.frames.get(row.index);
  if (check) {
    const text = frameCheckText(check);
    item.description = `${item.description} · ${text.description}`;
    item.tooltip = `${item.tooltip}\n\n${text.tooltip}`;
    item.iconPath = check.ok
      ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
      : new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
  }
  return item;
}

const VERIFICATION_ICONS: Record<Verification['state'], [string, string | undefined]> = {
  running: ['loading~spin', undefined],
  passed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', undefined],
  error: ['warning', 'problemsWarningIcon.foreground'],
};

function verificationItem(entry: ArchiveEntry): vscode.TreeItem {
  const v = entry.verification!;
  const item = new vscode.TreeItem('Verification', vscode.TreeItemCollapsibleState.None);
  item.id = `${entry.path}#verification`;
  const s = entry.summary;
  item.description = verificationDescription(v, s?.dataFrames ?? v.frames.size, s?.layout ?? 'chunkpress');
  item.tooltip = verificationTooltip(v);
  const [icon, color] = VERIFICATION_ICONS[v.state];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = 'verification';
  return item;
}
