import assert from 'node:assert/strict';
import type * as fs from 'node:fs';
import { test } from 'node:test';
import { COMMANDS } from '../../server/src/cli/args';
import { CACHED_COMMANDS, cacheFolder, cacheName } from '../../server/src/cli/codeCache';

const bundle = { size: 411943, mtimeMs: 1796306875106.75 } as fs.Stats;
const build = `cli-411943-1796306875106-${process.versions.v8}-${process.arch}`;

test('every command has a code cache of its own; anything else shares one', () => {
  assert.deepEqual([...CACHED_COMMANDS].sort(), [...COMMANDS].sort());
  assert.equal(cacheName(['cat', 'a.tar.zst', 'x'], bundle), `${build}-cat.v8cache`);
  assert.equal(cacheName(['-q', 'compress', 'dir'], bundle), `${build}-compress.v8cache`);
  assert.equal(cacheName(['--version'], bundle), `${build}-other.v8cache`);
  assert.equal(cacheName(['../../etc'], bundle), `${build}-other.v8cache`);
});

test("the cache folder is the user's own, and absolute", () => {
  assert.equal(cacheFolder({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }), '/x/cache/chunkpress');
  assert.equal(cacheFolder({ HOME: '/home/u' }), '/home/u/.cache/chunkpress');
  assert.equal(cacheFolder({ XDG_CACHE_HOME: '', HOME: '/home/u' }), '/home/u/.cache/chunkpress');
  assert.equal(cacheFolder({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' }), '/home/u/.cache/chunkpress');
  assert.equal(cacheFolder({ HOME: 'u' }), undefined);
  assert.equal(cacheFolder({}), undefined);
});
