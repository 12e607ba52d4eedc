import { ProgressMeter, type ProgressSnapshot } from '../progress';

/** An extraction's meter, with the job's way of saying where it is. */
export class ExtractMeter extends ProgressMeter {
  constructor(private readonly onProgress: ((s: ProgressSnapshot) => void) | undefined) {
    super(undefined, undefined);
  }

  report(): void {
    this.onProgress?.(this.snapshot());
  }
}
