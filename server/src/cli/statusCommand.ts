/** `chunkpress status [DIR...]`: the interrupted jobs there, how far they got and when they stopped. */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { describeInterrupted, findInterrupted, partialOf, type InterruptedJob } from '../engine/io/interruptedJobs';
import { formatSize } from '../engine/sizes';
import type { Args } from './args';
import { journalProgress } from '../engine/format/jobJournal';
import { EXTRACT_JOURNAL } from '../engine/extraction/extractJournal';

export async function showStatus(args: Args): Promise<number> {
  const dirs = args.files.length > 0 ? args.files : ['.'];
  let found = 0;
  for (const dir of dirs) {
    for (const job of await jobsIn(path.resolve(dir))) {
      if (job.running) continue;
      found++;
      const target = job.journal?.header.target ?? job.journalPath;
      const progress = job.journal && journalProgress(job.journal);
      if (args.json) {
        process.stdout.write(
          `${JSON.stringify({
            target,
            journal: job.journalPath,
            job: job.journal?.header.job,
            partial: job.journal && partialOf(job.journal.header),
            partialSize: job.partialSize,
            source: job.journal?.header.source.path,
            chunksDone: progress?.done,
            totalChunks: progress?.total,
            stoppedAt: new Date(job.modifiedMs).toISOString(),
            problem: job.problem,
          })}\n`,
        );
        continue;
      }
      const header = job.journal?.header;
      const source = !header
        ? ''
        : header.job === 'extract'
          ? ` (extracting ${header.source.path})`
          : ` from ${header.source.path}`;
      const size =
        header?.job === 'extract'
          ? `${job.journal!.extracted} file${job.journal!.extracted === 1 ? '' : 's'} complete`
          : job.partialSize === undefined
            ? 'no partial file'
            : `${formatSize(job.partialSize)} written`;
      process.stdout.write(`${target}${source}: ${describeInterrupted(job).replace(/^was /, '')}, ${size}\n`);
    }
  }
  if (found === 0 && !args.json) process.stdout.write(`No interrupted jobs in ${dirs.join(', ')}\n`);
  return 0;
}

/** The jobs whose journals are in `dir`, and the extractions into its folders (their journals are inside them). */
async function jobsIn(dir: string): Promise<InterruptedJob[]> {
  const jobs = await findInterrupted(dir);
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1)))
    for (const job of await findInterrupted(path.join(dir, e.name)))
      if (job.journalPath.endsWith(EXTRACT_JOURNAL)) jobs.push(job);
  return jobs;
}
