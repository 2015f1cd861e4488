import { KeyFileError } from './errors.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readJson } from './atomicFile.js';
import type { HostPaths } from './paths.js';
import { HOST_CONFIG_SHAPE } from './stateShapes.js';

/** An encrypted value at rest: AES-256-GCM, a fresh IV per value, a full 16-byte tag, bound to what it belongs to. */
export interface Sealed {
  alg: 'aes-256-gcm';
  /** 2: sealed with associated data (the job id, or the host's Atria token slot). Absent on values sealed before binding. */
  v?: 2;
  iv: string;
  tag: string;
  data: string;
}

const TAG_LENGTH = 16;
const KEY_LENGTH = 32;

/** What a sealed value is bound to: decrypting it for anything else fails. */
export const jobSecretsBinding = (jobId: string): string => `job:${jobId}`;
export const ATRIA_TOKEN_BINDING = 'host:atria-token';

/** Is anything stored encrypted with the current key (a job's secrets, the host's Atria token)? */
export function encryptedStateExists(paths: HostPaths): boolean {
  if (readJson(paths.configFile, HOST_CONFIG_SHAPE)?.atriaToken) return true;
  return readdirSync(paths.jobs).some((f) => f.endsWith('.json'));
}

const RECOVERY =
  'restore host.key from a backup; or start again with a new key: `npm run host -- jobs set-secrets ID --secrets S.json --new-key` for each job, and `npm run host -- config set --atria-token-file F` (the old secrets cannot be read without the old key)';

/**
 * The host's key: 32 random bytes in a file only its owner can read. It is created only when nothing
 * is stored encrypted yet, or when the administrator asks for a new one (`replace`): a key that
 * vanished must never be silently replaced, since every stored secret would become unreadable.
 */
export function loadKey(paths: HostPaths, mode: 'read' | 'create-if-new' | 'replace' = 'create-if-new'): Buffer {
  const keyFile = paths.keyFile;
  if (mode === 'replace') {
    if (existsSync(keyFile)) renameSync(keyFile, `${keyFile}.replaced-${Date.now()}`);
    writeFileSync(keyFile, randomBytes(KEY_LENGTH), { mode: 0o600, flag: 'wx' });
  } else if (!existsSync(keyFile)) {
    if (mode === 'read' || encryptedStateExists(paths))
      throw new KeyFileError(`the key file ${keyFile} is missing, but secrets are stored encrypted with it: ${RECOVERY}`);
    writeFileSync(keyFile, randomBytes(KEY_LENGTH), { mode: 0o600, flag: 'wx' });
  }
  const fileMode = statSync(keyFile).mode & 0o777;
  if (fileMode & 0o077)
    throw new KeyFileError(`the key file ${keyFile} must be readable by its owner only (mode ${fileMode.toString(8)}); chmod 600 it`);
  const key = readFileSync(keyFile);
  if (key.length !== KEY_LENGTH)
    throw new KeyFileError(`the key file ${keyFile} is ${key.length} bytes, not a ${KEY_LENGTH}-byte key: ${RECOVERY}`);
  return key;
}

export function seal(key: Buffer, plaintext: string, binding: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(binding, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    alg: 'aes-256-gcm',
    v: 2,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Decrypts a value sealed for `binding`; a short tag, another key or another binding is a KeyFileError. */
export function open(key: Buffer, sealed: Sealed, binding: string): string {
  const tag = Buffer.from(sealed.tag ?? '', 'base64');
  if (tag.length !== TAG_LENGTH)
    throw new KeyFileError(
      `the stored value's authentication tag is ${tag.length} bytes, not ${TAG_LENGTH}: it was tampered with or damaged; re-enter it`,
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'), { authTagLength: TAG_LENGTH });
    if (sealed.v === 2) decipher.setAAD(Buffer.from(binding, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new KeyFileError(
      `the stored value cannot be decrypted with the host's key file: it was sealed with another key or for another job, or it was altered; ${RECOVERY}`,
    );
  }
}
