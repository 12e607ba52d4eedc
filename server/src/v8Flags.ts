/**
 * V8 flags for the processes that run jobs: the helper (client/src/serverClient.ts) and the CLI
 * (the shebang scripts/build.mjs writes, which a test holds to this list). A job's main thread
 * makes short-lived objects in bursts, and V8's default semispaces of up to 16 MiB then stay
 * resident, about 50 MiB of a folder's 200 MiB peak; 2 MiB ones run as fast.
 */
export const JOB_V8_FLAGS = ['--max-semi-space-size=2'];
