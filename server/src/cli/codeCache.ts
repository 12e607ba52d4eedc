/**
 * V8 code caches of the CLI's bundle, one per command, for the launcher (launch.ts). Compiling the
 * 400 KB bundle is about 10 ms of a 75 ms `chunkpress cat`; a cache holds the functions that ran
 * compiled, so each command has its own, written at the exit of its first run after an install or
 * a build. Node 22's module.enableCompileCache does the same; Node 20 has nothing of the kind.
 *
 * A code cache is code: it lives in the user's own cache folder (never a shared temporary one,
 * where someone else could put one), named after the bundle's size and mtime and after V8's
 * version. V8 refuses a cache made by another V8, with other flags or for another source length;
 * a refused or missing one is written anew, and one that cannot be read or written only costs the
 * compile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vm from 'node:vm';

/** The commands with a cache of their own; anything else shares one. */
export const CACHED_COMMANDS = [
  'compress',
  'status',
  'list',
  'cat',
  'inspect',
  'decompress',
  'verify',
  'extract',
  'grep',
];

/** $XDG_CACHE_HOME/chunkpress, or ~/.cache/chunkpress; a relative path is no such folder (as XDG says). */
export function cacheFolder(env: NodeJS.ProcessEnv): string | undefined {
  const absolute = (p: string | undefined): p is string => !!p && path.isAbsolute(p);
  if (absolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'chunkpress');
  return absolute(env.HOME) ? path.join(env.HOME, '.cache', 'chunkpress') : undefined;
}

/** The cache's name for the command of `argv` (the arguments after the program's). */
export function cacheName(argv: readonly string[], bundle: fs.Stats): string {
  const word = argv.find((a) => !a.startsWith('-'));
  const command = word !== undefined && CACHED_COMMANDS.includes(word) ? word : 'other';
  const build = `${bundle.size}-${Math.trunc(bundle.mtimeMs)}`;
  return `cli-${build}-${process.versions.v8}-${process.arch}-${command}.v8cache`;
}

/** The cache, if there is one to read. */
export function readCache(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Under a name of its own, then renamed: a run that starts meanwhile reads a whole cache or none.
 * Caches of other builds and Nodes go.
 */
export function writeCache(file: string, compiled: vm.Script): void {
  const folder = path.dirname(file);
  try {
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.partial`;
    fs.writeFileSync(temporary, compiled.createCachedData(), { mode: 0o600 });
    fs.renameSync(temporary, file);
    const name = path.basename(file);
    const build = name.slice(0, name.lastIndexOf('-')); // the name without its command
    for (const other of fs.readdirSync(folder)) {
      // What a run that died while writing left is `.partial` of a name of this build: it goes too.
      if (other.startsWith('cli-') && (!other.startsWith(`${build}-`) || other.endsWith('.partial')))
        fs.rmSync(path.join(folder, other), { force: true });
    }
  } catch {
    // A read-only home or a full disk: the next run compiles again.
  }
}
