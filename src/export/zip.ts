/**
 * The year-end package as one .zip (what an education-office clerk opens on Windows by double-click),
 * written with yazl: entries are deflated and streamed one file at a time from disk, so memory does
 * not grow with the school. Names are ASCII (Windows Explorer shows them right whatever its code page).
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

export interface ZipEntry {
  readonly name: string;
  /** A file on disk (streamed) or a small in-memory buffer (the manifest). */
  readonly path?: string;
  readonly data?: Buffer;
}

export async function writeZip(out: Writable, entries: readonly ZipEntry[], mtime: Date): Promise<void> {
  const zip = new ZipFile();
  for (const e of entries) {
    const opts = { mtime, mode: 0o100644, compress: true };
    if (e.data) zip.addBuffer(e.data, e.name, opts);
    else if (e.path) zip.addFile(e.path, e.name, opts);
  }
  zip.end();
  await pipeline(zip.outputStream, out);
}
