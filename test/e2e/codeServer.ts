/**
 * Starts a private code-server (VS Code 1.100 in the browser, from npm) and Debian's Chromium, as
 * ../shared/E2E.md describes: isolated HOME/XDG folders, loopback only, no gallery, no telemetry.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot, tempDir } from '../helpers';

export const CODE_SERVER_VERSION = '4.100.3';
const entry = path.join(
  repoRoot,
  '.vscode-test',
  `code-server-${CODE_SERVER_VERSION}`,
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);

export interface Session {
  page: Page;
  port: number;
  extensionsDir: string;
  /** Messages the page printed (mocha's output arrives here). */
  console: string[];
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function waitHealthy(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not become healthy:\n${log()}`);
}

export interface LaunchOptions {
  workspace: string;
  /** Extension folder loaded as under development. */
  extensionPath?: string;
  /** Compiled mocha suite to run inside the extension host (extensionTestsPath). */
  testsPath?: string;
  onExit?: (code: number) => void;
  settings?: Record<string, unknown>;
  /** A packaged extension to install with --install-extension before starting. */
  vsix?: string;
}

export async function launch(options: LaunchOptions): Promise<Session> {
  if (!fs.existsSync(entry)) throw new Error(`code-server is missing; run scripts/setup-e2e.sh (${entry})`);
  const home = tempDir('chunkpress-e2e-home-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    TMPDIR: path.join(home, 'tmp'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    EXTENSIONS_GALLERY: '{}',
  };
  for (const d of ['tmp', 'config', 'data', 'cache']) fs.mkdirSync(path.join(home, d), { recursive: true });
  const userData = path.join(home, 'ud');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'workbench.tips.enabled': false,
      'extensions.ignoreRecommendations': true,
      'security.workspace.trust.enabled': false,
      ...options.settings,
    }),
  );
  fs.writeFileSync(path.join(home, 'config.yaml'), 'auth: none\ncert: false\n');
  const extensionsDir = path.join(home, 'exts');
  if (options.vsix) {
    execFileSync(
      process.execPath,
      [entry, '--user-data-dir', userData, '--extensions-dir', extensionsDir, '--install-extension', options.vsix],
      {
        env,
        stdio: 'pipe',
      },
    );
  }
  const port = await freePort();
  let output = '';
  const child = spawn(
    process.execPath,
    [
      entry,
      '--config',
      path.join(home, 'config.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensionsDir,
      options.workspace,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const stopServer = (): void => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let browser: Browser | undefined;
  try {
    await waitHealthy(port, child, () => output);
    browser = await launchBrowser(env);
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    const consoleLines: string[] = [];
    page.on('console', (msg) => consoleLines.push(msg.text()));
    if (options.onExit) await page.exposeFunction('codeAutomationExit', options.onExit);
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload: Array<[string, string]> = [];
    if (options.extensionPath) payload.push(['extensionDevelopmentPath', remote(options.extensionPath)]);
    if (options.testsPath) payload.push(['extensionTestsPath', remote(options.testsPath)]);
    const url =
      `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}` +
      (payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '');
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const opened = browser;
    return {
      page,
      port,
      extensionsDir,
      console: consoleLines,
      async close() {
        await opened.close().catch(() => undefined);
        stopServer();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    stopServer();
    throw err;
  }
}

/** Debian's Chromium, headless, with the flags this offline machine needs. */
export function launchBrowser(env: NodeJS.ProcessEnv): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    env,
  });
}

/** Runs a command from the palette by its full title ("Chunkpress: Show Log"), retrying while the workbench warms up. */
export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor();
    await page.waitForTimeout(300);
    await page.keyboard.type(title);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title });
    try {
      await row.first().waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
    }
  }
  throw new Error(`command "${title}" did not appear in the palette`);
}
