/** `chunkpress status [DIR...]`: the interrupted jobs there, how far they got and when they stopped. */
import * as path from 'node:path';
import { describeInterrupted } from '../engine/compression/compress';
import { findInterrupted } from '../engine/io/journalFile';
import { formatSize } from '../engine/sizes';
import type { Args } from './args';

export async function showStatus(args: Args): Promise<number> {
  const dirs = args.files.length > 0 ? args.files : ['.'];
  let found = 0;
  for (const dir of dirs) {
    for (const job of await findInterrupted(path.resolve(dir))) {
      if (job.running) continue;
      found++;
      const target = job.journal?.header.target ?? job.journalPath;
      if (args.json) {
        process.stdout.write(
          `${JSON.stringify({
            target,
            journal: job.journalPath,
            partial: job.journal?.header.partial,
            partialSize: job.partialSize,
            source: job.journal?.header.source.path,
            chunksDone: job.journal?.frames.length,
            totalChunks: job.journal?.header.totalChunks,
            stoppedAt: new Date(job.modifiedMs).toISOString(),
            problem: job.problem,
          })}\n`,
        );
        continue;
      }
      const source = job.journal ? ` from ${job.journal.header.source.path}` : '';
      const size = job.partialSize === undefined ? 'no partial file' : `${formatSize(job.partialSize)} written`;
      process.stdout.write(`${target}${source}: ${describeInterrupted(job).replace(/^was /, '')}, ${size}\n`);
    }
  }
  if (found === 0 && !args.json) process.stdout.write(`No interrupted jobs in ${dirs.join(', ')}\n`);
  return 0;
}
