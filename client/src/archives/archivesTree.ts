import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlockRow, FrameDetail } from '../../../server/src/engine/inspection/frameDetail';
import type { FrameRow } from '../../../server/src/engine/inspection/inspect';
import type { ArchiveSummary } from '../../../server/src/protocol';
import {
  archiveDescription,
  archiveTooltip,
  archiveVerificationText,
  blockDescription,
  blockLabel,
  blockTooltip,
  frameCheckText,
  frameDescription,
  frameHeaderFields,
  frameLabel,
  frameTooltip,
  gzipFields,
  liveDescription,
  manifestFields,
  seekEntryDescription,
  seekTableFields,
  skippableDescription,
  skippableFields,
  skippableLabel,
  summaryFields,
  unitName,
  verificationDescription,
  verificationTooltip,
  type Field,
  type Verification,
} from './archiveRows';
import { errorText, type ArchiveEntry, type ArchiveStore } from './archiveStore';

/** Rows per page: frames, blocks, seek table entries and digests beyond this come in pages. */
export const PAGE_SIZE = 200;

type Paged = 'frames' | 'entries' | 'skippable' | 'digests';

export type ArchiveNode =
  | { kind: 'archive'; entry: ArchiveEntry }
  | { kind: 'error'; id: string; message: string }
  | { kind: 'group'; entry: ArchiveEntry; group: 'summary' | 'manifest' | 'seekTable'; label: string }
  | { kind: 'list'; entry: ArchiveEntry; list: Paged; label: string; count: number }
  | { kind: 'page'; entry: ArchiveEntry; list: Paged; start: number; count: number }
  | { kind: 'frame'; entry: ArchiveEntry; row: FrameRow }
  | { kind: 'entry'; entry: ArchiveEntry; row: FrameRow }
  | { kind: 'skippable'; entry: ArchiveEntry; row: FrameRow }
  | { kind: 'blocks'; entry: ArchiveEntry; row: FrameRow; count: number }
  | { kind: 'blockPage'; entry: ArchiveEntry; row: FrameRow; start: number; count: number }
  | { kind: 'block'; entry: ArchiveEntry; row: FrameRow; block: BlockRow }
  | { kind: 'field'; id: string; field: Field }
  | { kind: 'verification'; entry: ArchiveEntry };

const isZstdFrame = (row: FrameRow): boolean => row.role === 'data';

/**
 * The Archives view: archive → summary, manifest, chunks (→ header fields, blocks), seek table,
 * skippable frames. Every level is fetched from the helper when expanded; long lists come in pages.
 */
export class ArchivesTree implements vscode.TreeDataProvider<ArchiveNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ArchiveNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly roots = new Map<string, ArchiveNode & { kind: 'archive' }>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ArchiveStore) {
    // Always a whole-tree refresh: VS Code cancels fetches still in flight only for that one. A
    // refresh of one archive while its children are being fetched leaves their ids registered
    // ("Element with id … is already registered") and the archive shows empty. Answers are
    // remembered by the store, so a redraw costs no request.
    this.subscription = store.onDidChange(() => this.changed.fire(undefined));
  }

  /** The one node object per archive, so that reveal and refresh address the same element. */
  rootFor(entry: ArchiveEntry): ArchiveNode & { kind: 'archive' } {
    let node = this.roots.get(entry.path);
    if (!node || node.entry !== entry) {
      node = { kind: 'archive', entry };
      this.roots.set(entry.path, node);
    }
    return node;
  }

  /** Only archives are revealed, and they are roots. */
  getParent(): ArchiveNode | undefined {
    return undefined;
  }

  async getChildren(node?: ArchiveNode): Promise<ArchiveNode[]> {
    if (!node) {
      await this.store.whenScanned();
      return this.store.all().map((entry) => this.rootFor(entry));
    }
    switch (node.kind) {
      case 'archive':
        return this.archiveChildren(node.entry);
      case 'group':
        return this.groupChildren(node.entry, node.group);
      case 'list':
        return this.listChildren(node.entry, node.list, 0, node.count, node.count > PAGE_SIZE);
      case 'page':
        return this.listChildren(node.entry, node.list, node.start, node.count, false);
      case 'frame':
      case 'skippable':
        return this.frameChildren(node.entry, node.row);
      case 'blocks':
        return node.count > PAGE_SIZE
          ? pages(node.count).map(([start, count]) => ({
              kind: 'blockPage',
              entry: node.entry,
              row: node.row,
              start,
              count,
            }))
          : this.blockRows(node.entry, node.row, 0, node.count);
      case 'blockPage':
        return this.blockRows(node.entry, node.row, node.start, node.count);
      default:
        return [];
    }
  }

  private async archiveChildren(entry: ArchiveEntry): Promise<ArchiveNode[]> {
    if (entry.live) {
      const count = entry.live.chunks.length;
      return [{ kind: 'list', entry, list: 'frames', label: 'Chunks', count }];
    }
    const s = await this.store.inspect(entry);
    if (!s) return [errorNode(`${entry.path}#error`, entry.error ?? 'Could not inspect this file')];
    const nodes: ArchiveNode[] = [];
    if (s.problem) nodes.push(errorNode(`${entry.path}#problem`, s.problem.message));
    if (entry.verification) {
      nodes.push({ kind: 'verification', entry });
      for (const [i, failure] of entry.verification.archiveFailures.entries()) {
        // The structural problem is already the row above.
        if (s.problem && failure.message === s.problem.message) continue;
        nodes.push(errorNode(`${entry.path}#verify:${i}`, failure.message ?? 'failed verification'));
      }
    }
    nodes.push({ kind: 'group', entry, group: 'summary', label: 'Summary' });
    if (s.manifest) nodes.push({ kind: 'group', entry, group: 'manifest', label: 'Manifest' });
    const unit = unitName(s.layout);
    if (s.dataFrames > 0)
      nodes.push({
        kind: 'list',
        entry,
        list: 'frames',
        label: `${unit[0].toUpperCase()}${unit.slice(1)}s`,
        count: s.dataFrames,
      });
    if (s.seekTable) nodes.push({ kind: 'group', entry, group: 'seekTable', label: 'Seek table' });
    if (s.skippableFrames > 0)
      nodes.push({ kind: 'list', entry, list: 'skippable', label: 'Skippable frames', count: s.skippableFrames });
    return nodes;
  }

  private async groupChildren(
    entry: ArchiveEntry,
    group: 'summary' | 'manifest' | 'seekTable',
  ): Promise<ArchiveNode[]> {
    const s = await this.store.inspect(entry);
    if (!s) return [];
    const id = `${entry.path}#${group}`;
    if (group === 'summary') return fieldNodes(id, summaryFields(s));
    if (group === 'seekTable') {
      return [
        ...fieldNodes(id, seekTableFields(s)),
        { kind: 'list', entry, list: 'entries', label: 'Entries', count: s.dataFrames },
      ];
    }
    const m = s.manifest;
    if (!m) return [];
    return [
      ...fieldNodes(id, manifestFields(m)),
      { kind: 'list', entry, list: 'digests', label: 'Chunk digests (xxh64)', count: m.chunks.digests.length },
    ];
  }

  private async listChildren(
    entry: ArchiveEntry,
    list: Paged,
    start: number,
    count: number,
    paged: boolean,
  ): Promise<ArchiveNode[]> {
    if (paged) return pages(count).map(([s, c]) => ({ kind: 'page', entry, list, start: start + s, count: c }));
    if (list === 'digests') {
      const digests = (await this.store.inspect(entry))?.manifest?.chunks.digests ?? [];
      return digests.slice(start, start + count).map((digest, i) => ({
        kind: 'field',
        id: `${entry.path}#digest:${start + i}`,
        field: { label: `Chunk ${start + i}`, description: digest, copy: digest },
      }));
    }
    try {
      const { frames } = await this.store.frames(entry, list === 'skippable' ? 'skippable' : 'data', start, count);
      const kind = list === 'skippable' ? 'skippable' : list === 'entries' ? 'entry' : 'frame';
      return frames.map((row) => ({ kind, entry, row }) as ArchiveNode);
    } catch (err) {
      return [errorNode(`${entry.path}#${list}:${start}#error`, errorText(err))];
    }
  }

  private async frameChildren(entry: ArchiveEntry, row: FrameRow): Promise<ArchiveNode[]> {
    const id = `${entry.path}#frame:${row.role}:${row.index}`;
    if (row.role === 'member') return fieldNodes(id, gzipFields(row));
    let detail: FrameDetail;
    try {
      detail = await this.store.frameDetail(entry, row, 0, PAGE_SIZE);
    } catch (err) {
      return [errorNode(`${id}#error`, errorText(err))];
    }
    if (detail.kind === 'skippable') return fieldNodes(id, skippableFields(row, detail));
    const nodes: ArchiveNode[] = [];
    if (detail.problem) nodes.push(errorNode(`${id}#problem`, detail.problem.message));
    nodes.push(...fieldNodes(id, frameHeaderFields(detail)));
    nodes.push({ kind: 'blocks', entry, row, count: detail.blockCount });
    return nodes;
  }

  private async blockRows(entry: ArchiveEntry, row: FrameRow, start: number, count: number): Promise<ArchiveNode[]> {
    try {
      const detail = await this.store.frameDetail(entry, row, start, count);
      if (detail.kind !== 'zstd') return [];
      return detail.blocks.map((block) => ({ kind: 'block', entry, row, block }));
    } catch (err) {
      return [errorNode(`${entry.path}#frame:${row.index}#blocks:${start}#error`, errorText(err))];
    }
  }

  getTreeItem(node: ArchiveNode): vscode.TreeItem {
    switch (node.kind) {
      case 'archive':
        return archiveItem(node.entry);
      case 'error': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
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
      case 'field': {
        const item = new vscode.TreeItem(node.field.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.field.description;
        item.tooltip = node.field.tooltip
          ? `${node.field.description}\n\n${node.field.tooltip}`
          : node.field.description;
        item.contextValue = 'field';
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
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
          s?.problem || entry.error ? 'warning' : 'file-zip',
          s?.problem || entry.error ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined,
        );
    item.contextValue = entry.origin === 'opened' ? 'archive.opened' : 'archive';
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

function errorNode(id: string, message: string): ArchiveNode {
  return { kind: 'error', id, message };
}

function fieldNodes(prefix: string, fields: Field[]): ArchiveNode[] {
  return fields.map((field) => ({ kind: 'field', id: `${prefix}#${field.label}`, field }));
}

/** [start, count] of each page of `total` rows. */
export function pages(total: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = 0; start < total; start += PAGE_SIZE) out.push([start, Math.min(PAGE_SIZE, total - start)]);
  return out;
}

/** What Copy Value puts on the clipboard for a row: the exact value, or the row's exact description. */
export function copyText(node: ArchiveNode): string | undefined {
  switch (node.kind) {
    case 'field':
      return node.field.copy;
    case 'error':
      return node.message;
    case 'archive':
      return node.entry.path;
    case 'frame':
      return frameTooltip(node.row, node.entry.summary?.layout ?? 'chunkpress');
    case 'entry':
      return seekEntryDescription(node.row);
    case 'skippable':
      return `${skippableLabel(node.row)}: ${skippableDescription(node.row)}`;
    case 'block':
      return blockTooltip(node.block);
    case 'verification':
      return node.entry.verification && verificationTooltip(node.entry.verification);
    default:
      return undefined;
  }
}

export interface RenderedRow {
  label: string;
  description: string;
  tooltip: string;
  contextValue: string | undefined;
}

function render(item: vscode.TreeItem): RenderedRow {
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const tooltip = typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
  return {
    label,
    description: typeof item.description === 'string' ? item.description : '',
    tooltip,
    contextValue: item.contextValue,
  };
}

/** The row reached by following `labels` from the top, as VS Code would reach it by expanding. */
export async function findNode(tree: ArchivesTree, labels: string[]): Promise<ArchiveNode | undefined> {
  let node: ArchiveNode | undefined;
  for (const [depth, label] of labels.entries()) {
    const children = await tree.getChildren(node);
    node = children.find((child) => render(tree.getTreeItem(child)).label === label);
    if (!node) {
      const seen = children.map((child) => render(tree.getTreeItem(child)).label).join(', ');
      throw new Error(`no row "${label}" under ${labels.slice(0, depth).join(' > ') || 'the top'} (rows: ${seen})`);
    }
  }
  return node;
}

/** The rows under `labels` (the tests' view of the panel: the same calls VS Code makes). */
export async function renderPath(tree: ArchivesTree, labels: string[]): Promise<RenderedRow[]> {
  const node = await findNode(tree, labels);
  return (await tree.getChildren(node)).map((child) => render(tree.getTreeItem(child)));
}
