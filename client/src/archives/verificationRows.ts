/** The words of a verification in the Archives panel: the Verification row, chunk marks, the Seek table row. Pure. */
import type { Layout } from '../../../server/src/engine/inspection/inspect';
import { formatDuration } from '../../../server/src/engine/sizes';
import type { DecodeResult, FrameCheck, JobProgress } from '../../../server/src/protocol';
import { exact, plural, unitName } from './archiveRows';

/** The last Verify Archive of an archive, as the panel shows it. */
export interface Verification {
  state: 'running' | 'passed' | 'failed' | 'cancelled' | 'error';
  /** Outcome of each data frame checked so far, by its index. */
  frames: Map<number, FrameCheck>;
  progress: JobProgress | undefined;
  /** Failures that belong to no single frame (damaged structure, whole-content digest, gzip stream). */
  archiveFailures: FrameCheck[];
  result: DecodeResult | undefined;
  /** Why the verification could not run (state 'error'). */
  error: string | undefined;
  /** The file's size and mtime when it started: once they differ, the outcome no longer holds. */
  stamp: Promise<string | undefined>;
}

const badFrames = (v: Verification): number => [...v.frames.values()].filter((f) => !f.ok).length;

/** The Verification row: "passed · 12 chunks · manifest digests match · 0:01". */
export function verificationDescription(v: Verification, total: number, layout: Layout): string {
  const unit = unitName(layout);
  const bad = badFrames(v);
  switch (v.state) {
    case 'running': {
      const p = v.progress;
      const pct = p?.totalBytes ? `${Math.floor((100 * p.bytesIn) / p.totalBytes)}% · ` : '';
      return `verifying · ${pct}${v.frames.size}/${total} ${unit}s`;
    }
    case 'passed': {
      const r = v.result;
      const parts = ['passed', plural(r?.framesDecoded ?? v.frames.size, unit)];
      if (r?.digestsChecked) parts.push('manifest digests match');
      if (r?.indexChecked) parts.push('index matches');
      if (r) parts.push(formatDuration(r.elapsedMs));
      return parts.join(' · ');
    }
    case 'failed': {
      const parts = ['failed'];
      const findings = v.result?.indexFindings.length ?? 0;
      if (bad > 0) parts.push(`${bad} of ${total} ${unit}s bad`);
      if (v.archiveFailures.length > 0) parts.push(plural(v.archiveFailures.length, 'archive-level error'));
      if (findings > 0) parts.push(`the index disagrees in ${plural(findings, 'place')}`);
      if (findings > 0 && bad === 0 && v.archiveFailures.length === 0) parts.push(`every ${unit} intact`);
      return parts.join(' · ');
    }
    case 'cancelled':
      return `cancelled after ${v.frames.size}/${total} ${unit}s`;
    case 'error':
      return `could not run: ${v.error ?? 'unknown error'}`;
  }
}

export function verificationTooltip(v: Verification): string {
  const lines = [`Verify Archive: ${v.state}`];
  const r = v.result;
  if (r) {
    lines.push(
      `${r.framesDecoded} of ${r.frames} frames decoded, ${r.mode}${r.mode === 'parallel' ? ` on ${r.threads} threads` : ''}; ${exact(r.bytesOut)} checked`,
    );
    if (r.digestsChecked) lines.push("Every chunk's XXH64 and the content digest compared with the manifest");
    if (r.indexChecked) lines.push('Every seek table entry compared with its frame, and the manifest with the table');
    if (r.note) lines.push(r.note);
    if (r.indexFindings.length > 0) {
      lines.push('', ...r.indexFindings.slice(0, 20).map((f) => f.message));
      if (r.indexFindings.length > 20) lines.push(`… and ${r.indexFindings.length - 20} more`);
    }
  }
  const failures = [...[...v.frames.values()].filter((f) => !f.ok), ...v.archiveFailures];
  if (failures.length > 0) lines.push('', ...failures.slice(0, 20).map((f) => f.message ?? `frame ${f.index} failed`));
  if (failures.length > 20) lines.push(`… and ${failures.length - 20} more`);
  if (v.error) lines.push('', v.error);
  return lines.join('\n');
}

/** What the archive row adds: "verified", "1 bad chunk", "verifying 45%". */
export function archiveVerificationText(v: Verification, layout: Layout): string | undefined {
  if (v.state === 'passed') return 'verified';
  if (v.state === 'failed') {
    const bad = badFrames(v);
    if (bad > 0) return plural(bad, `bad ${unitName(layout)}`);
    return v.result?.indexFindings.length ? 'index disagrees with the frames' : 'failed verification';
  }
  if (v.state === 'running') {
    const p = v.progress;
    return `verifying${p?.totalBytes ? ` ${Math.floor((100 * p.bytesIn) / p.totalBytes)}%` : '…'}`;
  }
  return undefined;
}

/** What the Seek table row says once verified: whether every entry matched its frame. */
export function seekTableCheck(
  v: Verification | undefined,
): { description: string; tooltip: string; failed: boolean } | undefined {
  const r = v?.state === 'passed' || v?.state === 'failed' ? v.result : undefined;
  if (!r?.indexChecked) return undefined;
  const findings = r.indexFindings;
  if (findings.length === 0)
    return { description: 'matches the frames', tooltip: 'Every entry matches its frame', failed: false };
  return {
    description: `FAILED · disagrees with the frames in ${plural(findings.length, 'place')}`,
    tooltip: findings.map((f) => f.message).join('\n'),
    failed: true,
  };
}

/** A checked frame's row suffix and tooltip line. */
export function frameCheckText(check: FrameCheck): { description: string; tooltip: string } {
  return check.ok
    ? { description: 'verified', tooltip: 'Verified: decodes, and its checksum (and manifest digest) match' }
    : { description: 'FAILED', tooltip: `Failed: ${check.message ?? 'does not decode'}` };
}
