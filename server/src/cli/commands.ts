/** `chunkpress`'s commands: the engine in a terminal, for scripts and CI (started by cliMain.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compress, type CompressInput, type CompressOutput, type CompressResult } from '../engine/compression/compress';
import { zstdVersion } from '../engine/codec/codec';
import { ChunkpressError } from '../engine/errors';
import { describeFrame } from '../engine/inspection/frameDetail';
import { inspectArchive, problemError } from '../engine/inspection/inspect';
import type { ProgressSnapshot } from '../engine/progress';
import { formatDuration, formatRate, formatSize } from '../engine/sizes';
import { summarize } from '../engine/compression/summary';
import { parseCli, USAGE, type Args } from './args';
import { decodeFiles } from './decodeCommands';
import { runInputs } from './runInputs';
import { frameReport, inspectReport } from '../engine/inspection/inspectReport';
import { UsageError } from './usageError';

/** package.json's version, set by esbuild (scripts/build.mjs). */
declare const CHUNKPRESS_VERSION: string;

function plan(args: Args): Array<{ input: CompressInput; output: CompressOutput }> {
  const toStdout =
    args.output === '-' || (args.output === undefined && args.files.length === 1 && args.files[0] === '-');
  if (toStdout && args.files.length > 1) throw new UsageError('only one input can go to stdout');
  if (toStdout && process.stdout.isTTY)
    throw new UsageError('refusing to write compressed data to a terminal; use -o FILE');
  let outputDir: string | undefined;
  if (args.files.length > 1 && args.output !== undefined) {
    if (!fs.statSync(args.output, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`with several inputs, -o must name an existing folder ("${args.output}" is not one)`);
    }
    outputDir = args.output;
  }
  return args.files.map((file) => {
    const input: CompressInput =
      file === '-' ? { kind: 'stream', stream: process.stdin, name: 'stdin' } : { kind: 'file', path: file };
    if (toStdout) return { input, output: { kind: 'stream', stream: process.stdout, label: 'stdout' } };
    const target =
      outputDir !== undefined
        ? path.join(outputDir, `${path.basename(file)}.zst`)
        : (args.output ?? (file === '-' ? 'stdin.zst' : `${file}.zst`));
    return { input, output: { kind: 'file', path: target, overwrite: args.force } };
  });
}

function progressLine(name: string, s: ProgressSnapshot): string {
  const pct = s.totalBytes ? ` ${Math.floor((100 * s.bytesIn) / s.totalBytes)}%` : '';
  const chunks = s.totalChunks !== undefined ? `${s.chunksDone}/${s.totalChunks}` : `${s.chunksDone}`;
  const eta = s.etaMs !== undefined ? ` · ETA ${formatDuration(s.etaMs)}` : '';
  return `${name}${pct} · ${chunks} chunks · ${formatSize(s.bytesIn)} -> ${formatSize(s.bytesOut)} · ${formatRate(s.bytesPerSecond)}${eta}`;
}

export async function main(argv: string[]): Promise<number> {
  let args: Args | 'help' | 'version';
  let jobs: ReturnType<typeof plan>;
  try {
    args = parseCli(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return argv.length === 0 ? 1 : 0;
    }
    if (args === 'version') {
      process.stdout.write(`chunkpress ${CHUNKPRESS_VERSION}, zstd ${zstdVersion()}\n`);
      return 0;
    }
    if (args.command === 'inspect') return await inspectFiles(args);
    if (args.command !== 'compress') return await decodeFiles(args);
    jobs = plan(args);
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

/** Compresses each planned input; returns the exit status. */
function compressAll(args: Args, jobs: ReturnType<typeof plan>): Promise<number> {
  const { verbose, json, quiet } = args;
  const live = process.stderr.isTTY && !json && !quiet;
  const nameOf = (i: number): string => {
    const input = jobs[i].input;
    return input.kind === 'file' ? input.path : 'stdin';
  };
  return runInputs(jobs.length, {
    json,
    name: nameOf,
    errorLine: (i, message) => `${live ? '\r\x1b[K' : ''}chunkpress: ${nameOf(i)}: ${message}\n`,
    async run(i, pool, signal) {
      const job = jobs[i];
      const name = nameOf(i);
      let lastDraw = 0;
      const result: CompressResult = await compress({
        ...job,
        pool,
        signal,
        options: {
          level: args.level,
          chunkSize: args.chunkSize,
          threads: args.threads,
          memoryFactor: args.memoryFactor,
        },
        listener: {
          onChunk(chunk, snapshot) {
            if (verbose) {
              process.stderr.write(
                `  chunk ${chunk.index}: in ${chunk.inputOffset}+${chunk.inputSize} -> out ${chunk.outputOffset}+${chunk.compressedSize}, xxh64 ${chunk.digest}, ${chunk.elapsedMs.toFixed(1)} ms\n`,
              );
            } else if (live && snapshot.elapsedMs - lastDraw > 100) {
              lastDraw = snapshot.elapsedMs;
              process.stderr.write(`\r\x1b[K${progressLine(name, snapshot)}`);
            }
          },
        },
      });
      if (live && !verbose) process.stderr.write('\r\x1b[K');
      for (const warning of result.warnings) process.stderr.write(`chunkpress: warning: ${warning}\n`);
      if (verbose) process.stderr.write(`chunkpress: ${result.plan.reason}\n`);
      if (json) process.stdout.write(`${JSON.stringify({ input: name, ...result })}\n`);
      else if (!quiet && (job.output.kind === 'file' || verbose)) {
        process.stderr.write(`${summarize(result)}${result.outputPath ? ` -> ${result.outputPath}` : ''}\n`);
      }
      return true;
    },
  });
}

async function inspectFiles(args: Args): Promise<number> {
  let failures = 0;
  for (const file of args.files) {
    try {
      const info = await inspectArchive(file);
      if (args.frame !== undefined) {
        const row = info.frames.find((f) => f.index === args.frame);
        if (!row) {
          const problem = problemError(info);
          throw (
            problem ??
            new ChunkpressError(
              `"${file}" has no frame ${args.frame} (frames 0..${info.frames.length - 1})`,
              'EINVAL',
              file,
            )
          );
        }
        const detail =
          row.role === 'member' ? row : await describeFrame(file, { ...row, blockCount: Number.MAX_SAFE_INTEGER });
        process.stdout.write(args.json ? `${JSON.stringify(detail)}\n` : frameReport(file, row, detail));
        continue;
      }
      process.stdout.write(args.json ? `${JSON.stringify(info)}\n` : inspectReport(info));
      // What precedes the damage is listed above; the damage itself goes to stderr and the status.
      const problem = problemError(info);
      if (problem) throw problem;
    } catch (err) {
      failures++;
      process.stderr.write(`chunkpress: ${(err as Error).message}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}
