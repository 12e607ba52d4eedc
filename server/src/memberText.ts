/** Members as text, shared by the CLI (`chunkpress list`) and the Members view. */
import type { ManifestMember } from './engine/format/manifest';

const TYPE_CHAR: Record<ManifestMember['type'], string> = { file: '-', directory: 'd', symlink: 'l', hardlink: 'h' };

/** `drwxr-xr-x`, with set-id and sticky bits as ls shows them. */
export function modeString(type: ManifestMember['type'], mode: number): string {
  const bit = (mask: number, c: string): string => (mode & mask ? c : '-');
  const exec = (x: number, special: number, set: string): string =>
    mode & special ? (mode & x ? set : set.toUpperCase()) : bit(x, 'x');
  return (
    TYPE_CHAR[type] +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    exec(0o100, 0o4000, 's') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    exec(0o010, 0o2000, 's') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    exec(0o001, 0o1000, 't')
  );
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The last time shown: the members of a tree mostly share a few (a listing's lines ask in turn). */
let lastTime: { mtime: number; text: string } | undefined;

/** "2026-12-02 16:44", local time, as tar -tv shows it. */
export function mtimeText(m: Pick<ManifestMember, 'mtime'>): string {
  if (lastTime?.mtime === m.mtime) return lastTime.text;
  const d = new Date(m.mtime * 1000);
  const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  lastTime = { mtime: m.mtime, text };
  return text;
}

/** What a listing line shows of a member. */
export type ListedMember = Pick<
  ManifestMember,
  'path' | 'type' | 'mode' | 'size' | 'mtime' | 'uid' | 'gid' | 'uname' | 'gname' | 'link'
>;

/** One line as `tar -tv` prints it: mode, owner/group, size, local mtime to the minute, path. */
export function listLine(m: ListedMember): string {
  const when = mtimeText(m);
  const owner = `${m.uname || m.uid}/${m.gname || m.gid}`;
  const name = m.type === 'directory' ? `${m.path}/` : m.path;
  const link = m.type === 'symlink' ? ` -> ${m.link}` : m.type === 'hardlink' ? ` link to ${m.link}` : '';
  return `${modeString(m.type, m.mode)} ${owner} ${String(m.size).padStart(8)} ${when} ${name}${link}`;
}
