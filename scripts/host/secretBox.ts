import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/** An encrypted value at rest: AES-256-GCM, a fresh IV per value. */
export interface Sealed {
  alg: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

/** The host's key: 32 random bytes in a file only its owner can read, created on first use. */
export function loadKey(keyFile: string): Buffer {
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32), { mode: 0o600, flag: 'wx' });
  const mode = statSync(keyFile).mode & 0o777;
  if (mode & 0o077) throw new Error(`the key file ${keyFile} must be readable by its owner only (mode ${mode.toString(8)}); chmod 600 it`);
  const key = readFileSync(keyFile);
  if (key.length !== 32) throw new Error(`the key file ${keyFile} is not a 32-byte key`);
  return key;
}

export function seal(key: Buffer, plaintext: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function open(key: Buffer, sealed: Sealed): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
}
