import fs from 'node:fs/promises';

/** What a read transfer sends: a size known up front (RFC 2349 tsize) and reads at any offset. */
export interface TftpFile {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** A generated file held in memory. */
export function bufferFile(data: Buffer): TftpFile {
  return {
    size: data.length,
    read: (offset, length) => Promise.resolve(data.subarray(offset, Math.min(offset + length, data.length))),
    close: () => Promise.resolve(),
  };
}

/** A file on disk (firmware, ring tones) read block by block, never whole into memory. */
export async function diskFile(filePath: string): Promise<TftpFile> {
  const handle = await fs.open(filePath, 'r');
  const stat = await handle.stat();
  return {
    size: stat.size,
    async read(offset, length) {
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, stat.size - offset)));
      if (buf.length === 0) return buf;
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}
