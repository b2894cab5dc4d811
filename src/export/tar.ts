/**
 * A minimal POSIX ustar writer (regular files only, names ≤ 100 bytes): the year-end package is one
 * .tar download (Windows 10/11 `tar -xf`, 7-Zip, every Linux) without a zip dependency.
 */
import type { Writable } from 'node:stream';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';

function header(name: string, size: number, mtime: Date): Buffer {
  const b = Buffer.alloc(512, 0);
  const put = (s: string, off: number, len: number) => b.write(s, off, len, 'utf8');
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
  put(name, 0, 100);
  put(oct(0o644, 8), 100, 8);
  put(oct(0, 8), 108, 8);
  put(oct(0, 8), 116, 8);
  put(oct(size, 12), 124, 12);
  put(oct(Math.floor(mtime.getTime() / 1000), 12), 136, 12);
  b.fill(0x20, 148, 156); // checksum computed with spaces
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const x of b) sum += x;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return b;
}

async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function tarFile(out: Writable, name: string, path: string, size: number, mtime: Date): Promise<void> {
  await write(out, header(name, size, mtime));
  for await (const c of createReadStream(path)) await write(out, c as Buffer);
  const pad = (512 - (size % 512)) % 512;
  if (pad) await write(out, Buffer.alloc(pad, 0));
}

export async function tarBuffer(out: Writable, name: string, data: Buffer, mtime: Date): Promise<void> {
  await write(out, header(name, data.length, mtime));
  await write(out, data);
  const pad = (512 - (data.length % 512)) % 512;
  if (pad) await write(out, Buffer.alloc(pad, 0));
}

export async function tarEnd(out: Writable): Promise<void> {
  await write(out, Buffer.alloc(1024, 0));
}
