/**
 * Mocha entry point run inside the extension host (extensionTestsPath), under code-server here and
 * under @vscode/test-electron where a desktop VS Code can be downloaded. Writes a JSON summary to
 * $CHUNKPRESS_E2E_RESULTS when set, since the host's exit code is not visible through code-server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, color: false });
  for (const file of ['extension', 'archives', 'decode', 'extract', 'resume'])
    mocha.addFile(path.join(__dirname, `${file}.test.js`));
  return new Promise((resolve, reject) => {
    const passed: string[] = [];
    const failed: Array<{ title: string; error: string }> = [];
    const runner = mocha.run((failures) => {
      const file = process.env.CHUNKPRESS_E2E_RESULTS;
      if (file) fs.writeFileSync(file, JSON.stringify({ passed, failed }, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension-host tests failed`));
      else resolve();
    });
    runner.on('pass', (t) => passed.push(t.fullTitle()));
    runner.on('fail', (t, err: Error) =>
      failed.push({ title: t.fullTitle(), error: `${err.message}\n${err.stack ?? ''}` }),
    );
  });
}
