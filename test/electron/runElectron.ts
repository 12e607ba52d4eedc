/**
 * The extension-host suite (test/e2e/suite) under @vscode/test-electron, on a desktop VS Code that
 * it downloads from Microsoft. That download is impossible on machines without internet (such as
 * this project's CI), where test/e2e/hostSuite.test.ts runs the same suite in code-server instead.
 *
 *   npm run test:electron            # VS Code stable
 *   VSCODE_VERSION=1.100.0 npm run test:electron
 */
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..');
  const code = await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'e2e', 'suite', 'index.js'),
    launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  });
  process.exitCode = code;
}

main().catch((err: unknown) => {
  console.error(`test-electron could not run: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
