/** `chunkpress`'s commands: the engine in a terminal, for scripts and CI (started by cli/main.ts). */
/* eslint-disable @typescript-eslint/no-require-imports -- each command's modules are loaded when it runs */
import { parseCli, USAGE, type Args } from './args';
import type { CompressPlan } from './compressCommand';
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
    // Each command's modules are loaded when it runs: reading one member does not load the
    // compression engine (12 ms of a 70 ms run).
    if (args === 'version') {
      const { zstdVersion } = require('../engine/codec/codec') as typeof import('../engine/codec/codec');
      const { bgzfEngine } = require('../engine/codec/libdeflate') as typeof import('../engine/codec/libdeflate');
      process.stdout.write(`chunkpress ${CHUNKPRESS_VERSION}, zstd ${zstdVersion()}, BGZF by ${bgzfEngine()}\n`);
      return 0;
    }
    if (args.command === 'inspect')
      return await (require('./inspectCommand') as typeof import('./inspectCommand')).inspectFiles(args);
    if (args.command === 'list')
      return await (require('./memberCommands') as typeof import('./memberCommands')).listArchive(args);
    if (args.command === 'cat')
      return await (require('./memberCommands') as typeof import('./memberCommands')).catMembers(args);
    if (args.command === 'grep')
      return await (require('./grepCommand') as typeof import('./grepCommand')).grepArchive(args);
    if (args.command === 'status')
      return await (require('./statusCommand') as typeof import('./statusCommand')).showStatus(args);
    if (args.command === 'extract' && args.offset === undefined)
      return await (require('./extractCommand') as typeof import('./extractCommand')).extractMembers(args);
    if (args.command !== 'compress')
      return await (require('./decodeCommands') as typeof import('./decodeCommands')).decodeFiles(args);
    jobs = (require('./compressCommand') as typeof import('./compressCommand')).planCompress(args);
  } catch (err) {
    process.stderr.write(
      `chunkpress: ${(err as Error).message}\n${err instanceof UsageError ? 'Try chunkpress --help\n' : ''}`,
    );
    return 2;
  }
  try {
    return await (require('./compressCommand') as typeof import('./compressCommand')).compressAll(args, jobs);
  } finally {
    // A cancelled job may leave a read of stdin waiting on its writer, which would keep this
    // process (and a writer blocked on the full pipe) alive until that writer ends.
    if (args.files.includes('-')) process.stdin.destroy();
  }
}
