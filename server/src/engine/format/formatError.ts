/** A structural problem in archive bytes, located by absolute byte offset (and frame when known). */
export class FormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly frame?: number,
  ) {
    super(`${message} (at byte ${offset}${frame === undefined ? '' : `, frame ${frame}`})`);
    this.name = 'FormatError';
  }
}
