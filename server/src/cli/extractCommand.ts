/** `chunkpress extract ARCHIVE [MEMBER...]`: members into a folder, as `tar -x` does, but safely. */
import type { Args } from './args';
import { extractArchive, type ExtractResult } from '../engine/extraction/extractArchive';
import { formatDuration, formatRate, formatSize } from '../engine/sizes';
import { runInputs } from './runInputs';
import { withHint } from './interruptedHint';

export async function extractMembers(args: Args): Promise<number> {
  const [file, ...members] = args.files;
  return runInputs(1, {
    json: args.json,
    name: () => file,
    errorLine: (_, message) =>
      `chunkpress: ${message.replace('(-f overwrites it)', '(-f replaces it, --keep leaves it)')}\n`,
    async run(_, pool, signal) {
      const result = await extractArchive({
        archive: file,
        target: args.directory ?? '.',
        members: members.length > 0 ? members : undefined,
        overwrite: args.force ? 'replace' : args.keep ? 'skip' : 'stop',
        sameOwner: args.sameOwner,
        keepSetuid: args.preservePermissions,
        pool,
        threads: args.threads,
        signal,
        resume: args.resume ? 'resume' : args.discard ? 'discard' : undefined,
      }).catch((err: unknown) => {
        throw withHint(err);
      });
      for (const r of result.refused)
        process.stderr.write(`chunkpress: ${file}: ${r.member}: not extracted: ${r.reason}\n`);
      for (const w of result.warnings) process.stderr.write(`chunkpress: warning: ${w}\n`);
      if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else if (!args.quiet) process.stderr.write(`${summary(file, result)}\n`);
      return result.refused.length === 0;
    },
  });
}

function summary(file: string, r: ExtractResult): string {
  const what = [
    `${r.files} file${r.files === 1 ? '' : 's'}`,
    `${r.folders} folder${r.folders === 1 ? '' : 's'}`,
    ...(r.links > 0 ? [`${r.links} link${r.links === 1 ? '' : 's'}`] : []),
  ].join(', ');
  const also = [
    ...(r.resumedFiles !== undefined ? [`resumed: ${r.resumedFiles} already extracted kept`] : []),
    ...(r.kept > 0 ? [`${r.kept} existing kept`] : []),
    ...(r.refused.length > 0 ? [`${r.refused.length} refused`] : []),
  ];
  return `${file}: ${what} (${formatSize(r.bytes)}) -> ${r.target} in ${formatDuration(r.elapsedMs)} at ${formatRate(r.bytesPerSecond)} (${r.mode === 'parallel' ? `${r.threads} thread${r.threads === 1 ? '' : 's'}` : 'one pass'})${also.length ? `; ${also.join(', ')}` : ''}`;
}
