/** `chunkpress`: the engine in a terminal, for scripts and CI. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { compress, type CompressInput, type CompressOutput, type CompressResult } from './engine/compress';
import { DEFAULT_CHUNK_SIZE, DEFAULT_LEVEL, DEFAULT_MEMORY_FACTOR } from './engine/compressOptions';
import { zstdVersion } from './engine/codec';
import { ChunkpressError } from './engine/errors';
import { describeFrame } from './engine/frameDetail';
import { inspectArchive, problemError } from './engine/inspect';
import type { ProgressSnapshot } from './engine/progress';
import { formatDuration, formatRate, formatSize, parseSize } from './engine/sizes';
import { summarize } from './engine/summary';
import { MAX_THREADS } from './engine/threadPlan';
import { decodeFiles } from './cliDecode';
import { runInputs } from './cliRun';
import { frameReport, inspectReport } from './inspectReport';
import { UsageError } from './usageError';

const USAGE = `Usage: chunkpress compress FILE... [options]
       chunkpress inspect FILE... [--frame N] [--json]
       chunkpress decompress FILE... [-o OUT] [-T N] [-f] [-v] [-q] [--json]
       chunkpress verify FILE... [-T N] [-v] [--json]
       chunkpress extract FILE --offset N --length M [-o OUT] [-f]

compress: compresses each FILE into FILE.zst: independent zstd frames compressed on all cores, plus a
manifest and a seek table. Every zstd and tar can read the result. "-" reads stdin.

Options:
  -o, --output PATH       output file (with several inputs: an existing folder); "-" = stdout
  -l, --level N           zstd level, ${-131072}..22, negative = faster (default ${DEFAULT_LEVEL})
  -c, --chunk-size SIZE   uncompressed bytes per frame, K/M/G = KiB/MiB/GiB (default ${formatSize(DEFAULT_CHUNK_SIZE)})
  -T, --threads N         at most N workers (default: automatic, up to ${MAX_THREADS})
      --memory-factor F   share of available memory the workers may use (default ${DEFAULT_MEMORY_FACTOR})
  -f, --force             overwrite existing outputs
  -v, --verbose           report the worker decision and every chunk
  -q, --quiet             print only errors
      --json              print one JSON result per input on stdout
  -h, --help              show this help
  -V, --version           print the versions of chunkpress and of its zstd

inspect: lists what a .zst or .gz holds, from its headers alone (nothing is decompressed): its
layout (Chunkpress, seekable, pzstd, single or multi-frame, gzip, BGZF), the manifest, and one row
per frame. Exits 1 if a file is damaged, after listing what precedes the damage.
      --frame N           one frame in full instead: header fields and every block header

decompress: writes FILE without its .zst/.gz suffix (.tzst/.tgz become .tar), decoding the frames
in parallel when their sizes are known (seekable and pzstd archives, zstd -T output) and with one
streaming context otherwise. "-o -" writes stdout.

verify: decodes every frame in parallel, checks its checksum and the manifest's digests, and
names each bad frame with its byte offsets; exits 1 if any is bad.

extract: writes only the bytes OFFSET..OFFSET+LENGTH of the content (K/M/G suffixes allowed),
decoding only the frames that hold them; to stdout unless -o is given.
`;

/** package.json's version, set by esbuild (scripts/build.mjs). */
declare const CHUNKPRESS_VERSION: string;

export interface Args {
  command: string;
  files: string[];
  output?: string;
  level?: number;
  chunkSize?: number;
  threads?: number;
  memoryFactor?: number;
  force: boolean;
  verbose: boolean;
  quiet: boolean;
  json: boolean;
  frame?: number;
  offset?: number;
  length?: number;
}

const OUTPUT_OPTIONS = ['verbose', 'quiet', 'json', 'force', 'output'];
/** Which options each command takes. */
const OPTIONS_OF: Record<string, string[] | undefined> = {
  compress: [...OUTPUT_OPTIONS, 'level', 'chunk-size', 'threads', 'memory-factor'],
  inspect: ['json', 'frame'],
  decompress: [...OUTPUT_OPTIONS, 'threads'],
  verify: ['verbose', 'quiet', 'json', 'threads'],
  extract: [...OUTPUT_OPTIONS, 'offset', 'length'],
};

/** `-l -5` would read as an option; zstd users type it, so join it into `--level=-5`. */
function joinNegativeLevels(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '-l' || argv[i] === '--level') && /^-\d+$/.test(argv[i + 1] ?? '')) {
      out.push(`--level=${argv[++i]}`);
    } else out.push(argv[i]);
  }
  return out;
}

function number(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${what} must be a number, not "${text}"`);
  return value;
}

export function parseCli(argv: string[]): Args | 'help' | 'version' {
  const { values, positionals } = parseArgs({
    args: joinNegativeLevels(argv),
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o' },
      level: { type: 'string', short: 'l' },
      'chunk-size': { type: 'string', short: 'c' },
      threads: { type: 'string', short: 'T' },
      'memory-factor': { type: 'string' },
      force: { type: 'boolean', short: 'f', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
      json: { type: 'boolean', default: false },
      frame: { type: 'string' },
      offset: { type: 'string' },
      length: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'V', default: false },
    },
  });
  if (values.version && !values.help) return 'version';
  if (values.help || positionals.length === 0) return 'help';
  const [command, ...files] = positionals;
  const allowed = OPTIONS_OF[command];
  if (!allowed) throw new UsageError(`unknown command "${command}"`);
  if (files.length === 0)
    throw new UsageError(
      `${command} needs ${command === 'compress' ? 'at least one FILE (or - for stdin)' : 'a FILE'}`,
    );
  const given = Object.entries(values).filter(([, v]) => v !== undefined && v !== false);
  const stray = given.find(([k]) => !allowed.includes(k) && k !== 'help');
  if (stray) throw new UsageError(`${command} does not take --${stray[0]}`);
  if (command === 'extract') {
    if (files.length !== 1) throw new UsageError('extract reads one FILE');
    if (values.offset === undefined || values.length === undefined)
      throw new UsageError('extract needs --offset and --length');
  }
  const frame = number(values.frame, 'frame');
  if (frame !== undefined && (!Number.isInteger(frame) || frame < 0))
    throw new UsageError(`--frame takes a frame number from 0, not "${values.frame}"`);
  const size = (text: string | undefined): number | undefined => {
    try {
      return text === undefined ? undefined : parseSize(text);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  return {
    command,
    files,
    output: values.output,
    level: number(values.level, 'level'),
    chunkSize: size(values['chunk-size']),
    offset: size(values.offset),
    length: size(values.length),
    threads: number(values.threads, 'threads'),
    memoryFactor: number(values['memory-factor'], 'memory factor'),
    force: values.force,
    verbose: values.verbose,
    quiet: values.quiet,
    json: values.json,
    frame,
  };
}

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

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
