/** A file that is not UTF-8 text (Windows-1252 from Excel, UTF-16): refused, never silently repaired. */
export class NotUtf8Error extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
  ) {
    super(`the file ${file} is not UTF-8 text (the first invalid byte is on line ${line}): save it as UTF-8 and try again`);
    this.name = 'NotUtf8Error';
  }
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** The text of a file's bytes, strictly as UTF-8 (a byte-order mark is dropped). */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const lossy = Buffer.from(bytes).toString('utf8');
    const at = lossy.indexOf('\uFFFD');
    throw new NotUtf8Error(file, lossy.slice(0, Math.max(0, at)).split('\n').length);
  }
}
