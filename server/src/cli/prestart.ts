/**
 * The workers a CLI command will want, worked out from its arguments before the engine loads, so
 * that they boot while the rest of the CLI does (engine/pool/workerPrestart.ts). A guess that is too
 * high costs an idle worker's start; one-lane jobs run in the CLI's own thread and get none.
 */
import * as fs from 'node:fs';
import type { Args } from './args';
import { DEFAULT_CHUNK_SIZE } from '../engine/compression/compressOptions';
import { SEEK_TABLE_FOOTER_SIZE } from '../engine/format/constants';
import { parseSeekFooter } from '../engine/format/seekTable';
import { MAX_THREADS } from '../engine/pool/threadPlan';

export interface InputProbe {
  /** A regular file's size; undefined for anything else (missing, a folder, a pipe). */
  fileSize(file: string): number | undefined;
  /** The frame count in a seekable archive's footer; undefined if it has none. */
  seekableFrames(file: string): number | undefined;
}

/** Lanes of the widest job among `args`' inputs; 0 when each would run on one lane. */
export function lanesAhead(args: Args, cores: number, probe: InputProbe = fileProbe): number {
  const cap = Math.min(cores, MAX_THREADS, args.threads ?? Infinity);
  let lanes = 0;
  for (const file of args.files) {
    let frames: number | undefined;
    if (args.command === 'compress') {
      // A stream's length is unknown: it is planned for every core.
      const size = file === '-' ? Infinity : probe.fileSize(file);
      frames = size === undefined ? undefined : Math.ceil(size / (args.chunkSize ?? DEFAULT_CHUNK_SIZE));
    } else if (args.command === 'decompress' || args.command === 'verify') {
      frames = probe.seekableFrames(file);
    }
    lanes = Math.max(lanes, Math.min(cap, frames ?? 0));
  }
  return lanes >= 2 ? lanes : 0;
}

const fileProbe: InputProbe = {
  fileSize(file) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    return stat?.isFile() ? stat.size : undefined;
  },
  seekableFrames(file) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r');
      const size = fs.fstatSync(fd).size;
      const footer = Buffer.alloc(SEEK_TABLE_FOOTER_SIZE);
      fs.readSync(fd, footer, 0, footer.length, Math.max(0, size - footer.length));
      return parseSeekFooter(footer, size)?.frames;
    } catch {
      return undefined; // the command itself reports what is wrong with the file
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
};
