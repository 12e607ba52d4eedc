/** `chunkpress compress`: each input into a seekable archive (or stdout), with live progress on a terminal. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compress, type CompressInput, type CompressOutput, type CompressResult } from '../engine/compression/compress';
import { summarize } from '../engine/compression/summary';
import type { ProgressSnapshot } from '../engine/progress';
import { formatDuration, formatRate, formatSize } from '../engine/sizes';
import type { Args } from './args';
import { runInputs } from './runInputs';
import { UsageError } from './usageError';

export type CompressPlan = Array<{ input: CompressInput; output: CompressOutput }>;

/** Where each input goes; a combination that cannot work is a usage error. */
export function planCompress(args: Args): CompressPlan {
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

/** Compresses each planned input; returns the exit status. */
export function compressAll(args: Args, jobs: CompressPlan): Promise<number> {
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
