import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../atomicFile.js';
import type { HostPaths } from '../paths.js';
import { PASSWORD_SHAPE } from '../stateShapes.js';

/** The console's password at rest: an scrypt hash with its salt and cost, never the password. */
export interface PasswordHash {
  algorithm: 'scrypt';
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
}

/** Cost as OWASP recommends for scrypt (N = 2^17, r = 8, p = 1): about a tenth of a second and 128 MiB per guess. */
const COST = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 12;

const derive = (password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, COST);
  return { algorithm: 'scrypt', salt: salt.toString('base64'), hash: hash.toString('base64'), ...COST };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await derive(password, Buffer.from(stored.salt, 'base64'), stored);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const passwordFile = (paths: HostPaths): string => path.join(paths.home, 'web-password.json');

export function storedPasswordHash(paths: HostPaths): PasswordHash | undefined {
  return readJson(passwordFile(paths), PASSWORD_SHAPE);
}

export async function setPassword(paths: HostPaths, password: string): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new RangeError(`the console password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  writeJsonAtomic(passwordFile(paths), await hashPassword(password));
}
