/** The texts of the Members view's rows: what a member is, from its index entry alone. */
import type { ManifestMember } from '../../../server/src/engine/format/manifest';
import { formatSize } from '../../../server/src/engine/sizes';
import { modeString, mtimeText } from '../../../server/src/memberText';
import type { MemberRow } from '../../../server/src/protocol';

/** Tar archives by name: what the Members node is offered for before the archive is read. */
export const TAR_NAME = /\.(tar\.zst|tzst|tar\.gz|tgz|tar)$/i;

/** "12.3 KiB · 2026-12-02 16:44 · -rw-r--r--"; a link's target; a folder's child count. */
export function memberDescription(row: MemberRow): string {
  const m = row.member;
  if (!m) return `${row.children} item${row.children === 1 ? '' : 's'}`;
  const when = mtimeText(m);
  const mode = modeString(m.type, m.mode);
  if (m.type === 'directory') return `${row.children} item${row.children === 1 ? '' : 's'} · ${when} · ${mode}`;
  if (m.type === 'symlink') return `→ ${m.link} · ${mode}`;
  if (m.type === 'hardlink') return `hard link to ${m.link}`;
  return `${formatSize(m.size)} · ${when} · ${mode}`;
}

/** Everything the index says of it: header and data offsets, frame, owners, SHA-256. */
export function memberTooltip(row: MemberRow): string {
  const m: ManifestMember | null = row.member;
  if (!m) return `${row.path}/\nA folder that the archive implies (its members are in it) but does not list.`;
  const lines = [
    `${m.path}${m.type === 'directory' ? '/' : ''}`,
    `${m.type}, ${modeString(m.type, m.mode)} (0${m.mode.toString(8)}), ${m.uname || m.uid}/${m.gname || m.gid}`,
  ];
  if (m.type === 'file') lines.push(`${formatSize(m.size)} (${m.size} B)`);
  if (m.link !== null) lines.push(`${m.type === 'symlink' ? 'Points to' : 'Same file as'} ${m.link}`);
  lines.push(`Modified ${new Date(m.mtime * 1000 + Math.floor(m.mtimeNs / 1e6)).toISOString()}`);
  lines.push(`Header at tar byte ${m.headerOffset}, content at ${m.dataOffset}; starts in frame ${m.frame}`);
  if (m.sha256) lines.push(`SHA-256 ${m.sha256}`);
  return lines.join('\n');
}
