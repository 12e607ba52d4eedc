/** `chunkpress grep PATTERN ARCHIVE [MEMBER...]`: grep's output for the archive's files, without extracting them. */
import type { Args } from './args';
import type { ChunkpressError } from '../engine/errors';
import { searchArchive } from '../engine/search/searchArchive';
import { runInputs } from './runInputs';
import { stdoutReaderGone } from './stdio';

/** Output is gathered into pieces of this size: a search can print millions of lines. */
const FLUSH = 1 << 16;

export async function grepArchive(args: Args): Promise<number> {
  const grep = args.grep!;
  const [archive, ...members] = args.files;
  let out = '';
  const flush = (): void => {
    if (out === '') return;
    process.stdout.write(out);
    out = '';
  };
  let failed = false;
  const status = await runInputs(1, {
    json: false,
    name: () => archive,
    nothingToCleanUp: () => true,
    errorLine: (_, message) => `chunkpress: ${message}\n`,
    async run(_, pool, signal) {
      try {
        const result = await searchArchive({
          archive,
          pattern: {
            pattern: grep.pattern,
            regex: !grep.fixed,
            ignoreCase: grep.ignoreCase,
            maxPerMember: grep.filesWithMatches ? 1 : undefined,
            countOnly: grep.count || grep.filesWithMatches,
          },
          members: members.length > 0 ? members : undefined,
          pool,
          threads: args.threads,
          signal,
          onMember: (path, found) => {
            if (grep.count) out += `${path}:${found.count}\n`;
            else if (found.count === 0) return;
            else if (grep.filesWithMatches) out += `${path}\n`;
            else if (found.binary) out += `Binary file ${path} matches\n`;
            else for (const m of found.matches) out += `${path}:${m.line}:${m.text}\n`;
            if (out.length > FLUSH) flush();
          },
        });
        flush();
        return result.lines > 0;
      } catch (err) {
        if ((err as ChunkpressError).code === 'EPIPE') stdoutReaderGone();
        failed = true;
        throw err;
      }
    },
  });
  return failed && status !== 130 && status !== 141 ? 2 : status;
}
