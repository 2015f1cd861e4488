import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import type { ExtensionHost, TaskType } from '../../src/host/api.js';
import { readJson, writeJsonAtomic } from './atomicFile.js';
import type { HostPaths } from './paths.js';

/** The host API versions this host implements. */
export const SUPPORTED_HOST_API_VERSIONS = [1];
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Manifest {
  id: string;
  displayName: string;
  version: string;
  hostApiVersion: number;
  entry: string;
  taskTypes: { id: string; displayName: string; description: string; defaultSchedule: string; parametersSchema: string; secretsSchema: string; capabilities: string[] }[];
}

export interface InstalledExtension {
  id: string;
  version: string;
  dir: string;
  manifest: Manifest;
}

export class InstallError extends Error {}

function validateManifest(manifest: unknown): Manifest {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'manifest.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true }).compile<Manifest>(schema);
  if (!validate(manifest)) {
    throw new InstallError(`the extension manifest is invalid: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
  }
  if (!SUPPORTED_HOST_API_VERSIONS.includes(manifest.hostApiVersion)) {
    throw new InstallError(`the extension needs host API version ${manifest.hostApiVersion}; this host implements version ${SUPPORTED_HOST_API_VERSIONS.join(', ')}. Install a matching version of the extension or upgrade the host.`);
  }
  return manifest;
}

/** A directory holding the package: the directory itself, or a .tgz (npm pack) unpacked. */
function packageDirectory(source: string): string {
  if (!/\.t(ar\.)?gz$/i.test(source)) return path.resolve(source);
  const into = mkdtempSync(path.join(tmpdir(), 'extension-'));
  execFileSync('tar', ['-xzf', source, '-C', into]);
  return path.join(into, 'package');
}

/**
 * Installs a built extension package atomically: validate the manifest and host API version, copy
 * into a new version directory, then switch the extension's `current` link with one rename. An
 * install that fails or is interrupted before the switch leaves the previous version in use.
 */
export async function installExtension(paths: HostPaths, source: string, options: { restart: boolean }): Promise<InstalledExtension> {
  const dir = packageDirectory(source);
  const manifestFile = path.join(dir, 'extension.manifest.json');
  if (!existsSync(manifestFile)) throw new InstallError(`no extension.manifest.json in ${dir}`);
  const manifest = validateManifest(JSON.parse(readFileSync(manifestFile, 'utf8')));
  if (!existsSync(path.join(dir, manifest.entry))) throw new InstallError(`the entry ${manifest.entry} does not exist in ${dir}: build the package first (npm run build)`);

  const extensionDir = path.join(paths.extensions, manifest.id);
  const versions = path.join(extensionDir, 'versions');
  mkdirSync(versions, { recursive: true });
  for (const leftover of readdirSync(versions).filter((name) => name.endsWith('.partial'))) rmSync(path.join(versions, leftover), { recursive: true, force: true });
  const name = `${manifest.version}-${Date.now()}`;
  const partial = path.join(versions, `${name}.partial`);
  mkdirSync(partial);
  for (const item of ['extension.manifest.json', 'package.json', 'dist', 'schemas']) {
    if (existsSync(path.join(dir, item))) cpSync(path.join(dir, item), path.join(partial, item), { recursive: true });
  }
  // Dependencies: the package's own node_modules, or (for a packed .tgz) the host's.
  const modules = existsSync(path.join(dir, 'node_modules')) ? path.join(dir, 'node_modules') : path.join(REPO_ROOT, 'node_modules');
  symlinkSync(realpathSync(modules), path.join(partial, 'node_modules'), 'dir');
  if (process.env.CWM_HOST_INTERRUPT_INSTALL === 'after-copy') process.exit(9); // test hook: a crash mid-install

  const final = path.join(versions, name);
  renameSync(partial, final);
  await loadTaskTypesFrom(final, manifest); // it must activate before it becomes current
  const link = path.join(extensionDir, `current.${process.pid}.tmp`);
  symlinkSync(path.join('versions', name), link, 'dir');
  renameSync(link, path.join(extensionDir, 'current'));
  writeJsonAtomic(path.join(extensionDir, 'installed.json'), { id: manifest.id, version: manifest.version, directory: name, installedAt: new Date().toISOString() });
  if (options.restart) writeJsonAtomic(paths.restartFile, { requestedAt: new Date().toISOString(), extension: manifest.id, version: manifest.version });
  return { id: manifest.id, version: manifest.version, dir: final, manifest };
}

export function installedExtensions(paths: HostPaths): InstalledExtension[] {
  return readdirSync(paths.extensions)
    .filter((id) => existsSync(path.join(paths.extensions, id, 'current')))
    .map((id) => {
      const dir = realpathSync(path.join(paths.extensions, id, 'current'));
      const manifest = readJson<Manifest>(path.join(dir, 'extension.manifest.json'))!;
      return { id, version: manifest.version, dir, manifest };
    });
}

/** Imports an installed version's entry and collects what activate registers. Each version has its own URL, so a reinstall loads fresh code. */
export async function loadTaskTypesFrom(dir: string, manifest: Manifest): Promise<TaskType[]> {
  const module = (await import(pathToFileURL(path.join(dir, manifest.entry)).href)) as { activate?: (host: ExtensionHost) => void };
  if (typeof module.activate !== 'function') throw new InstallError(`${manifest.entry} does not export activate(host)`);
  const registered: TaskType[] = [];
  module.activate({ hostApiVersion: manifest.hostApiVersion, registerTaskType: (t) => registered.push(t) });
  return registered;
}

export interface LoadedTaskType {
  extension: InstalledExtension;
  taskType: TaskType;
}

export async function loadAllTaskTypes(paths: HostPaths): Promise<LoadedTaskType[]> {
  const loaded: LoadedTaskType[] = [];
  for (const extension of installedExtensions(paths)) {
    for (const taskType of await loadTaskTypesFrom(extension.dir, extension.manifest)) loaded.push({ extension, taskType });
  }
  return loaded;
}
