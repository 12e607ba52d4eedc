/** `chunkpress compress`: each input into a seekable archive (or stdout), with live progress on a terminal. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compress, type CompressInput, type CompressOutput, type CompressResult } from '../engine/compression/compress';
import { summarize } from '../engine/compression/summary';
import { compressTree, type TreeCompressResult, type TreeProgressListener } from '../engine/compression/compressTree';
import type { TarRoot } from '../engine/tar/collect';
import type { ProgressSnapshot } from '../engine/progress';
import { formatDuration, formatRate, formatSize } from '../engine/sizes';
import type { Args } from './args';
import { runInputs } from './runInputs';
import { UsageError } from './usageError';
import { withHint } from './interruptedHint';

/** One archive to make: of one file or stream, or a tar of trees and files. */
export type PlannedJob =
  | { kind: 'file'; input: CompressInput; output: CompressOutput }
  | { kind: 'tree'; roots: TarRoot[]; name: string; output: CompressOutput };
export type CompressPlan = PlannedJob[];

/** What an archive of one file is named after it: `.zst`, or `.gz` for gzip. */
const suffixOf = (args: Args): string => (args.format === 'gzip' ? '.gz' : '.zst');

/** `dir/` and `dir` are the same tree, and its archive goes beside it. */
const treeTarget = (input: string, args: Args): string => `${input.replace(/\/+$/, '') || input}.tar${suffixOf(args)}`;

/** Where each input goes; a combination that cannot work is a usage error. */
export function planCompress(args: Args): CompressPlan {
  const isDir = args.files.map((f) => f !== '-' && fs.statSync(f, { throwIfNoEntry: false })?.isDirectory() === true);
  if (!isDir.some(Boolean)) return planFiles(args);
  const toStdout = args.output === '-';
  if (toStdout && process.stdout.isTTY)
    throw new UsageError('refusing to write compressed data to a terminal; use -o FILE');
  const stdout: CompressOutput = { kind: 'stream', stream: process.stdout, label: 'stdout' };
  if (args.each) {
    if (toStdout) throw new UsageError('--each makes several archives, which cannot all go to stdout');
    const outputDir = args.output !== undefined ? existingFolder(args.output) : undefined;
    const beside = (target: string): string =>
      outputDir !== undefined ? path.join(outputDir, path.basename(target)) : target;
    return args.files.map((file, i): PlannedJob => {
      if (file === '-') throw new UsageError('--each takes folders and files, not stdin');
      if (!isDir[i])
        return {
          kind: 'file',
          input: { kind: 'file', path: file },
          output: fileOutput(args, beside(`${file}${suffixOf(args)}`)),
        };
      const root = { path: file, name: rootName(file) };
      return { kind: 'tree', roots: [root], name: root.name, output: fileOutput(args, beside(treeTarget(file, args))) };
    });
  }
  if (args.files.includes('-')) throw new UsageError('stdin cannot go into a tar archive with folders');
  if (args.files.length > 1 && args.output === undefined)
    throw new UsageError(
      `several inputs go into one archive: name it with -o OUT.tar${suffixOf(args)} (or use --each)`,
    );
  const roots = args.files.map((file) => ({ path: file, name: rootName(file) }));
  const seen = new Map<string, string>();
  for (const r of roots) {
    const other = seen.get(r.name);
    if (other !== undefined) throw new UsageError(`"${other}" and "${r.path}" would both be stored as "${r.name}"`);
    seen.set(r.name, r.path);
  }
  const target = args.output ?? treeTarget(args.files[0], args);
  const name =
    roots.length === 1 ? roots[0].name : path.basename(target).replace(/\.(tar\.zst|tzst|zst|tar\.gz|tgz|gz)$/i, '');
  return [{ kind: 'tree', roots, name, output: toStdout ? stdout : fileOutput(args, target) }];
}

/** Files only: one archive each, as zstd does. */
function planFiles(args: Args): CompressPlan {
  const toStdout =
    args.output === '-' || (args.output === undefined && args.files.length === 1 && args.files[0] === '-');
  if (toStdout && args.files.length > 1) throw new UsageError('only one input can go to stdout');
  if (toStdout && process.stdout.isTTY)
    throw new UsageError('refusing to write compressed data to a terminal; use -o FILE');
  const outputDir = args.files.length > 1 && args.output !== undefined ? existingFolder(args.output) : undefined;
  return args.files.map((file): PlannedJob => {
    const input: CompressInput =
      file === '-' ? { kind: 'stream', stream: process.stdin, name: 'stdin' } : { kind: 'file', path: file };
    if (toStdout) return { kind: 'file', input, output: { kind: 'stream', stream: process.stdout, label: 'stdout' } };
    const target =
      outputDir !== undefined
        ? path.join(outputDir, `${path.basename(file)}${suffixOf(args)}`)
        : (args.output ?? (file === '-' ? `stdin${suffixOf(args)}` : `${file}${suffixOf(args)}`));
    return { kind: 'file', input, output: fileOutput(args, target) };
  });
}

function existingFolder(output: string): string {
  if (!fs.statSync(output, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`with several inputs, -o must name an existing folder ("${output}" is not one)`);
  return output;
}

const fileOutput = (args: Args, target: string): CompressOutput => ({
  kind: 'file',
  path: target,
  overwrite: args.force,
});

/** The name a folder or file is stored under: its own, as `tar -cf x.tar dir` stores `dir/...`. */
const rootName = (file: string): string => path.basename(path.resolve(file));

function progressLine(name: string, s: ProgressSnapshot): string {
  const pct = s.totalBytes ? ` ${Math.floor((100 * s.bytesIn) / s.totalBytes)}%` : '';
  const chunks = s.totalChunks !== undefined ? `${s.chunksDone}/${s.totalChunks}` : `${s.chunksDone}`;
  const files = s.files ? ` · ${s.files.done}/${s.files.total} files` : '';
  const eta = s.etaMs !== undefined ? ` · ETA ${formatDuration(s.etaMs)}` : '';
  const current = s.files?.current ? ` · ${s.files.current}` : '';
  return `${name}${pct}${files} · ${chunks} chunks · ${formatSize(s.bytesIn)} -> ${formatSize(s.bytesOut)} · ${formatRate(s.bytesPerSecond)}${eta}${current}`;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function treeCounts(r: TreeCompressResult): string {
  const links = r.links > 0 ? `, ${plural(r.links, 'link')}` : '';
  return `${plural(r.files, 'file')}, ${plural(r.folders, 'folder')}${links}`;
}

/** Compresses each planned input; returns the exit status. */
export function compressAll(args: Args, jobs: CompressPlan): Promise<number> {
  const { verbose, json, quiet } = args;
  const live = process.stderr.isTTY && !json && !quiet;
  const nameOf = (i: number): string => {
    const job = jobs[i];
    if (job.kind === 'tree') return job.roots.map((r) => r.path).join(', ');
    return job.input.kind === 'file' ? job.input.path : 'stdin';
  };
  return runInputs(jobs.length, {
    json,
    name: nameOf,
    errorLine: (i, message) => `${live ? '\r\x1b[K' : ''}chunkpress: ${nameOf(i)}: ${message}\n`,
    async run(i, pool, signal) {
      const job = jobs[i];
      const name = nameOf(i);
      let lastDraw = 0;
      const options = {
        format: args.format,
        gzipLayout: args.gzipLayout,
        gzi: args.gzi,
        level: args.level,
        chunkSize: args.chunkSize,
        threads: args.threads,
        memoryFactor: args.memoryFactor,
      };
      const listener: TreeProgressListener = {
        onScan(found) {
          if (live && performance.now() - lastDraw > 100) {
            lastDraw = performance.now();
            process.stderr.write(`\r\x1b[K${name}: scanning · ${found} found`);
          }
        },
        onChunk(chunk, snapshot) {
          if (verbose) {
            process.stderr.write(
              `  chunk ${chunk.index}: in ${chunk.inputOffset}+${chunk.inputSize} -> out ${chunk.outputOffset}+${chunk.compressedSize}, xxh64 ${chunk.digest}, ${chunk.elapsedMs.toFixed(1)} ms\n`,
            );
          } else if (live && performance.now() - lastDraw > 100) {
            lastDraw = performance.now();
            process.stderr.write(`\r\x1b[K${progressLine(name, snapshot)}`);
          }
        },
      };
      const resume = args.resume ? 'resume' : args.discard ? 'discard' : undefined;
      const result: CompressResult | TreeCompressResult =
        job.kind === 'file'
          ? await compress({ ...job, pool, signal, options, listener, resume }).catch((err: unknown) => {
              throw withHint(err);
            })
          : await compressTree({
              ...job,
              selection: { respectGitignore: args.gitignore, exclude: args.exclude },
              pool,
              signal,
              options,
              listener,
              resume,
            }).catch((err: unknown) => {
              throw withHint(err);
            });
      if (live && !verbose) process.stderr.write('\r\x1b[K');
      for (const warning of result.warnings) process.stderr.write(`chunkpress: warning: ${warning}\n`);
      if (verbose) process.stderr.write(`chunkpress: ${result.plan.reason}\n`);
      if (json) process.stdout.write(`${JSON.stringify({ input: name, ...result })}\n`);
      else if (!quiet && (job.output.kind === 'file' || verbose)) {
        const label =
          job.kind === 'tree' ? `${result.inputName} (${treeCounts(result as TreeCompressResult)})` : result.inputName;
        process.stderr.write(
          `${summarize({ ...result, inputName: label })}${result.outputPath ? ` -> ${result.outputPath}` : ''}\n`,
        );
      }
      // As tar: an archive whose content is not what the files hold now is a failure.
      return job.kind === 'file' || (result as TreeCompressResult).problems.length === 0;
    },
  });
}
