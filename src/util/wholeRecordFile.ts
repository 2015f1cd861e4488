import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** Errors that mean the disk (or the process's file size limit, `ulimit -f`) has no room: space may come back. */
export const isNoSpace = (error: unknown): boolean => ['ENOSPC', 'EDQUOT', 'EFBIG'].includes((error as NodeJS.ErrnoException)?.code ?? '');

/**
 * Writes all of `text` at `position` or throws. A full disk or a file size limit first answers with a
 * short write, which a single writeSync would take as success; continuing it surfaces the error.
 */
export function writeFully(fd: number, text: string, position = 0): number {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset, position + offset);
  return bytes.length;
}

/**
 * A file written in whole records (log lines): each append lands entirely or not at all. A failed
 * append (disk full, `ulimit -f`) is cut back to the last whole record, so readers never meet half a line.
 */
export class WholeRecordFile {
  private size: number;

  private constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }

  /** 'w' starts the file anew; 'a' continues it. */
  static open(file: string, mode: 'w' | 'a'): WholeRecordFile {
    return new WholeRecordFile(openSync(file, mode, 0o600));
  }

  append(text: string): void {
    try {
      this.size += writeFully(this.fd, text, this.size);
    } catch (error) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // Cutting back only frees space; the reader skips a damaged last line anyway.
      }
      throw error;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
