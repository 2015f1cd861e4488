import { DamagedFileError } from './errors.js';
import type { StateShape } from './stateShapes.js';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFully } from '../../src/index.js';
import { randomBytes } from 'node:crypto';

/** Write, fsync, then rename: a crash or power loss leaves the old file or the new one, never half of one. */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'w', mode);
  try {
    // A full disk first answers with a short write: taken as success, half a file would replace a whole one.
    writeFully(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, file);
}

export const writeJsonAtomic = (file: string, value: unknown): void => writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');

/** A state file's value, undefined when there is none; a file that is not JSON of its shape is a DamagedFileError naming it. */
export function readJson<T>(file: string, shape: StateShape<T>): T | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DamagedFileError(file, (error as Error).message);
  }
  if (!shape.validate(value)) {
    const [first] = shape.validate.errors ?? [];
    throw new DamagedFileError(
      file,
      `not ${shape.what}: ${first ? `${first.instancePath || 'the value'} ${first.message ?? ''}`.trim() : 'wrong shape'}`,
    );
  }
  return value;
}

/** Like readJson, but a damaged file is reported through `onDamaged` and read as absent. */
export function readJsonOrReport<T>(file: string, shape: StateShape<T>, onDamaged: (problem: DamagedFileError) => void): T | undefined {
  try {
    return readJson(file, shape);
  } catch (error) {
    if (!(error instanceof DamagedFileError)) throw error;
    onDamaged(error);
    return undefined;
  }
}
