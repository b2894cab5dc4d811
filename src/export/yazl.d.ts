/**
 * Types for the part of yazl 3.3.1 we use (it ships none; @types/yazl would be a second dependency
 * for four signatures). Kept to what src/export/zip.ts calls.
 */
declare module 'yazl' {
  import type { Readable } from 'node:stream';
  interface EntryOptions {
    mtime?: Date;
    mode?: number;
    compress?: boolean;
    compressionLevel?: number;
    forceZip64Format?: boolean;
  }
  export class ZipFile {
    readonly outputStream: Readable;
    addFile(realPath: string, metadataPath: string, options?: EntryOptions): void;
    addBuffer(buffer: Buffer, metadataPath: string, options?: EntryOptions): void;
    end(options?: { forceZip64Format?: boolean; comment?: string }, callback?: (finalSize: number) => void): void;
  }
}
