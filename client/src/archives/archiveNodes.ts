/** The nodes of the Archives view: what each row stands for, before it is drawn. */
import type { BlockRow } from '../../../server/src/engine/inspection/frameDetail';
import type { FrameRow } from '../../../server/src/engine/inspection/inspect';
import {
  blockTooltip,
  frameTooltip,
  seekEntryDescription,
  skippableDescription,
  skippableLabel,
  type Field,
} from './archiveRows';
import { verificationTooltip } from './verificationRows';
import type { ArchiveEntry } from './archiveStore';
import type { InterruptedJobInfo, MemberRow } from '../../../server/src/protocol';

/** Rows per page: frames, blocks, seek table entries and digests beyond this come in pages. */
export const PAGE_SIZE = 200;

export type Paged = 'frames' | 'entries' | 'skippable' | 'digests';

export type ArchiveNode =
  | { kind: 'archive'; entry: ArchiveEntry }
  | { kind: 'error'; id: string; message: string; severity: 'error' | 'warning' }
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
  | { kind: 'verification'; entry: ArchiveEntry }
  /** A tar archive's members, as a folder tree; `count` null until a foreign tar has been read. */
  | { kind: 'members'; entry: ArchiveEntry; count: number | null }
  | { kind: 'member'; entry: ArchiveEntry; row: MemberRow }
  /** A compression that did not end, to resume or discard. */
  | { kind: 'interrupted'; job: InterruptedJobInfo };

export function errorNode(id: string, message: string, severity: 'error' | 'warning' = 'error'): ArchiveNode {
  return { kind: 'error', id, message, severity };
}

export function fieldNodes(prefix: string, fields: Field[]): ArchiveNode[] {
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
    case 'member':
      return node.row.path;
    case 'interrupted':
      return node.job.target ?? node.job.journal;
    default:
      return undefined;
  }
}
