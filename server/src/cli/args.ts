/** The CLI's command line: its usage text and the parsed arguments, light enough to load first. */
import { parseArgs } from 'node:util';
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_LEVEL,
  DEFAULT_MEMORY_FACTOR,
  type ArchiveFormat,
  type GzipLayout,
} from '../engine/compression/compressOptions';
import { DEFAULT_GZIP_LEVEL } from '../engine/codec/deflate';
import { formatSize, parseSize } from '../engine/sizes';
import { MAX_THREADS } from '../engine/pool/threadPlan';
import { UsageError } from './usageError';

export const USAGE = `Usage: chunkpress compress FILE... [--format gzip [--gzip-layout bgzf [--gzi]]] [options]
       chunkpress compress DIR... [-o OUT.tar.zst] [--each] [--exclude GLOB]... [--no-gitignore] [options]
       chunkpress compress|decompress|extract ... --resume | --discard
       chunkpress status [DIR...] [--json]
       chunkpress list ARCHIVE [--json]
       chunkpress cat ARCHIVE MEMBER...
       chunkpress grep PATTERN ARCHIVE [MEMBER...] [-i] [-F] [-l | -c] [-T N]
       chunkpress inspect FILE... [--frame N] [--json]
       chunkpress decompress FILE... [-o OUT] [-T N] [-f] [-v] [-q] [--json]
       chunkpress verify FILE... [-T N] [-v] [--json]
       chunkpress extract ARCHIVE [MEMBER...] [-C DIR] [-f | --keep] [--same-owner] [-p] [-T N]
       chunkpress extract FILE --offset N --length M [-o OUT] [-f]

compress: compresses each FILE into FILE.zst: independent zstd frames compressed on all cores, plus a
manifest and a seek table. Every zstd and tar can read the result. "-" reads stdin.

With a folder among the inputs, everything goes into one tar archive, DIR.tar.zst (with several
inputs, -o names it), each input stored under its own name; --each makes one archive per input
instead. .gitignore files are honoured unless --no-gitignore; symlinks are stored as links.
A file that cannot be read or changes while it is packed is named, and the exit status is 1.

A file or folder compressed into a file keeps a journal beside its partial archive: if the job does
not end (killed, a crash, a full disk), --resume goes on after its last complete chunk, once the
part already compressed has been read again and found the same; --discard starts over. Without
either, an interrupted job of the same archive stops the command and says how far it got.
decompress into a file and extract keep one too, and take --resume and --discard the same way:
what they had written is checked against the archive (frames by their checksums, files by their
SHA-256 or their bytes) and only the rest is made; --discard removes what the job had made.

--format gzip writes FILE.gz and DIR.tar.gz instead (also chosen by an -o ending in .gz or .tgz),
compressed on all cores too: as one gzip member that every gzip reader takes (pigz's method), or
with --gzip-layout bgzf as the independent blocks of bgzip and samtools, which Chunkpress and
htslib read at random; --gzi also writes bgzip's .gzi index beside it.

Options:
  -o, --output PATH       output file (with several files: an existing folder); "-" = stdout
      --format F          zstd (default) or gzip
      --gzip-layout L     single (default: one member) or bgzf (blocks of 64 KiB)
      --gzi               with bgzf: also write ARCHIVE.gzi, the index bgzip -b reads
  -l, --level N           zstd level, ${-131072}..22, negative = faster (default ${DEFAULT_LEVEL});
                          gzip level, 1..9 (default ${DEFAULT_GZIP_LEVEL})
  -c, --chunk-size SIZE   uncompressed bytes per frame, K/M/G = KiB/MiB/GiB (default ${formatSize(DEFAULT_CHUNK_SIZE)})
  -T, --threads N         at most N workers (default: automatic, up to ${MAX_THREADS})
      --memory-factor F   share of available memory the workers may use (default ${DEFAULT_MEMORY_FACTOR})
      --resume            go on with an interrupted job of the same output (else start one)
      --discard           remove an interrupted job of the same output, and start over
      --each              with folders: one archive per input
      --exclude GLOB      leave out what GLOB matches (.gitignore syntax, inside each folder); repeatable
      --no-gitignore      take in what .gitignore files leave out, and .git folders
  -f, --force             overwrite existing outputs
  -v, --verbose           report the worker decision and every chunk
  -q, --quiet             print only errors
      --json              print one JSON result per input on stdout
  -h, --help              show this help
  -V, --version           print the versions of chunkpress and of its zstd

status: the interrupted jobs in each DIR (default: the current folder) and the extractions into its
folders: what they were making, how far they got, and when they stopped. --json prints one object
per job.

inspect: lists what a .zst or .gz holds, from its headers alone (nothing is decompressed): its
layout (Chunkpress, seekable, pzstd, single or multi-frame, gzip, BGZF), the manifest, and one row
per frame. Exits 1 if a file is damaged, after listing what precedes the damage.
      --frame N           one frame in full instead: header fields and every block header

decompress: writes FILE without its .zst/.gz suffix (.tzst/.tgz become .tar), decoding the frames
in parallel when their sizes are known (seekable and pzstd archives, zstd -T output) and with one
streaming context otherwise. "-o -" writes stdout.

verify: decodes every frame in parallel, checks its checksum and the manifest's digests, and
names each bad frame with its byte offsets; exits 1 if any is bad.

list: the members of a tar archive (ours from its index, without decoding; other .tar.zst, .tar.gz
and .tar by reading their headers): type, mode, owner, size, mtime, path. --json adds their
offsets, frames and SHA-256 digests.

cat: writes members' content to stdout, decoding only the frames that hold them.

grep: the lines of the archive's files (or of the MEMBERs named; a folder stands for what it
holds) that match PATTERN, a JavaScript regular expression, as "path:line:text"; ours are decoded
and searched in parallel. Exits 0 when a line matched, 1 when none did, 2 on an error.
  -i, --ignore-case       case does not matter
  -F, --fixed-strings     PATTERN is plain text
  -l, --files-with-matches  only the paths of files that match
  -c, --count             "path:count" for every file searched

extract: writes a tar archive's members into DIR (default: the current folder), or only the
MEMBERs named (a folder stands for everything under it). Ours are decoded in parallel, and the
workers write the files; any other .tar.zst, .tar.gz or .tar is read in one pass. Nothing is ever
written outside DIR: absolute paths, "..", links that lead out and devices are refused, each
named, and the exit status is 1. An existing file stops the command unless -f (replace) or --keep
(leave it); a cancel or a failure removes everything the command created.
  -C, --directory DIR     extract into DIR (made when missing)
      --keep              leave existing files as they are
      --same-owner        give members their owners (as root)
  -p, --preserve-permissions  keep setuid and setgid bits (dropped otherwise)

With --offset and --length instead: writes only the bytes OFFSET..OFFSET+LENGTH of the content
(K/M/G suffixes allowed), decoding only the frames that hold them; to stdout unless -o is given.
`;

export interface Args {
  command: string;
  files: string[];
  output?: string;
  /** compress: the format asked with --format, else the one -o's name implies, else zstd. */
  format: ArchiveFormat;
  gzipLayout?: GzipLayout;
  gzi: boolean;
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
  each: boolean;
  /** compress: go on with an interrupted job, or discard it. */
  resume: boolean;
  discard: boolean;
  exclude: string[];
  gitignore: boolean;
  directory?: string;
  keep: boolean;
  sameOwner: boolean;
  preservePermissions: boolean;
  /** grep: its pattern and flags. */
  grep?: { pattern: string; ignoreCase: boolean; fixed: boolean; filesWithMatches: boolean; count: boolean };
}

const OUTPUT_OPTIONS = ['verbose', 'quiet', 'json', 'force', 'output'];
/** Which options each command takes. */
const OPTIONS_OF: Record<string, string[] | undefined> = {
  compress: [
    ...OUTPUT_OPTIONS,
    'format',
    'gzip-layout',
    'gzi',
    'level',
    'chunk-size',
    'threads',
    'memory-factor',
    'each',
    'exclude',
    'no-gitignore',
    'resume',
    'discard',
  ],
  status: ['json'],
  list: ['json'],
  cat: ['threads'],
  inspect: ['json', 'frame'],
  decompress: [...OUTPUT_OPTIONS, 'threads', 'resume', 'discard'],
  verify: ['verbose', 'quiet', 'json', 'threads'],
  extract: [
    ...OUTPUT_OPTIONS,
    'offset',
    'length',
    'threads',
    'directory',
    'keep',
    'same-owner',
    'preserve-permissions',
    'resume',
    'discard',
  ],
};

/** Every command (grep is parsed on its own). */
export const COMMANDS = [...Object.keys(OPTIONS_OF), 'grep'];

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

/** `grep` has grep's own short options (-c counts, -i ignores case), so it is parsed on its own. */
function parseGrep(argv: string[]): Args {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'ignore-case': { type: 'boolean', short: 'i', default: false },
      'fixed-strings': { type: 'boolean', short: 'F', default: false },
      'files-with-matches': { type: 'boolean', short: 'l', default: false },
      count: { type: 'boolean', short: 'c', default: false },
      // Lines are always numbered; grep users type -n out of habit.
      'line-number': { type: 'boolean', short: 'n', default: false },
      threads: { type: 'string', short: 'T' },
    },
  });
  const [pattern, ...files] = positionals;
  if (pattern === undefined || files.length === 0) throw new UsageError('grep needs a PATTERN and an ARCHIVE');
  if (values.count && values['files-with-matches']) throw new UsageError('-l and -c do not go together');
  return {
    command: 'grep',
    files,
    format: 'zstd',
    gzi: false,
    threads: number(values.threads, 'threads'),
    force: false,
    verbose: false,
    quiet: false,
    json: false,
    each: false,
    resume: false,
    discard: false,
    exclude: [],
    gitignore: true,
    keep: false,
    sameOwner: false,
    preservePermissions: false,
    grep: {
      pattern,
      ignoreCase: values['ignore-case'],
      fixed: values['fixed-strings'],
      filesWithMatches: values['files-with-matches'],
      count: values.count,
    },
  };
}

export function parseCli(argv: string[]): Args | 'help' | 'version' {
  if (argv[0] === 'grep' && !argv.includes('--help') && !argv.includes('-h')) return parseGrep(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: joinNegativeLevels(argv),
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      'gzip-layout': { type: 'string' },
      gzi: { type: 'boolean', default: false },
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
      each: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      discard: { type: 'boolean', default: false },
      exclude: { type: 'string', multiple: true },
      'no-gitignore': { type: 'boolean', default: false },
      directory: { type: 'string', short: 'C' },
      keep: { type: 'boolean', default: false },
      'same-owner': { type: 'boolean', default: false },
      'preserve-permissions': { type: 'boolean', short: 'p', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'V', default: false },
    },
  });
  if (values.version && !values.help) return 'version';
  if (values.help || positionals.length === 0) return 'help';
  const [command, ...files] = positionals;
  const allowed = OPTIONS_OF[command];
  if (!allowed) throw new UsageError(`unknown command "${command}"`);
  if (files.length === 0 && command !== 'status')
    throw new UsageError(
      `${command} needs ${command === 'compress' ? 'at least one FILE (or - for stdin)' : 'a FILE'}`,
    );
  const given = Object.entries(values).filter(([, v]) => v !== undefined && v !== false);
  const stray = given.find(([k]) => !allowed.includes(k) && k !== 'help');
  if (stray) throw new UsageError(`${command} does not take --${stray[0]}`);
  if (command === 'list' && files.length !== 1) throw new UsageError('list reads one ARCHIVE');
  if (values.resume && values.discard) throw new UsageError('--resume and --discard do not go together');
  if (command === 'cat' && files.length < 2) throw new UsageError('cat needs an ARCHIVE and at least one MEMBER');
  if (command === 'extract') {
    const ranged = values.offset !== undefined || values.length !== undefined;
    if (ranged) {
      if (files.length !== 1) throw new UsageError('extract with --offset reads one FILE');
      if (values.offset === undefined || values.length === undefined)
        throw new UsageError('extract needs both --offset and --length');
      const members = ['directory', 'keep', 'same-owner', 'preserve-permissions'].find((k) =>
        given.some(([g]) => g === k),
      );
      if (members) throw new UsageError(`--${members} extracts members; it does not go with --offset`);
    } else {
      if (values.output !== undefined) throw new UsageError('extract writes members into a folder: -C DIR, not -o');
      if (values.force && values.keep) throw new UsageError('-f and --keep do not go together');
    }
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
  if (values.format !== undefined && values.format !== 'zstd' && values.format !== 'gzip')
    throw new UsageError(`--format takes zstd or gzip, not "${values.format}"`);
  const layout = values['gzip-layout'];
  if (layout !== undefined && layout !== 'single' && layout !== 'bgzf')
    throw new UsageError(`--gzip-layout takes single or bgzf, not "${layout}"`);
  const format: ArchiveFormat =
    values.format ?? (layout !== undefined || values.gzi || /\.(gz|tgz)$/i.test(values.output ?? '') ? 'gzip' : 'zstd');
  if (format === 'zstd' && (layout !== undefined || values.gzi))
    throw new UsageError(`--${values.gzi ? 'gzi' : 'gzip-layout'} is for --format gzip`);
  if (values.gzi && layout === 'single') throw new UsageError('--gzi indexes the bgzf layout, not a single member');
  return {
    command,
    files,
    output: values.output,
    format,
    gzipLayout: layout ?? (values.gzi ? 'bgzf' : undefined),
    gzi: values.gzi,
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
    each: values.each,
    resume: values.resume,
    discard: values.discard,
    exclude: values.exclude ?? [],
    gitignore: !values['no-gitignore'],
    directory: values.directory,
    keep: values.keep,
    sameOwner: values['same-owner'],
    preservePermissions: values['preserve-permissions'],
  };
}
