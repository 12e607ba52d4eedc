/**
 * User and group names by id, for tar's uname and gname, from /etc/passwd and /etc/group (Node
 * has no getpwuid). An id without a name, or a system without those files, gives '' as tar writes.
 */
import * as fs from 'node:fs/promises';

export interface OwnerNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** "name:x:id:..." lines into a map of id to name. */
export function parseIdFile(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    const n = Number(id);
    if (name && !line.startsWith('#') && Number.isInteger(n) && !names.has(n)) names.set(n, name);
  }
  return names;
}

export async function ownerNames(): Promise<OwnerNames> {
  const read = (file: string): Promise<Map<number, string>> =>
    fs.readFile(file, 'utf8').then(parseIdFile, () => new Map<number, string>());
  const [users, groups] = await Promise.all([read('/etc/passwd'), read('/etc/group')]);
  return { user: (uid) => users.get(uid) ?? '', group: (gid) => groups.get(gid) ?? '' };
}
