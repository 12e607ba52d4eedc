/** `chunkpress`'s commands: the engine in a terminal, for scripts and CI (started by cli/main.ts). */
import { zstdVersion } from '../engine/codec/codec';
import { bgzfEngine } from '../engine/codec/libdeflate';
import { parseCli, USAGE, type Args } from './args';
import { compressAll, planCompress, type CompressPlan } from './compressCommand';
import { decodeFiles } from './decodeCommands';
import { inspectFiles } from './inspectCommand';
import { extractMembers } from './extractCommand';
import { grepArchive } from './grepCommand';
import { showStatus } from './statusCommand';
import { catMembers, listArchive } from './memberCommands';
import { UsageError } from './usageError';

/** package.json's version, set by esbuild (scripts/build.mjs). */
declare const CHUNKPRESS_VERSION: string;

export async function main(argv: string[]): Promise<number> {
  let args: Args | 'help' | 'version';
  let jobs: CompressPlan;
  try {
    args = parseCli(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return argv.length === 0 ? 1 : 0;
    }
    if (args === 'version') {
      process.stdout.write(`chunkpress ${CHUNKPRESS_VERSION}, zstd ${zstdVersion()}, BGZF by ${bgzfEngine()}\n`);
      return 0;
    }
    if (args.command === 'inspect') return await inspectFiles(args);
    if (args.command === 'list') return await listArchive(args);
    if (args.command === 'cat') return await catMembers(args);
    if (args.command === 'grep') return await grepArchive(args);
    if (args.command === 'status') return await showStatus(args);
    if (args.command === 'extract' && args.offset === undefined) return await extractMembers(args);
    if (args.command !== 'compress') return await decodeFiles(args);
    jobs = planCompress(args);
  } catch (err) {
    process.stderr.write(
      `chunkpress: ${(err as Error).message}\n${err instanceof UsageError ? 'Try chunkpress --help\n' : ''}`,
    );
    return 2;
  }
  try {
    return await compressAll(args, jobs);
  } finally {
    // A cancelled job may leave a read of stdin waiting on its writer, which would keep this
    // process (and a writer blocked on the full pipe) alive until that writer ends.
    if (args.files.includes('-')) process.stdin.destroy();
  }
}
