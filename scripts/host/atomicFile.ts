import { DamagedFileError } from './errors.js';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Write, fsync, then rename: a crash or power loss leaves the old file or the new one, never half of one. */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

export const writeJsonAtomic = (file: string, value: unknown): void => writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');

export function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new DamagedFileError(file, (error as Error).message);
  }
}

/** Like readJson, but a damaged file is reported through `onDamaged` and read as absent. */
export function readJsonOrReport<T>(file: string, onDamaged: (problem: DamagedFileError) => void): T | undefined {
  try {
    return readJson<T>(file);
  } catch (error) {
    if (!(error instanceof DamagedFileError)) throw error;
    onDamaged(error);
    return undefined;
  }
}
