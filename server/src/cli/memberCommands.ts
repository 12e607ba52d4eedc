/** `chunkpress list` and `chunkpress cat`: a tar archive's members, and their content. */
import * as fs from 'node:fs';
import type { Args } from './args';
import { decode } from '../engine/decoding/decompress';
import type { ChunkpressError } from '../engine/errors';
import { listLine } from '../memberText';
import { archiveMembers, contentMember, type ArchiveMembers } from '../engine/tar/tarIndex';
import { runInputs } from './runInputs';
import { stdoutDescriptor, stdoutReaderGone } from './stdio';

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
        out += args.json ? `${JSON.stringify(members.member(i))}\n` : `${listLine(members.listed(i))}\n`;
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
  let index: ArchiveMembers | undefined;
  return runInputs(wanted.length, {
    json: false,
    name: (i) => wanted[i],
    nothingToCleanUp: () => true,
    errorLine: (_, message) => `chunkpress: ${message}\n`,
    async run(i, pool, signal) {
      // The index is read once, for the first member: a foreign archive's takes a pass over it.
      index ??= await archiveMembers(file, { pool, signal });
      const member = contentMember(file, index.members, wanted[i]);
      if (member.size === 0) return true;
      await decode({
        input: file,
        inspected: index.info,
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
