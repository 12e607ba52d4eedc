/**
 * Node built-ins that only some jobs use, loaded on their first use: each costs 1-2 ms of a CLI
 * run's start, and reading one member (cat) needs neither zlib, crypto, a worker thread nor a stream.
 */
import type * as Crypto from 'node:crypto';
import type * as Stream from 'node:stream';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Zlib from 'node:zlib';

let zlibModule: typeof Zlib | undefined;
let cryptoModule: typeof Crypto | undefined;
let workerThreadsModule: typeof WorkerThreads | undefined;
let streamModule: typeof Stream | undefined;

/* eslint-disable @typescript-eslint/no-require-imports */
export const zlib = (): typeof Zlib => (zlibModule ??= require('node:zlib') as typeof Zlib);
export const crypto = (): typeof Crypto => (cryptoModule ??= require('node:crypto') as typeof Crypto);
export const workerThreads = (): typeof WorkerThreads =>
  (workerThreadsModule ??= require('node:worker_threads') as typeof WorkerThreads);
export const stream = (): typeof Stream => (streamModule ??= require('node:stream') as typeof Stream);
/* eslint-enable @typescript-eslint/no-require-imports */
