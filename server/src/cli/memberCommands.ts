/** `chunkpress list` and `chunkpress cat`: a tar archive's members, and their content. */
import * as fs from 'node:fs';
import type { Args } from './args';
import { decode } from '../engine/decoding/decompress';
import type { ChunkpressError } from '../engine/errors';
import type { ManifestMember } from '../engine/format/manifest';
import type { MemberIndex } from '../engine/format/memberIndex';
import { archiveMembers, contentMember } from '../engine/tar/tarIndex';
import { runInputs } from './runInputs';
import { stdoutDescriptor, stdoutReaderGone } from './stdio';

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

/** One line as `tar -tv` prints it: mode, owner/group, size, local mtime to the minute, path. */
export function listLine(m: ManifestMember): string {
  const d = new Date(m.mtime * 1000);
  const when = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const owner = `${m.uname || m.uid}/${m.gname || m.gid}`;
  const name = m.type === 'directory' ? `${m.path}/` : m.path;
  const link = m.type === 'symlink' ? ` -> ${m.link}` : m.type === 'hardlink' ? ` link to ${m.link}` : '';
  return `${modeString(m.type, m.mode)} ${owner} ${String(m.size).padStart(8)} ${when} ${name}${link}`;
}

export async function listArchive(args: Args): Promise<number> {
  const file = args.files[0];
  return runInputs(1, {
    json: args.json,
    name: () => file,
    errorLine: (_, message) => `chunkpress: ${message}\n`,
    async run(_, pool, signal) {
      const { members } = await archiveMembers(file, { pool, signal });
      // A kernel tree is 84,000 lines: written in pieces, not a line per write.
      let out = '';
      for (let i = 0; i < members.count; i++) {
        const m = members.member(i);
        out += args.json ? `${JSON.stringify(m)}\n` : `${listLine(m)}\n`;
        if (out.length > 1 << 16) {
          process.stdout.write(out);
          out = '';
        }
      }
      process.stdout.write(out);
      return true;
    },
  });
}

/** Each member's content to stdout in turn, decoding only the frames that hold it. */
export async function catMembers(args: Args): Promise<number> {
  const [file, ...wanted] = args.files;
  const fd = stdoutDescriptor();
  let members: MemberIndex | undefined;
  return runInputs(wanted.length, {
    json: false,
    name: (i) => wanted[i],
    nothingToCleanUp: () => true,
    errorLine: (_, message) => `chunkpress: ${message}\n`,
    async run(i, pool, signal) {
      // The index is read once, for the first member: a foreign archive's takes a pass over it.
      members ??= (await archiveMembers(file, { pool, signal })).members;
      const member = contentMember(file, members, wanted[i]);
      if (member.size === 0) return true;
      await decode({
        input: file,
        output:
          fd === undefined
            ? { kind: 'stream', stream: process.stdout, label: 'stdout' }
            : { kind: 'descriptor', fd, label: 'stdout' },
        range: { offset: member.dataOffset, length: member.size },
        pool,
        threads: args.threads,
        signal,
      }).catch((err: unknown) => {
        if ((err as ChunkpressError).code === 'EPIPE') stdoutReaderGone();
        throw err;
      });
      return true;
    },
  }).finally(() => {
    if (fd !== undefined && fd !== 1) fs.closeSync(fd);
  });
}
