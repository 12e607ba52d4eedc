/** The workspace `npm start` opens: files to compress, a folder of sources, and archives by other tools in each layout. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { inspectArchive } from '../../server/src/engine/inspection/inspect';
import { repoRoot, tempDir } from '../helpers';

const dir = tempDir('chunkpress-sample-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the sample workspace: a log, a CSV, sources, zstd -T2, pzstd, gzip and BGZF archives of the CSV, a tar.gz of the sources', async () => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'sample-workspace.mjs'), dir, '--small']);
  const csv = fs.readFileSync(path.join(dir, 'measurements.csv'));
  assert.ok(fs.statSync(path.join(dir, 'server.log')).size >= 2 << 20);
  assert.ok(fs.existsSync(path.join(dir, 'chunkpress-src', 'engine', 'format', 'seekTable.ts')));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'chunkpress-src', 'empty')), []);
  const layouts: Record<string, string> = {
    'measurements.zstd-T2.csv.zst': 'single-frame',
    'measurements.pzstd.csv.zst': 'pzstd',
    'measurements.csv.gz': 'gzip',
    'measurements.bgzf.csv.gz': 'bgzf',
  };
  for (const [name, layout] of Object.entries(layouts)) {
    const file = path.join(dir, 'other-tools', name);
    const info = await inspectArchive(file);
    assert.equal(info.layout, layout, name);
    const tool = name.endsWith('.gz') ? 'gzip' : 'zstd';
    assert.ok(execFileSync(tool, ['-dc', file], { maxBuffer: 1 << 30 }).equals(csv), name);
  }
  // The sources as GNU tar packs them.
  const listed = execFileSync('tar', ['-tzf', path.join(dir, 'other-tools', 'chunkpress-src.tar.gz')]).toString();
  assert.ok(listed.includes('chunkpress-src/engine/format/seekTable.ts'));
  const settings = JSON.parse(fs.readFileSync(path.join(dir, '.vscode', 'settings.json'), 'utf8'));
  assert.equal(settings['git.openRepositoryInParentFolders'], 'never');
  assert.match(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'), /^# Try Chunkpress\n/);
});
