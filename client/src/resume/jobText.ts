/** How an interrupted job is named to the user, by what it was doing. */
import * as path from 'node:path';
import type { InterruptedJobInfo } from '../../../server/src/protocol';

/** Its row's label: what it was making (an extraction: from what, into which folder). */
export function jobLabel(job: InterruptedJobInfo): string {
  if (!job.target) return path.basename(job.journal);
  if (job.job === 'extract' && job.source) return `${path.basename(job.source)} → ${path.basename(job.target)}/`;
  return path.basename(job.target);
}

/** The subject of "… was interrupted at 45%": "big.log.zst", "Extracting nm.tar.zst into out". */
export function jobSubject(job: InterruptedJobInfo): string {
  const target = path.basename(job.target ?? job.journal);
  const source = job.source ? path.basename(job.source) : undefined;
  if (job.job === 'extract' && source) return `Extracting ${source} into ${target}`;
  if (job.job === 'decompress' && source) return `Decompressing ${source} into ${target}`;
  return target;
}

/** What Resume does for it. */
export function resumeHint(job: InterruptedJobInfo): string {
  if (job.job === 'extract')
    return 'Resume checks the files already extracted against the archive, keeps those that match and extracts the rest.';
  if (job.job === 'decompress')
    return "Resume checks each frame already written against the archive's checksums, keeps those that match and decodes the rest.";
  return 'Resume goes on after its last complete chunk, once it has been checked against the source.';
}
