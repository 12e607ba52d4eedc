/**
 * pax extended header records (POSIX.1-2001 `pax`): "LENGTH KEY=VALUE\n", LENGTH counting the
 * whole record in bytes, its own digits included; values are UTF-8.
 */

/** The keys Chunkpress writes. */
export interface PaxValues {
  path?: string;
  linkpath?: string;
  size?: string;
  mtime?: string;
  uid?: string;
  gid?: string;
  uname?: string;
  gname?: string;
}

/** One record, its length prefix included. */
const enc = new TextEncoder();

export function paxRecord(key: string, value: string): Uint8Array {
  const body = enc.encode(` ${key}=${value}\n`);
  // The length counts its own digits: adding them may add a digit (98 + 2 = 100 needs 3).
  const digitsOfBody = String(body.length).length;
  let length = body.length + digitsOfBody;
  if (String(length).length > digitsOfBody) length = body.length + String(length).length;
  const digits = enc.encode(String(length));
  const out = new Uint8Array(digits.length + body.length);
  out.set(digits, 0);
  out.set(body, digits.length);
  return out;
}

/** The records of `values`, in a fixed key order (so the same entry gives the same bytes). */
export function paxRecords(values: PaxValues): Uint8Array {
  const order: Array<keyof PaxValues> = ['path', 'linkpath', 'size', 'mtime', 'uid', 'gid', 'uname', 'gname'];
  const parts = order.filter((k) => values[k] !== undefined).map((k) => paxRecord(k, values[k]!));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parses records (for tests and foreign archives); a malformed record throws a RangeError naming its offset. */
export function parsePaxRecords(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const dec = new TextDecoder();
  for (let at = 0; at < bytes.length; ) {
    let space = at;
    while (space < bytes.length && bytes[space] !== 0x20) space++;
    const length = Number(dec.decode(bytes.subarray(at, space)));
    if (
      !Number.isSafeInteger(length) ||
      length <= space - at + 1 ||
      at + length > bytes.length ||
      bytes[at + length - 1] !== 0x0a
    )
      throw new RangeError(`bad pax record at byte ${at}`);
    const record = dec.decode(bytes.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    if (eq < 1) throw new RangeError(`bad pax record at byte ${at}`);
    out.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return out;
}
