/**
 * Layer 4: the extension in a real VS Code (code-server + Chromium), driven as a person would:
 * right-click a file in the Explorer, "Compress with Chunks", watch the status bar, see the archive.
 * Screenshots land in test-results/e2e/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { readArchive, repoRoot, sampleData, tempDir } from '../helpers';
import { launch, type Session } from './codeServer';

const shots = path.join(repoRoot, 'test-results', 'e2e');
const workspace = tempDir('chunkpress-e2e-ws-');
const STATUS = '[id="chunkpress.chunkpress.status"]';
const restoreData = sampleData(3 << 20, 41);
const hugeData = sampleData(10 << 20, 61);
let session: Session;
const WEBAPP_SOURCE = 'export function greet(name) {\n  return `hello ${name}`;\n}\n';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  // Level 19 keeps the job running for a few seconds, long enough to watch its progress.
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'chunkpress.level': 19, 'chunkpress.chunkSize': '1M', 'chunkpress.progressLocation': 'both' }),
  );
  fs.writeFileSync(path.join(workspace, 'big.log'), sampleData(12 << 20, 77));
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'a small file\n');
  // For the helper killed mid-job.
  fs.writeFileSync(path.join(workspace, 'huge.log'), hugeData);
  // An archive whose original is gone, for Decompress.
  fs.writeFileSync(path.join(workspace, 'restore.csv'), restoreData);
  execFileSync(process.execPath, [
    path.join(repoRoot, 'dist', 'cli.js'),
    'compress',
    '-q',
    '-c',
    '256K',
    path.join(workspace, 'restore.csv'),
  ]);
  fs.rmSync(path.join(workspace, 'restore.csv'));
  // A folder for Compress with Chunks on folders.
  fs.mkdirSync(path.join(workspace, 'webapp', 'src'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'webapp', 'src', 'app.js'), WEBAPP_SOURCE);
  fs.writeFileSync(path.join(workspace, 'webapp', 'index.html'), '<script src="src/app.js"></script>\n');
  fs.mkdirSync(path.join(workspace, 'webapp', 'assets'));
  session = await launch({ workspace, extensionPath: repoRoot });
});

after(async () => {
  await session?.close();
  fs.rmSync(workspace, { recursive: true, force: true });
});

async function explorerRow(page: Page, name: string) {
  const exact = new RegExp(`^${name.replace(/\./g, '\\.')}$`);
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: exact });
  await row
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(async (err: unknown) => {
      await shot(page, `no-row-${name}`);
      throw err;
    });
  return row.first();
}

/** Shows the Explorer (its activity bar icon would hide the side bar if it is already shown). */
async function showExplorer(page: Page): Promise<void> {
  if (await page.locator('.explorer-folders-view').first().isVisible()) return;
  await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
}

/**
 * Right-clicks a file and picks a menu item. Right after start-up the extension's menu entries may
 * not be registered yet, so the menu is reopened until the item shows.
 */
async function contextMenu(page: Page, file: string, item: string, screenshot?: string): Promise<void> {
  const label = new RegExp(`^${item.replace(/\./g, '\\.')}$`);
  for (let attempt = 0; attempt < 20; attempt++) {
    const row = await explorerRow(page, file);
    await row.click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    await menu.waitFor();
    await page.waitForTimeout(300);
    const entry = menu.locator('.action-item', { hasText: label }).first();
    if (await entry.isVisible()) {
      if (screenshot) await shot(page, screenshot);
      await entry.click();
      return;
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
  }
  throw new Error(`"${item}" never appeared in the context menu of ${file}`);
}

test('right-click a file, Compress with Chunks: live status bar, then the .zst in the Explorer', async () => {
  const { page } = session;
  await explorerRow(page, 'big.log');
  await shot(page, '01-workbench');
  await contextMenu(page, 'big.log', 'Compress with Chunks', '02-context-menu');

  // The status bar item shows the job live: name, percentage, chunks, throughput.
  const status = page.locator(STATUS);
  await status.waitFor({ timeout: 30_000 });
  const seen: string[] = [];
  let progressShot = false;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // Read without waiting: the item disappears when the job ends, between any two calls.
    const text = await page.evaluate<string>(`document.querySelector('${STATUS}')?.innerText ?? ''`);
    if (text) seen.push(text);
    if (!progressShot && /\d+\/12 chunks · [\d.]+ [kM]B\/s/.test(text)) {
      await shot(page, '03-status-bar-progress');
      progressShot = true;
    }
    if (fs.existsSync(path.join(workspace, 'big.log.zst'))) break;
    await page.waitForTimeout(100);
  }
  assert.ok(
    seen.some((t) => /big\.log \d+% · \d+\/12 chunks · [\d.]+ [kM]B\/s · ETA \d+:\d\d/.test(t)),
    `status bar texts seen: ${JSON.stringify([...new Set(seen)])}`,
  );

  // The archive appears in the Explorer, and a result message with its actions.
  await explorerRow(page, 'big.log.zst');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'big.log: 12 MiB ->' });
  await toast.first().waitFor({ timeout: 30_000 });
  const message = await toast.first().locator('.notification-list-item-message').innerText();
  assert.match(
    message,
    /^big\.log: 12 MiB -> [\d.]+ (KiB|MiB) \(ratio [\d.]+, saved [\d.]+%\), 12 chunks in \d+:\d\d at [\d.]+ [kM]B\/s$/,
  );
  assert.ok(await toast.first().locator('.monaco-button', { hasText: 'Reveal in Explorer' }).isVisible());
  await shot(page, '04-done');

  // And it round-trips through the real zstd.
  const restored = execFileSync('zstd', ['-dc', path.join(workspace, 'big.log.zst')], { maxBuffer: 1 << 30 });
  assert.ok(restored.equals(fs.readFileSync(path.join(workspace, 'big.log'))));
  // The status bar item goes away when no job runs.
  await status.waitFor({ state: 'hidden', timeout: 10_000 });
});

test('compressing again asks before replacing the archive', async () => {
  const { page } = session;
  const archive = path.join(workspace, 'big.log.zst');
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'chunkpress.level': 1, 'chunkpress.chunkSize': '1M' }),
  );
  // The archive takes big.log's times, so a replacement shows as a new file (inode), not a new mtime.
  const before = fs.statSync(archive).ino;
  await page.waitForTimeout(500); // let the settings change reach the extension host
  await contextMenu(page, 'big.log', 'Compress with Chunks');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30_000 });
  assert.match(await dialog.innerText(), /big\.log\.zst already exists\. Replace it\?/);
  await shot(page, '05-replace-dialog');
  await dialog.locator('.monaco-button', { hasText: 'Replace' }).click();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && fs.statSync(archive).ino === before) await page.waitForTimeout(100);
  assert.notEqual(fs.statSync(archive).ino, before, 'the archive was replaced');
  // Node sets times from a double of seconds: exact to the microsecond, not the nanosecond.
  const drift = fs.statSync(archive).mtimeMs - fs.statSync(path.join(workspace, 'big.log')).mtimeMs;
  assert.ok(Math.abs(drift) < 0.001, `the archive has big.log's mtime (off by ${drift} ms)`);
  const restored = execFileSync('zstd', ['-dc', archive], { maxBuffer: 1 << 30 });
  assert.ok(restored.equals(fs.readFileSync(path.join(workspace, 'big.log'))));
});

test('Compress with Chunks... picks format, level and chunk size for one run', async () => {
  const { page } = session;
  fs.writeFileSync(path.join(workspace, 'table.csv'), sampleData(600_000, 5));
  await contextMenu(page, 'table.csv', 'Compress with Chunks...');
  const picker = page.locator('.quick-input-widget');
  // The format first, each said with what it is for; zstd, the current setting, on top.
  await picker.locator('.monaco-list-row', { hasText: 'Opens everywhere' }).first().waitFor();
  await shot(page, '06-format-pick');
  await picker.locator('.monaco-list-row', { hasText: 'Smaller and faster' }).first().click();
  await picker.locator('.monaco-list-row', { hasText: 'smaller, slower' }).first().waitFor();
  await shot(page, '06-level-pick');
  await page.keyboard.type('9');
  await picker.locator('.monaco-list-row', { hasText: /^9/ }).first().click();
  await picker.locator('.monaco-list-row', { hasText: '256M' }).first().waitFor();
  await picker
    .locator('.monaco-list-row', { hasText: /^64K|^1M/ })
    .first()
    .click();
  await explorerRow(page, 'table.csv.zst');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !fs.existsSync(path.join(workspace, 'table.csv.zst'))) await page.waitForTimeout(100);
  const archive = readArchive(path.join(workspace, 'table.csv.zst'));
  assert.equal(archive.manifest.options.level, 9);
  assert.equal(archive.manifest.options.chunkSize, 1 << 20);
});

test('Compress with Chunks... with gzip picked makes a .gz that gzip -dc gives back', async () => {
  const { page } = session;
  const data = sampleData(900_000, 15);
  fs.writeFileSync(path.join(workspace, 'sheet.csv'), data);
  await contextMenu(page, 'sheet.csv', 'Compress with Chunks...');
  const picker = page.locator('.quick-input-widget');
  await picker.locator('.monaco-list-row', { hasText: 'every OS, archive manager' }).first().click();
  // gzip's own levels, 1 to 9.
  await picker.locator('.monaco-list-row', { hasText: 'gzip default: balanced' }).first().waitFor();
  await shot(page, '06b-gzip-level-pick');
  assert.equal(await picker.locator('.monaco-list-row', { hasText: 'ultra' }).count(), 0);
  await picker.locator('.monaco-list-row', { hasText: 'smallest, slowest' }).first().click();
  await picker.locator('.monaco-list-row', { hasText: '256M' }).first().waitFor();
  await picker
    .locator('.monaco-list-row', { hasText: /^64K|^1M/ })
    .first()
    .click();
  const archive = path.join(workspace, 'sheet.csv.gz');
  await explorerRow(page, 'sheet.csv.gz');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !fs.existsSync(archive)) await page.waitForTimeout(100);
  assert.ok(execFileSync('gzip', ['-dc', archive], { maxBuffer: 1 << 30 }).equals(data));
  const bytes = fs.readFileSync(archive);
  assert.equal(bytes[8], 2, 'XFL says level 9');
  assert.equal(bytes.subarray(10, 10 + 'sheet.csv'.length).toString(), 'sheet.csv', 'FNAME, as gzip writes it');
  await shot(page, '06c-gzip-made');
});

/** A row of the Archives view whose text starts with `label`. */
function archivesRow(page: Page, label: string) {
  const exact = new RegExp(`^${label.replace(/\./g, '\\.')}$`);
  return page
    .locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
}

/** Waits until the row's text matches (the view redraws a moment after the data changes), then asserts it. */
async function expectRow(page: Page, label: string, pattern: RegExp): Promise<void> {
  const row = archivesRow(page, label);
  const deadline = Date.now() + 15_000;
  let text = '';
  while (Date.now() < deadline) {
    text = (await row.innerText().catch(() => '')).replace(/\n/g, ' ');
    if (pattern.test(text)) return;
    await page.waitForTimeout(100);
  }
  assert.match(text, pattern);
}

/** Expands a row (a click toggles it) and waits for the first child to show. */
async function expand(page: Page, label: string, child: string): Promise<void> {
  const row = archivesRow(page, label);
  await row.waitFor({ timeout: 30_000 });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await archivesRow(page, child).waitFor({ timeout: 30_000 });
}

test('the helper killed mid-job: on its restart the Resume prompt, and Resume finishes the same archive', async () => {
  const { page } = session;
  const settings = path.join(workspace, '.vscode', 'settings.json');
  const before = fs.readFileSync(settings);
  // Slow enough to be caught halfway.
  fs.writeFileSync(settings, JSON.stringify({ 'chunkpress.level': 19, 'chunkpress.chunkSize': '1M' }));
  await page.waitForTimeout(500);
  await showExplorer(page);
  await contextMenu(page, 'huge.log', 'Compress with Chunks');
  const journal = (): string | undefined =>
    fs.readdirSync(workspace).find((f) => f.startsWith('.huge.log.zst.') && f.endsWith('.journal'));
  const framesIn = (file: string): number => fs.readFileSync(path.join(workspace, file), 'utf8').split('\n').length - 2;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !(journal() && framesIn(journal()!) >= 3)) await page.waitForTimeout(50);
  if (!journal()) await shot(page, '24-no-journal');
  assert.ok(journal(), 'the job keeps a journal');
  // As a crash or a reload does it: the helper process is killed outright.
  const helpers = execFileSync('pgrep', ['-f', path.join(repoRoot, 'dist', 'server.js')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map(Number);
  for (const pid of helpers) process.kill(pid, 'SIGKILL');
  // The client starts a new helper, which finds the job and offers it.
  const prompt = page.locator('.notifications-toasts .notification-toast', {
    hasText: /huge\.log\.zst was interrupted at \d+% \(\d+ of 10 chunks\)/,
  });
  await prompt.first().waitFor({ timeout: 60_000 });
  // The job that was running says its work is kept.
  await page
    .locator('.notifications-toasts .notification-toast', {
      hasText: /The Chunkpress helper stopped while compressing huge\.log: .*What was done is kept/,
    })
    .first()
    .waitFor({ timeout: 10_000 });
  await shot(page, '24-resume-prompt');
  // The Archives panel lists it meanwhile, as an interrupted row.
  await page.locator('.activitybar .action-item a[aria-label^="Chunkpress"]').first().click();
  await archivesRow(page, 'huge.log.zst').waitFor({ timeout: 30_000 });
  await expectRow(page, 'huge.log.zst', /interrupted at \d+% \(\d+ of 10 chunks\)/);
  await shot(page, '25-interrupted-row');
  await prompt.first().locator('.monaco-button', { hasText: 'Resume' }).click();
  const archive = path.join(workspace, 'huge.log.zst');
  const done = Date.now() + 120_000;
  while (Date.now() < done && !fs.existsSync(archive)) await page.waitForTimeout(200);
  assert.ok(fs.existsSync(archive), 'the resumed job made the archive');
  const result = page.locator('.notifications-toasts .notification-toast', {
    hasText: /10 chunks \(resumed after \d+\)/,
  });
  await result.first().waitFor({ timeout: 30_000 });
  await shot(page, '26-resumed');
  const reference = path.join(tempDir('chunkpress-e2e-ref-'), 'huge.log.zst');
  execFileSync(process.execPath, [
    path.join(repoRoot, 'dist', 'cli.js'),
    'compress',
    '-q',
    '-l',
    '19',
    '-c',
    '1M',
    path.join(workspace, 'huge.log'),
    '-o',
    reference,
  ]);
  assert.ok(fs.readFileSync(archive).equals(fs.readFileSync(reference)), 'the archive an uninterrupted run makes');
  assert.ok(execFileSync('zstd', ['-dc', archive], { maxBuffer: 1 << 30 }).equals(hugeData));
  assert.equal(journal(), undefined, 'its journal is gone');
  fs.rmSync(path.dirname(reference), { recursive: true });
  fs.writeFileSync(settings, before);
  await showExplorer(page);
});

test('the Archives view: an archive down to a block header, then its report', async () => {
  const { page } = session;
  await page.locator('.activitybar .action-item a[aria-label^="Chunkpress"]').first().click();
  await archivesRow(page, 'big.log.zst').waitFor({ timeout: 30_000 });
  await shot(page, '07-archives-view');

  await expand(page, 'big.log.zst', 'Chunks');
  const archive = archivesRow(page, 'big.log.zst');
  await page.waitForFunction(
    `/12 chunks · Chunkpress/.test(document.querySelector('.part.sidebar')?.textContent ?? '')`,
    undefined,
    {
      timeout: 30_000,
    },
  );
  assert.match(
    await archive.innerText(),
    /big\.log\.zst\s*12 MiB → [\d.]+ (KiB|MiB) · [\d.]+× · 12 chunks · Chunkpress/,
  );
  await expand(page, 'Chunks', 'Chunk 0');
  await expand(page, 'Chunk 0', 'Magic');
  assert.match(await archivesRow(page, 'Magic').innerText(), /Magic\s*0xFD2FB528/);
  assert.match(await archivesRow(page, 'Window size').innerText(), /Window size\s*[\d.]+ (KiB|MiB) \(\d+ B\)/);
  await expand(page, 'Blocks', 'Block 0');
  const block = await archivesRow(page, 'Block 0').innerText();
  assert.match(block, /Block 0\s*compressed · [\d.]+ KiB/);
  await archivesRow(page, 'Block 0').hover();
  await page
    .locator('.monaco-hover, .custom-hover, .workbench-hover')
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
  await shot(page, '08-block-header');

  // The report: the inline action on the archive row opens a read-only listing.
  await archive.hover();
  await archive.locator('.action-label[aria-label="Open Report"]').click();
  const tab = page.locator('.tabs-container .tab', { hasText: 'big.log.zst.report' });
  await tab.first().waitFor({ timeout: 30_000 });
  const text = await page.locator('.editor-instance .view-lines').first().innerText();
  assert.match(text.replace(/\u00a0/g, ' '), /big\.log\.zst: Chunkpress archive, seekable, checksums on every frame/);
  assert.match(text.replace(/\u00a0/g, ' '), /frame\s+role\s+offset\s+compressed/);
  // The grammar colours sizes (tokenizing happens off the main thread, so wait for it).
  await page.waitForFunction(
    `[...document.querySelectorAll('.editor-instance .view-lines span span')].some((e) => /MiB/.test(e.textContent) && !/\\bmtk1\\b/.test(e.className))`,
    undefined,
    { timeout: 15_000 },
  );
  await shot(page, '09-report');
});

test('right-click a .zst, Decompress: the original comes back beside it', async () => {
  const { page } = session;
  await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
  await contextMenu(page, 'restore.csv.zst', 'Decompress', '10-decompress-menu');
  await explorerRow(page, 'restore.csv');
  const output = path.join(workspace, 'restore.csv');
  const toast = page.locator('.notifications-toasts .notification-toast', {
    hasText: 'restore.csv.zst: 3 MiB -> restore.csv',
  });
  await toast.first().waitFor({ timeout: 30_000 });
  assert.match(
    await toast.first().locator('.notification-list-item-message').innerText(),
    /^restore\.csv\.zst: 3 MiB -> restore\.csv in \d+:\d\d at [\d.]+ [kM]B\/s \(12 frames (?:in parallel on \d threads|on 1 thread)\)$/,
  );
  await shot(page, '11-decompressed');
  assert.ok(fs.readFileSync(output).equals(restoreData));
  assert.deepEqual(
    fs.readdirSync(workspace).filter((f) => f.endsWith('.partial')),
    [],
  );
});

test('Verify Archive in the panel: passed; after a chunk is corrupted, that chunk is marked failed', async () => {
  const { page } = session;
  await page.locator('.activitybar .action-item a[aria-label^="Chunkpress"]').first().click();
  const archive = archivesRow(page, 'big.log.zst');
  await archive.waitFor({ timeout: 30_000 });
  const verify = async (): Promise<void> => {
    await archive.hover();
    await archive.locator('.action-label[aria-label="Verify Archive"]').click();
  };
  await verify();
  await expectRow(
    page,
    'Verification',
    /^Verification\s*passed · 12 chunks · manifest digests match · index matches · \d+:\d\d$/,
  );
  await expectRow(page, 'big.log.zst', /12 chunks · Chunkpress · verified$/);
  await expectRow(page, 'Chunk 3', /· verified$/);
  await shot(page, '12-verified');

  // Flip one byte inside chunk 3 (past its header): only that frame's decode or checksum can fail.
  const file = path.join(workspace, 'big.log.zst');
  const parts = readArchive(file);
  const chunk3 = parts.table.entries.slice(0, 3).reduce((sum, e) => sum + e.compressedSize, 0);
  const fd = fs.openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  fs.readSync(fd, byte, 0, 1, chunk3 + 100);
  byte[0] ^= 0xff;
  fs.writeSync(fd, byte, 0, 1, chunk3 + 100);
  fs.closeSync(fd);
  await page.waitForTimeout(1000); // let the watcher see the change
  await verify();
  await expectRow(page, 'Verification', /^Verification\s*failed · 1 of 12 chunks bad$/);
  await expectRow(page, 'Chunk 3', /· FAILED$/);
  await expectRow(page, 'Chunk 2', /· verified$/);
  await expectRow(page, 'big.log.zst', /· 1 bad chunk$/);
  const toast = page.locator('.notifications-toasts .notification-toast', {
    hasText: 'big.log.zst failed verification',
  });
  await toast.first().waitFor({ timeout: 10_000 });
  assert.match(
    await toast.first().locator('.notification-list-item-message').innerText(),
    /big\.log\.zst failed verification: frame 3 \(bytes \d+\.\.\d+, content 3145728\.\.4194303\)/,
  );
  // The job is over, so is its progress: no "Verifying … %" with a Cancel beside the result.
  const progress = page.locator('.notifications-toasts .notification-toast', { hasText: /Verifying big\.log\.zst/ });
  await progress.first().waitFor({ state: 'hidden', timeout: 2_000 });
  await shot(page, '13-verify-failed');
});

test('right-click a folder, Compress with Chunks: the .tar.zst, its Members down to a file, Open Member', async () => {
  const { page } = session;
  await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
  await contextMenu(page, 'webapp', 'Compress with Chunks', '14-folder-menu');
  await explorerRow(page, 'webapp.tar.zst');
  const archive = path.join(workspace, 'webapp.tar.zst');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !fs.existsSync(archive)) await page.waitForTimeout(100);
  assert.deepEqual(execFileSync('tar', ['--zstd', '-tf', archive]).toString().trim().split('\n'), [
    'webapp/',
    'webapp/assets/',
    'webapp/index.html',
    'webapp/src/',
    'webapp/src/app.js',
  ]);
  const toast = page.locator('.notifications-toasts .notification-toast', {
    hasText: 'webapp.tar.zst (2 files, 3 folders)',
  });
  await toast.first().waitFor({ timeout: 30_000 });
  await shot(page, '15-folder-done');

  await page.locator('.activitybar .action-item a[aria-label^="Chunkpress"]').first().click();
  // The earlier tests left big.log.zst open down to its blocks: the list only draws what is in view.
  await page.locator('.part.sidebar').hover();
  await page.locator('.part.sidebar .action-label[aria-label^="Collapse All"]').first().click();
  await expand(page, 'webapp.tar.zst', 'Members');
  await expectRow(page, 'Members', /^Members\s*5$/);
  await expand(page, 'Members', 'webapp');
  await expand(page, 'webapp', 'src');
  await expectRow(page, 'assets', /^assets\s*0 items · /);
  await expand(page, 'src', 'app.js');
  await expectRow(page, 'app.js', /^app\.js\s*\d+ B · \d{4}-\d\d-\d\d \d\d:\d\d · -rw-r--r--$/);
  await shot(page, '16-members');
  await archivesRow(page, 'app.js').click();
  const tab = page.locator('.tabs-container .tab', { hasText: 'app.js' });
  await tab.first().waitFor({ timeout: 30_000 });
  // The report opened earlier is another editor on the page: look for the member's text in any.
  const shown = await page
    .waitForFunction(
      `[...document.querySelectorAll('.editor-instance .view-lines')].some((e) => /function.greet/.test(e.textContent))`,
      undefined,
      { timeout: 30_000 },
    )
    .catch(async (err: unknown) => {
      await shot(page, '17-open-member-failed');
      throw err;
    });
  assert.ok(shown);
  await shot(page, '17-open-member');
});

test('Open as Folder: the archive in the Explorer, a nested file in an editor; Find in Archive opens a match at its line', async () => {
  const { page } = session;
  // An archive of a tree found nowhere else in the workspace, so that its rows are its own.
  const source = tempDir('chunkpress-e2e-docs-');
  fs.mkdirSync(path.join(source, 'docs', 'manual', 'chapter1'), { recursive: true });
  fs.writeFileSync(
    path.join(source, 'docs', 'manual', 'chapter1', 'intro.md'),
    '# Intro\n\nChapter one begins here.\n',
  );
  fs.writeFileSync(path.join(source, 'docs', 'index.md'), '# Docs\n');
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'dist', 'cli.js'), 'compress', '-q', 'docs', '-o', path.join(workspace, 'docs.tar.zst')],
    {
      cwd: source,
    },
  );
  fs.rmSync(source, { recursive: true });
  await showExplorer(page);
  // A second root, named after the archive, whose folders come from its index.
  const root = page.locator('.explorer-folders-view .monaco-list-row[aria-level="1"]', { hasText: /^docs\.tar\.zst$/ });
  const folderWindow = page.url();
  for (let attempt = 1; ; attempt++) {
    await contextMenu(page, 'docs.tar.zst', 'Open as Folder', '18-open-as-folder-menu');
    // A first second root turns the window into an untitled workspace, which reloads it: nothing is
    // clicked until that is over.
    await page.waitForFunction(`document.title.includes('(Workspace)')`, undefined, { timeout: 60_000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForTimeout(2_000);
    if (
      await root
        .first()
        .waitFor({ timeout: 30_000 })
        .then(
          () => true,
          () => false,
        )
    )
      break;
    // code-server sometimes reloads into its new untitled workspace before that workspace's file
    // holds the folders (the window comes back with no folder at all, ours included). Anything
    // else, or the same twice, is a failure.
    const rows = await page.locator('.explorer-folders-view .monaco-list-row').count();
    await shot(page, `18-open-as-folder-attempt-${attempt}`);
    if (rows > 0 || attempt === 2)
      throw new Error(
        `After Open as Folder the Explorer shows ${rows} rows and no docs.tar.zst root (${await page.title()})`,
      );
    console.log(
      `Open as Folder: the untitled workspace came back empty (${await page.title()}); reopening ${folderWindow}`,
    );
    await page.goto(folderWindow);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await showExplorer(page);
  }
  const inside = async (name: string, level: number) => {
    const row = page
      .locator(`.explorer-folders-view .monaco-list-row[aria-level="${level}"]`)
      .filter({ hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) });
    await row
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(async (err: unknown) => {
        await shot(page, `19-no-${name}`);
        throw err;
      });
    return row.first();
  };
  // Down to a row, opening folders on the way (a click toggles one, the arrow key opens it): the
  // list redraws as the workspace changes, so each step is tried until its row shows.
  const reach = async (names: string[]) => {
    let parent = root.first();
    for (let depth = 0; depth < names.length; depth++) {
      const row = page
        .locator(`.explorer-folders-view .monaco-list-row[aria-level="${depth + 2}"]`)
        .filter({ hasText: new RegExp(`^${names[depth].replace(/\./g, '\\.')}$`) })
        .first();
      for (let attempt = 0; attempt < 20 && !(await row.isVisible()); attempt++) {
        await page.waitForTimeout(500);
        if (await row.isVisible()) break;
        await parent.click({ timeout: 2_000 }).catch(() => undefined);
        await page.keyboard.press('ArrowRight');
      }
      parent = row;
    }
    return inside(names[names.length - 1], names.length + 1);
  };
  await reach(['docs', 'manual']);
  await (await reach(['docs', 'index.md'])).click();
  const editorShows = (pattern: string, name: string) =>
    page
      .waitForFunction(
        `[...document.querySelectorAll('.editor-instance .view-lines')].some((e) => /${pattern}/.test(e.textContent))`,
        undefined,
        { timeout: 30_000 },
      )
      .catch(async (err: unknown) => {
        await shot(page, `${name}-failed`);
        throw err;
      });
  await editorShows('Docs', '19-archive-folder');
  await shot(page, '19-archive-folder');

  // Find in Archive, by name: a nested member opens in an editor.
  await contextMenu(page, 'docs.tar.zst', 'Find in Archive...');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill('intro');
  const member = page.locator('.quick-input-list .monaco-list-row', { hasText: 'docs/manual/chapter1' }).first();
  await member.waitFor();
  await shot(page, '20-find-member');
  await member.click();
  await page
    .locator('.tabs-container .tab', { hasText: 'intro.md' })
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(async (err: unknown) => {
      await shot(page, '20-find-member-failed');
      throw err;
    });
  await editorShows('Chapter.one.begins', '20-find-member');

  // Find in Archive: what is typed searches the files; the match opens at its line.
  await contextMenu(page, 'docs.tar.zst', 'Find in Archive...');
  await input.waitFor({ timeout: 30_000 });
  await input.fill('begins');
  const searchRow = page
    .locator('.quick-input-list .monaco-list-row', { hasText: 'Search the files for this text' })
    .first();
  await searchRow.waitFor();
  await shot(page, '20-find-in-archive');
  await searchRow.click();
  const match = page.locator('.quick-input-list .monaco-list-row', { hasText: 'docs/manual/chapter1/intro.md:3' });
  await match.first().waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-title', { hasText: /1 matching line in 1 of 2 files of docs\.tar\.zst/ }).waitFor();
  await shot(page, '21-find-matches');
  await page.keyboard.press('Enter');
  await page
    .locator('.statusbar-item', { hasText: /Ln 3, Col 1/ })
    .first()
    .waitFor({ timeout: 30_000 });

  // Close Archive Folder on its root takes it out of the workspace again.
  await showExplorer(page);
  // (On its root: the file of the same name in the workspace's own folder has no such item.)
  await root.first().click({ button: 'right' });
  const item = page.locator('.context-view .monaco-menu .action-item', { hasText: /^Close Archive Folder$/ }).first();
  await item.waitFor({ timeout: 10_000 });
  await shot(page, '22-close-archive-folder');
  await item.click();
  await root.first().waitFor({ state: 'detached', timeout: 30_000 });
});

test('Extract Here: a tar.gz from elsewhere becomes the tree tar makes of it', async () => {
  const { page } = session;
  const source = tempDir('chunkpress-e2e-site-');
  fs.mkdirSync(path.join(source, 'pages'));
  fs.writeFileSync(path.join(source, 'pages', 'about.html'), '<h1>about</h1>\n');
  fs.writeFileSync(path.join(source, 'style.css'), 'body { margin: 0 }\n');
  fs.symlinkSync('pages/about.html', path.join(source, 'about'));
  execFileSync('tar', ['-czf', path.join(workspace, 'site.tgz'), '-C', source, 'pages', 'style.css', 'about']);
  await showExplorer(page);
  await contextMenu(page, 'site.tgz', 'Extract Here', '22-extract-here-menu');
  // Several entries at its top: they go into a folder named after the archive.
  const toast = page.locator('.notifications-toasts .notification-toast', {
    hasText: 'Extracted 2 files, 1 folder, 1 link',
  });
  await toast.first().waitFor({ timeout: 60_000 });
  await explorerRow(page, 'site');
  await shot(page, '23-extracted');
  const byTar = tempDir('chunkpress-e2e-tar-');
  execFileSync('tar', ['-xzf', path.join(workspace, 'site.tgz'), '-C', byTar]);
  const list = (dir: string): string =>
    execFileSync('find', ['.', '-printf', '%P %y %s %m %l %T@\\n'], { cwd: dir })
      .toString()
      .split('\n')
      .filter((l) => l && !l.startsWith(' '))
      .map((l) => l.replace(/ d \d+ /, ' d - '))
      .sort()
      .join('\n');
  assert.equal(list(path.join(workspace, 'site')), list(byTar));
  fs.rmSync(source, { recursive: true });
  fs.rmSync(byTar, { recursive: true });
});
