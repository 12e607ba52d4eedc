/** `chunkpress decompress`, `verify` and `extract`: the decode side of the CLI. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Args } from './args';
import { decode, type DecodeOutput, type DecodeResult } from '../engine/decoding/decompress';
import type { ChunkpressError } from '../engine/errors';
import { decodedName } from '../engine/io/outputNames';
import { formatDuration, formatRate, formatSize } from '../engine/sizes';
import { howDecoded, verified, verifySummary } from '../decodeText';
import { runInputs } from './runInputs';
import { stdoutDescriptor, stdoutReaderGone } from './stdio';
import { UsageError } from './usageError';
import { withHint } from './interruptedHint';

function outputFor(args: Args, file: string): DecodeOutput {
  const toStdout = args.output === '-' || (args.command === 'extract' && args.output === undefined);
  if (toStdout) {
    if (process.stdout.isTTY) throw new UsageError('refusing to write binary data to a terminal; use -o FILE');
    const fd = stdoutDescriptor();
    return fd === undefined
      ? { kind: 'stream', stream: process.stdout, label: 'stdout' }
      : { kind: 'descriptor', fd, label: 'stdout' };
  }
  if (args.files.length > 1 && args.output !== undefined) {
    if (!fs.statSync(args.output, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`with several inputs, -o must name an existing folder ("${args.output}" is not one)`);
    return { kind: 'file', path: path.join(args.output, path.basename(decodedName(file))), overwrite: args.force };
  }
  return { kind: 'file', path: args.output ?? decodedName(file), overwrite: args.force };
}

function describe(args: Args, file: string, r: DecodeResult): string {
  const speed = `in ${formatDuration(r.elapsedMs)} at ${formatRate(r.bytesPerSecond)}`;
  if (args.command === 'verify') return `${verifySummary(file, r)}${verified(r) ? `, ${speed}` : ''}`;
  return `${file}: ${formatSize(r.bytesOut)} (${r.bytesOut} B) ${speed} (${howDecoded(r)})${r.outputPath ? ` -> ${r.outputPath}` : ''}`;
}

/** Runs decompress, verify or extract on each file; returns the exit status. */
export async function decodeFiles(args: Args): Promise<number> {
  if (args.command === 'decompress' && args.output === '-' && args.files.length > 1)
    throw new UsageError('only one input can go to stdout');
  const outputs = args.files.map((file) =>
    args.command === 'verify' ? ({ kind: 'none' } as const) : outputFor(args, file),
  );
  return runInputs(args.files.length, {
    json: args.json,
    name: (i) => args.files[i],
    nothingToCleanUp: (i) => outputs[i].kind === 'descriptor' || outputs[i].kind === 'stream',
    // The engine's messages name the file already.
    errorLine: (_, message) => `chunkpress: ${message}\n`,
    async run(i, pool, signal) {
      const file = args.files[i];
      const output = outputs[i];
      const result = await decode({
        input: file,
        output,
        verify: args.command === 'verify',
        range: args.command === 'extract' ? { offset: args.offset ?? 0, length: args.length ?? 0 } : undefined,
        pool,
        threads: args.threads,
        signal,
        resume: args.resume ? 'resume' : args.discard ? 'discard' : undefined,
        onFrame: (frame) => {
          if (args.verbose && !frame.ok) process.stderr.write(`  frame ${frame.index}: ${frame.message}\n`);
        },
      })
        .catch((err: unknown) => {
          // As a write through process.stdout would: a reader gone ends the command with 141.
          if ((err as ChunkpressError).code === 'EPIPE') stdoutReaderGone();
          throw withHint(err);
        })
        .finally(() => {
          if (output.kind === 'descriptor' && output.fd !== 1) fs.closeSync(output.fd);
        });
      for (const finding of result.indexFindings) process.stderr.write(`chunkpress: ${file}: ${finding.message}\n`);
      for (const bad of result.failures) {
        // A damaged structure's message names the file already; a frame's does not.
        const named = bad.message?.startsWith(`"${file}"`) ? bad.message : `${file}: ${bad.message}`;
        if (!args.verbose) process.stderr.write(`chunkpress: ${named}\n`);
      }
      for (const warning of result.warnings) process.stderr.write(`chunkpress: warning: ${warning}\n`);
      if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else if (!args.quiet && (output.kind === 'file' || output.kind === 'none' || args.verbose))
        process.stderr.write(`${describe(args, file, result)}\n`);
      if (args.verbose && result.note) process.stderr.write(`chunkpress: ${result.note}\n`);
      return verified(result);
    },
  });
}
