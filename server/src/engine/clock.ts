/**
 * Monotonic milliseconds, for elapsed times. Not the global `performance`: its first use loads
 * perf_hooks, about 1 ms of a CLI run that reads one member.
 */
export const clock = (): number => Number(process.hrtime.bigint()) / 1e6;
