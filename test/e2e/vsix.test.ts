/**
 * `npm run package` makes a .vsix that carries the zstd-napi addon and our libdeflate binding, installs into VS Code with
 * --install-extension, and works there: the helper starts and reports its zstd version.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../helpers';
import { launch, runCommand } from './codeServer';

test('the packaged .vsix installs and its helper runs zstd', async () => {
  const vsix = path.join(repoRoot, 'chunkpress.vsix');
  fs.rmSync(vsix, { force: true });
  execSync('npm run package', { cwd: repoRoot, stdio: 'pipe' });
  assert.ok(fs.existsSync(vsix));
  const workspace = tempDir('chunkpress-vsix-ws-');
  const session = await launch({ workspace, vsix });
  try {
    const installed = fs.readdirSync(session.extensionsDir).find((d) => d.startsWith('chunkpress.chunkpress-'));
    assert.ok(installed, 'installed extension folder');
    const root = path.join(session.extensionsDir, installed);
    for (const file of [
      'dist/extension.js',
      'dist/server.js',
      'dist/worker.js',
      'dist/cli.js',
      'dist/cli-main.js',
      'node_modules/zstd-napi/build/Release/binding.node',
      'dist/deflate_binding.node',
    ]) {
      assert.ok(fs.existsSync(path.join(root, file)), file);
    }
    const { page } = session;
    // Monaco renders spaces as U+00A0.
    const logText = async (): Promise<string> =>
      (await page.locator('.part.panel .view-lines').allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
    // A freshly installed extension may still be registering when the first Show Log runs; ask again until the
    // helper's line is there.
    const deadline = Date.now() + 45_000;
    let text = '';
    while (Date.now() < deadline && !/Chunkpress helper/.test(text)) {
      await runCommand(page, 'Chunkpress: Show Log');
      const asked = Date.now();
      while (Date.now() - asked < 10_000 && Date.now() < deadline && !/Chunkpress helper/.test(text)) {
        text = await logText();
        await page.waitForTimeout(250);
      }
    }
    if (!/Chunkpress helper/.test(text)) {
      await page.screenshot({ path: path.join(repoRoot, 'test-results', 'e2e', 'vsix-log-missing.png') });
      const notices = (await page.locator('.notifications-toasts, .notification-list-item').allInnerTexts()).join(
        ' | ',
      );
      assert.fail(`no helper line in the log panel; panel text: ${JSON.stringify(text)}; notifications: ${notices}`);
    }
    // The panel wraps long lines.
    assert.match(
      text.replace(/\n/g, ''),
      /\[info\] Chunkpress helper 0\.1\.0 \(pid \d+\): zstd 1\.5\.\d+, \d+ cores, pool of \d+ workers; BGZF by libdeflate 1\.\d+/,
    );
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'e2e', 'vsix-installed-log.png') });
  } finally {
    await session.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
