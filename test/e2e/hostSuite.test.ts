/**
 * Runs the mocha suite in test/e2e/suite inside code-server's extension host (the same suite
 * @vscode/test-electron runs on a desktop VS Code) and asserts on its results.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../helpers';
import { launch } from './codeServer';

test('the extension-host suite passes in a real VS Code', async () => {
  const workspace = tempDir('chunkpress-host-ws-');
  const results = path.join(workspace, '..', `${path.basename(workspace)}-results.json`);
  process.env.CHUNKPRESS_E2E_RESULTS = results;
  let exitCode: number | undefined;
  const session = await launch({
    workspace,
    extensionPath: repoRoot,
    testsPath: path.join(repoRoot, 'out', 'test', 'e2e', 'suite', 'index.js'),
    onExit: (code) => {
      exitCode = code;
    },
  });
  try {
    const deadline = Date.now() + 300_000;
    while (exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    await session.page
      .screenshot({ path: path.join(repoRoot, 'test-results', 'e2e', 'host-suite.png') })
      .catch(() => undefined);
    assert.ok(
      fs.existsSync(results),
      `no results from the extension host; page console:\n${session.console.slice(-40).join('\n')}`,
    );
    const { passed, failed } = JSON.parse(fs.readFileSync(results, 'utf8')) as {
      passed: string[];
      failed: Array<{ title: string; error: string }>;
    };
    assert.deepEqual(failed, []);
    assert.equal(passed.length, 26, passed.join('\n'));
    assert.equal(exitCode, 0);
  } finally {
    await session.close();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(results, { force: true });
  }
});
