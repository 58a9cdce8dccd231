/**
 * TFTP packets (RFC 1350 §5) with option extension (RFC 2347): encode and decode, nothing else.
 *
 *   RRQ/WRQ | 01/02 | filename | 0 | mode | 0 | opt1 | 0 | value1 | 0 | …
 *   DATA    | 03 | block # | data (0–blksize octets)
 *   ACK     | 04 | block #
 *   ERROR   | 05 | error code | message | 0
 *   OACK    | 06 | opt1 | 0 | value1 | 0 | …           (RFC 2347)
 */
export const enum TftpOpcode {
  RRQ = 1,
  WRQ = 2,
  DATA = 3,
  ACK = 4,
  ERROR = 5,
  OACK = 6,
}

/** RFC 1350 Appendix "Error Codes", plus 8 from RFC 2347. */
export const TftpErrorCode = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTransferId: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionsRefused: 8,
} as const;
export type TftpErrorCode = (typeof TftpErrorCode)[keyof typeof TftpErrorCode];

export type TftpPacket =
  | { op: TftpOpcode.RRQ | TftpOpcode.WRQ; filename: string; mode: string; options: Map<string, string> }
  | { op: TftpOpcode.DATA; block: number; data: Buffer }
  | { op: TftpOpcode.ACK; block: number }
  | { op: TftpOpcode.ERROR; code: number; message: string }
  | { op: TftpOpcode.OACK; options: Map<string, string> };

/** Splits NUL-terminated strings; null when the last one is not terminated. */
function strings(buf: Buffer, from: number): string[] | null {
  const out: string[] = [];
  let start = from;
  for (let i = from; i < buf.length; i++) {
    if (buf[i] === 0) {
      // RFC 1350: netascii strings; anything else (UTF-8 from odd clients) is read as latin1 so no byte is lost.
      out.push(buf.toString('latin1', start, i));
      start = i + 1;
    }
  }
  return start === buf.length ? out : null;
}

/** Decodes one datagram; null for anything malformed (answered with "illegal operation"). */
export function decodeTftp(buf: Buffer): TftpPacket | null {
  if (buf.length < 4) return null; // the shortest valid packet (ACK) has 4 octets
  const op = buf.readUInt16BE(0);
  switch (op) {
    case TftpOpcode.RRQ:
    case TftpOpcode.WRQ: {
      const parts = strings(buf, 2);
      if (!parts || parts.length < 2 || parts.length % 2 !== 0) return null;
      const options = new Map<string, string>();
      // RFC 2347: option names are case-insensitive; a repeated option keeps its first value.
      for (let i = 2; i < parts.length; i += 2) {
        const name = parts[i]!.toLowerCase();
        if (!options.has(name)) options.set(name, parts[i + 1]!);
      }
      return { op, filename: parts[0]!, mode: parts[1]!.toLowerCase(), options };
    }
    case TftpOpcode.DATA:
      return { op, block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case TftpOpcode.ACK:
      return buf.length === 4 ? { op, block: buf.readUInt16BE(2) } : null;
    case TftpOpcode.ERROR: {
      const parts = strings(buf, 4);
      return { op, code: buf.readUInt16BE(2), message: parts?.[0] ?? buf.toString('latin1', 4) };
    }
    case TftpOpcode.OACK: {
      const parts = strings(buf, 2);
      if (!parts || parts.length % 2 !== 0) return null;
      const options = new Map<string, string>();
      for (let i = 0; i < parts.length; i += 2) options.set(parts[i]!.toLowerCase(), parts[i + 1]!);
      return { op, options };
    }
    default:
      return null;
  }
}

export function encodeData(block: number, data: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt16BE(TftpOpcode.DATA, 0);
  head.writeUInt16BE(block & 0xffff, 2);
  return Buffer.concat([head, data]);
}

export function encodeAck(block: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(TftpOpcode.ACK, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

export function encodeError(code: TftpErrorCode, message: string): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt16BE(TftpOpcode.ERROR, 0);
  head.writeUInt16BE(code, 2);
  return Buffer.concat([head, Buffer.from(message, 'latin1'), Buffer.from([0])]);
}

export function encodeOack(options: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0, TftpOpcode.OACK])];
  for (const [k, v] of options) parts.push(Buffer.from(`${k}\0${v}\0`, 'latin1'));
  return Buffer.concat(parts);
}

export function encodeRequest(
  op: TftpOpcode.RRQ | TftpOpcode.WRQ,
  filename: string,
  mode = 'octet',
  options: ReadonlyMap<string, string> = new Map(),
): Buffer {
  let s = `${filename}\0${mode}\0`;
  for (const [k, v] of options) s += `${k}\0${v}\0`;
  return Buffer.concat([Buffer.from([0, op]), Buffer.from(s, 'latin1')]);
}
