/**
 * `chunkpress` as a program (dist/cli.js): runs the CLI's bundle (dist/cli-main.js) from the V8
 * code cache of its command (codeCache.ts).
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { cacheFolder, cacheName, readCache, writeCache } from './codeCache';

type Wrapped = (
  exports: object,
  require: NodeJS.Require,
  module: { exports: object },
  filename: string,
  dirname: string,
) => void;

const bundle = path.join(__dirname, 'cli-main.js');
const source = fs.readFileSync(bundle, 'utf8');
const folder = cacheFolder(process.env);
const cacheFile = folder && path.join(folder, cacheName(process.argv.slice(2), fs.statSync(bundle)));
const cachedData = cacheFile ? readCache(cacheFile) : undefined;
const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
  process.once('exit', () => writeCache(cacheFile, script));
}
const main = { exports: {} };
(script.runInThisContext() as Wrapped).call(
  main.exports,
  main.exports,
  Module.createRequire(bundle),
  main,
  bundle,
  __dirname,
);
