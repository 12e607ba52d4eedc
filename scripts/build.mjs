// Bundles the extension, the helper server, the compression worker and the CLI with esbuild.
// zstd-napi and @node-rs/xxhash stay external: native addons, shipped in node_modules inside the .vsix.
// Our libdeflate addon (native/libdeflate) is copied beside the bundles, where the worker loads it.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'zstd-napi', 'zstd-napi/*', '@node-rs/xxhash', 'chunkpress-libdeflate'],
  logLevel: 'info',
};

const builds = [
  { entryPoints: { extension: 'client/src/extension.ts' } },
  { entryPoints: { server: 'server/src/server.ts', worker: 'server/src/engine/pool/worker.ts' } },
  {
    // `chunkpress`: a launcher that runs cli-main.js from V8's code cache (server/src/cli/launch.ts),
    // with the V8 flags of server/src/v8Flags.ts (which says why; a test holds the two together).
    entryPoints: { cli: 'server/src/cli/launch.ts' },
    banner: { js: '#!/usr/bin/env -S node --max-semi-space-size=2' },
    plugins: [{ name: 'executable', setup: (b) => b.onEnd((r) => r.errors.length || chmodSync('dist/cli.js', 0o755)) }],
  },
  {
    entryPoints: { 'cli-main': 'server/src/cli/main.ts' },
    define: { CHUNKPRESS_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  },
];

const addon = 'native/libdeflate/build/Release/deflate_binding.node';
mkdirSync('dist', { recursive: true });
if (existsSync(addon)) copyFileSync(addon, 'dist/deflate_binding.node');

const contexts = await Promise.all(builds.map((b) => esbuild.context({ ...common, ...b, outdir: 'dist' })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
