/**
 * The members of a tar archive, wherever they come from: a Chunkpress archive's own index (its
 * manifest, nothing decoded), or, for any other .tar.zst, .tar.gz or .tar, one pass over its tar
 * headers through a decoding stream (foreignIndex.ts).
 */
import { ChunkpressError } from '../errors';
import type { MemberIndex } from '../format/memberIndex';
import { inspectArchive, type ArchiveInfo } from '../inspection/inspect';
import { walkTarMembers, type WalkOptions } from './foreignIndex';

export interface ArchiveMembers {
  info: ArchiveInfo;
  members: MemberIndex;
  /** `index`: the archive's own (a Chunkpress tree); `walk`: found by reading every header. */
  via: 'index' | 'walk';
}

/**
 * The archive's members: from its own index when it has one (nothing is decoded), else by reading
 * every tar header (foreignIndex.ts).
 */
export async function archiveMembers(file: string, options: WalkOptions): Promise<ArchiveMembers> {
  const info = await inspectArchive(file);
  const members = info.manifest?.members;
  if (members && !info.problem) return { info, members, via: 'index' };
  return walkTarMembers(info, options);
}

/**
 * Member `path` of `index` for reading its content: a hard link leads to the member it names; a
 * folder or a symlink has no content to read, and a path that is not there is an error naming both.
 */
export function contentMember(file: string, index: MemberIndex, path: string): ReturnType<MemberIndex['content']> {
  const at = index.find(path);
  if (at === undefined) throw new ChunkpressError(`"${file}" has no member "${path}"`, 'ENOENT', file);
  let member = index.content(at);
  for (let hops = 0; member.type === 'hardlink' && hops < 8; hops++) {
    const target = index.find(member.link ?? '');
    if (target === undefined)
      throw new ChunkpressError(
        `"${file}": "${path}" is a hard link to "${member.link}", which it does not hold`,
        'EFORMAT',
        file,
      );
    member = index.content(target);
  }
  if (member.type === 'directory') throw new ChunkpressError(`"${file}": "${path}" is a folder`, 'EISDIR', file);
  if (member.type === 'symlink')
    throw new ChunkpressError(
      `"${file}": "${path}" is a symlink to "${member.link}", with no content of its own`,
      'EINVAL',
      file,
    );
  if (member.type !== 'file') throw new ChunkpressError(`"${file}": "${path}" has no content`, 'EINVAL', file);
  return member;
}
