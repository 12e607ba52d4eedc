import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { helperEnvironment } from '../../client/src/helperEnvironment';

test('the helper starts without NODE_EXTRA_CA_CERTS, and with everything else the host has', () => {
  const host = { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', PATH: '/usr/bin', LANG: 'C.UTF-8' };
  const overlay = helperEnvironment(host);
  assert.deepEqual(overlay, { NODE_EXTRA_CA_CERTS: undefined });
  assert.deepEqual(helperEnvironment({ PATH: '/usr/bin' }), {});
  // Laid over the host's as vscode-languageclient does, then through child_process as it forks.
  const seen = JSON.parse(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], {
      env: { ...host, ...overlay },
      encoding: 'utf8',
    }),
  ) as Record<string, string>;
  assert.equal('NODE_EXTRA_CA_CERTS' in seen, false);
  assert.equal(seen.LANG, 'C.UTF-8');
  assert.equal(seen.PATH, '/usr/bin');
});
