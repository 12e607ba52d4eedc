/**
 * Extraction of a tar with no index of its own (any .tar.zst, .tar.gz or .tar from elsewhere): one
 * pass, as tar makes it, with each member's content written as it passes. Before a file's first
 * byte, its declared size is weighed against the space left, so a header that claims a terabyte
 * is refused rather than believed.
 */
import * as fs from 'node:fs';
import { describeFsError } from '../errors';
import { formatSize } from '../sizes';
import { TarReader, type TarRecord } from '../format/tarReader';
import type { ArchiveInfo } from '../inspection/inspect';
import type { WorkerPool } from '../pool/pool';
import { writeAllSync } from '../io/fileWrites';
import { readTar } from '../tar/foreignIndex';
import { finishFile, spaceRefusal, type Extraction, type FileAction } from './extraction';
import type { ExtractMeter } from './extractMeter';
import type { ExtractJournal } from './extractJournal';
import { diskBytes } from './targetTree';

const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

type TarEvent = { kind: 'member'; record: TarRecord } | { kind: 'content'; bytes: Uint8Array };

export async function extractStream(
  x: Extraction,
  info: ArchiveInfo,
  run: { pool: WorkerPool; signal?: AbortSignal; meter: ExtractMeter; freeBytes: number; journal: ExtractJournal },
): Promise<void> {
  const { meter } = run;
  const events: TarEvent[] = [];
  const reader = new TarReader(
    (record) => events.push({ kind: 'member', record }),
    (bytes) => events.push({ kind: 'content', bytes }),
  );
  /**
   * The file being written; `comparing` while it is an interrupted run's whose bytes so far are
   * the archive's (read back and compared, not written), until the first that is not.
   */
  let open: { fd: number; left: number; file: FileAction; comparing: boolean } | undefined;
  let scratch: Buffer | undefined;
  let claimed = 0;
  meter.files = { done: 0, total: 0, current: undefined };
  const close = (): void => {
    const { fd, file, comparing } = open!;
    open = undefined;
    try {
      // An interrupted run's file may be longer than the member.
      if (file.resumed) fs.ftruncateSync(fd, file.size);
      fs.closeSync(fd);
    } catch (err) {
      throw describeFsError(err, file.final, 'write');
    }
    finishFile(file);
    if (file.resumed && comparing) {
      x.resumedFiles++;
      meter.resumedBytes += file.size;
    }
    meter.files!.done++;
  };
  /** Whether the file at `fd` holds `bytes` at `position`. */
  const holds = (fd: number, bytes: Uint8Array, position: number): boolean => {
    if (!scratch || scratch.length < bytes.length) scratch = Buffer.allocUnsafe(Math.max(bytes.length, 1 << 16));
    let read = 0;
    while (read < bytes.length) {
      const n = fs.readSync(fd, scratch, read, bytes.length - read, position + read);
      if (n === 0) return false;
      read += n;
    }
    return scratch.subarray(0, bytes.length).equals(bytes);
  };
  const take = async (bytes: Buffer): Promise<void> => {
    reader.push(bytes);
    for (const event of events.splice(0)) {
      if (event.kind === 'content') {
        if (!open) continue; // a member not extracted: its content is passed over
        const at = open.file.size - open.left;
        try {
          if (open.comparing && !holds(open.fd, event.bytes, at)) open.comparing = false;
          if (!open.comparing) writeAllSync(open.fd, event.bytes, at);
        } catch (err) {
          throw describeFsError(err, open.file.final, 'write');
        }
        open.left -= event.bytes.length;
        meter.bytesOut += event.bytes.length;
        if (open.left === 0) close();
        continue;
      }
      const r = event.record;
      if (r.type === 'file' && diskBytes(r.size) + claimed > run.freeBytes && x.wants(r.path))
        throw spaceRefusal(
          `Extracting "${info.file}" needs more than the ${formatSize(run.freeBytes)} free where "${x.tree.root}" is: "${r.path}" declares ${formatSize(r.size)}${claimed > 0 ? ` after ${formatSize(claimed)} before it` : ''}; nothing was extracted`,
          x.tree.root,
        );
      const file = await x.admit(r);
      if (!file) continue;
      claimed += diskBytes(file.size);
      meter.files!.total++;
      meter.files!.current = file.rel;
      run.journal.progress(meter.files!.done);
      let fd: number;
      try {
        fd = file.resumed
          ? fs.openSync(file.path, O_RDWR | O_NOFOLLOW)
          : fs.openSync(file.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      } catch (err) {
        throw describeFsError(err, file.final, 'create');
      }
      open = { fd, left: file.size, file, comparing: file.resumed === true };
      if (file.size === 0) close();
    }
  };
  try {
    await readTar(
      info,
      {
        pool: run.pool,
        signal: run.signal,
        onProgress: (read) => {
          meter.bytesIn = read;
          meter.report();
        },
      },
      reader,
      take,
    );
  } finally {
    if (open) fs.closeSync(open.fd);
  }
  run.journal.flush(meter.files.done);
  await x.finishLinks();
}
