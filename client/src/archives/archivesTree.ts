import * as vscode from 'vscode';
import type { FrameDetail } from '../../../server/src/engine/inspection/frameDetail';
import type { FrameRow } from '../../../server/src/engine/inspection/inspect';
import { treeItem } from './archiveItems';
import { errorNode, fieldNodes, pages, PAGE_SIZE, type ArchiveNode, type Paged } from './archiveNodes';
import {
  frameHeaderFields,
  gzipFields,
  manifestFields,
  seekTableFields,
  skippableFields,
  summaryFields,
  unitName,
} from './archiveRows';
import { errorText, type ArchiveEntry, type ArchiveStore } from './archiveStore';
import { TAR_NAME } from './memberRows';
import type { InterruptedJobs } from '../resume/interruptedJobs';

/**
 * The Archives view: archive → summary, manifest, chunks (→ header fields, blocks), seek table,
 * skippable frames. Every level is fetched from the helper when expanded; long lists come in pages.
 */
export class ArchivesTree implements vscode.TreeDataProvider<ArchiveNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ArchiveNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly roots = new Map<string, ArchiveNode & { kind: 'archive' }>();
  private readonly subscription: vscode.Disposable;
  private readonly rootsListed = new vscode.EventEmitter<void>();

  constructor(
    private readonly store: ArchiveStore,
    private readonly interrupted?: InterruptedJobs,
  ) {
    // Always a whole-tree refresh: VS Code cancels fetches still in flight only for that one. A
    // refresh of one archive while its children are being fetched leaves their ids registered
    // ("Element with id … is already registered") and the archive shows empty. Answers are
    // remembered by the store, so a redraw costs no request.
    const redraw = (): void => this.changed.fire(undefined);
    this.subscription = vscode.Disposable.from(
      store.onDidChange(redraw),
      ...(interrupted ? [interrupted.onDidChange(redraw)] : []),
    );
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

  /**
   * Resolves once VS Code has listed the roots again (or after `ms`, when it does not: a hidden
   * view is not drawn). A reveal that races the redraw a new archive set off would register the
   * same ids twice ("Element with id … is already registered").
   */
  rootsRedrawn(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const listening = this.rootsListed.event(done);
      function done(): void {
        clearTimeout(timer);
        listening.dispose();
        resolve();
      }
    });
  }

  /** Only archives are revealed, and they are roots. */
  getParent(): ArchiveNode | undefined {
    return undefined;
  }

  async getChildren(node?: ArchiveNode): Promise<ArchiveNode[]> {
    if (!node) {
      await this.store.whenScanned();
      const jobs: ArchiveNode[] = (this.interrupted?.all() ?? []).map((job) => ({ kind: 'interrupted', job }));
      const roots = [...jobs, ...this.store.all().map((entry) => this.rootFor(entry))];
      setTimeout(() => this.rootsListed.fire(), 0); // once VS Code has taken them in
      return roots;
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
      case 'members':
        return this.memberRows(node.entry, '');
      case 'member':
        return this.memberRows(node.entry, node.row.path);
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
    for (const [i, warning] of s.warnings.entries())
      nodes.push(errorNode(`${entry.path}#warning:${i}`, warning, 'warning'));
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
    if (s.memberCount !== null || (TAR_NAME.test(entry.path) && !s.problem))
      nodes.push({ kind: 'members', entry, count: s.memberCount });
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
      const findings = entry.verification?.result?.indexFindings ?? [];
      return [
        ...findings.map((f, i) => errorNode(`${id}#finding:${i}`, f.message)),
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

  /** One folder's children: only this level is asked for, however big the archive. */
  private async memberRows(entry: ArchiveEntry, folder: string): Promise<ArchiveNode[]> {
    try {
      const { rows } = await this.store.members(entry, folder);
      return rows.map((row) => ({ kind: 'member', entry, row }));
    } catch (err) {
      return [errorNode(`${entry.path}#members:${folder}#error`, errorText(err))];
    }
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
    return treeItem(node);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.rootsListed.dispose();
  }
}
