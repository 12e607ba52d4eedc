/**
 * The helper's environment: the extension host's, less what costs the helper time and serves it
 * nothing. Pure, so that the unit tests can check it without VS Code.
 */

/**
 * NODE_EXTRA_CA_CERTS (set for corporate proxies) makes Node 20 parse that bundle at every start,
 * 65-90 ms of the helper's start here (nodejs/node#40524); the helper opens no TLS connection.
 */
const UNUSED = ['NODE_EXTRA_CA_CERTS'];

/**
 * Variables to lay over the host's for the helper: vscode-languageclient merges them into a copy of
 * the host's environment, and an undefined value leaves the variable out of the child's.
 */
export function helperEnvironment(host: NodeJS.ProcessEnv): Record<string, undefined> {
  return Object.fromEntries(UNUSED.filter((name) => host[name] !== undefined).map((name) => [name, undefined]));
}
