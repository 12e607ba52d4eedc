/**
 * `npm start` as a new user meets it: the sample workspace opens with the extension loaded, no
 * prompt about the project's git repository, the Archives panel already listing archives made by
 * other tools, and nothing written into the user's home.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../helpers';
import { freePort, launchBrowser, waitHealthy } from './codeServer';

test(
  'npm start: the sample workspace, archives by other tools in the panel, no git prompt, nothing in $HOME',
  { timeout: 180_000 },
  async () => {
    const home = tempDir('chunkpress-start-home-');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PORT: String(port) };
    delete env.DISPLAY; // no window to open
    let output = '';
    const child = spawn('bash', [path.join(repoRoot, 'scripts', 'start.sh')], {
      cwd: repoRoot,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (b: Buffer) => (output += b));
    child.stderr.on('data', (b: Buffer) => (output += b));
    const browserHome = tempDir('chunkpress-start-browser-');
    const browser = await launchBrowser({ ...process.env, HOME: browserHome });
    try {
      const deadline = Date.now() + 150_000;
      while (!/^ {2}http:\/\/\S+$/m.test(output)) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`npm start did not print its address:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const url = /^ {2}(http:\/\/\S+)$/m.exec(output)![1];
      assert.ok(url.startsWith(`http://127.0.0.1:${port}/?folder=`), url);
      await waitHealthy(port, child, () => output);
      const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
      await page.goto(url);
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await page.locator('.activitybar .action-item a[aria-label^="Chunkpress"]').first().click();
      const rows = page.locator('.sidebar .pane-body .monaco-list-row');
      for (const name of [
        'measurements.zstd-T2.csv.zst',
        'measurements.pzstd.csv.zst',
        'measurements.csv.gz',
        'measurements.bgzf.csv.gz',
      ])
        await rows.filter({ hasText: name }).first().waitFor({ timeout: 30_000 });
      // The workspace's README opens first: what to try.
      await page.locator('.tabs-container .tab', { hasText: 'README.md' }).first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(2000); // the git prompt, if any, comes a moment after the workbench
      const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
      assert.ok(!toasts.some((t) => /git repository/i.test(t)), toasts.join('\n'));
      await page.screenshot({ path: path.join(repoRoot, 'test-results', 'e2e', '00-npm-start-first-look.png') });
      const explorer = path.join(repoRoot, '.vscode-test', 'sample-workspace');
      for (const entry of ['server.log', 'measurements.csv', 'chunkpress-src', 'other-tools', 'README.md'])
        assert.ok(fs.existsSync(path.join(explorer, entry)), entry);
      // npm keeps its own logs and cache in ~/.npm whatever it runs; nothing else may be there.
      assert.deepEqual(
        fs.readdirSync(home).filter((f) => f !== '.npm'),
        [],
        'npm start wrote into $HOME',
      );
    } finally {
      await browser.close().catch(() => undefined);
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(browserHome, { recursive: true, force: true });
    }
  },
);
