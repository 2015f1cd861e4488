import { InstallError } from './errors.js';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import type { ExtensionHost, TaskType } from '../../src/host/api.js';
import { readJson, writeJsonAtomic } from './atomicFile.js';
import { REPO_ROOT, type HostPaths } from './paths.js';
import { MANIFEST_SHAPE } from './stateShapes.js';

/** The host API versions this host implements. */
export const SUPPORTED_HOST_API_VERSIONS = [1];

export interface Manifest {
  id: string;
  displayName: string;
  version: string;
  hostApiVersion: number;
  entry: string;
  taskTypes: {
    id: string;
    displayName: string;
    description: string;
    defaultSchedule: string;
    parametersSchema: string;
    secretsSchema: string;
    capabilities: string[];
    /** How a job form may lay out the parameters: tuning under Advanced, period fields with their own picker. */
    form?: { advanced?: string[]; period?: string[] };
  }[];
}

export interface InstalledExtension {
  id: string;
  version: string;
  dir: string;
  manifest: Manifest;
}

function validateManifest(manifest: unknown): Manifest {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'manifest.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true }).compile<Manifest>(schema);
  if (!validate(manifest)) {
    throw new InstallError(
      `the extension manifest is invalid: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
    );
  }
  if (!SUPPORTED_HOST_API_VERSIONS.includes(manifest.hostApiVersion)) {
    throw new InstallError(
      `the extension needs host API version ${manifest.hostApiVersion}; this host implements version ${SUPPORTED_HOST_API_VERSIONS.join(', ')}. Install a matching version of the extension or upgrade the host.`,
    );
  }
  return manifest;
}

/** A directory holding the package: the directory itself, or a .tgz (npm pack) unpacked into a folder removed after the install. */
function packageDirectory(source: string): { dir: string; cleanUp: () => void } {
  if (!/\.t(ar\.)?gz$/i.test(source)) return { dir: path.resolve(source), cleanUp: () => undefined };
  const into = mkdtempSync(path.join(tmpdir(), 'extension-'));
  const cleanUp = (): void => rmSync(into, { recursive: true, force: true });
  try {
    execFileSync('tar', ['-xzf', source, '-C', into]);
  } catch (error) {
    cleanUp();
    throw new InstallError(`cannot unpack ${source}: ${(error as Error).message}`);
  }
  return { dir: path.join(into, 'package'), cleanUp };
}

const inside = (root: string, target: string): boolean => {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/** What gets installed must stay inside the package: the entry, and every file the copy would take (no symlink out). */
function checkContained(dir: string, manifest: Manifest, items: readonly string[]): void {
  const root = realpathSync(dir);
  const entry = path.resolve(root, manifest.entry);
  if (!inside(root, entry)) throw new InstallError(`the entry ${manifest.entry} points outside the package: refused`);
  if (!existsSync(entry))
    throw new InstallError(`the entry ${manifest.entry} does not exist in ${dir}: build the package first (npm run build)`);
  if (!inside(root, realpathSync(entry)))
    throw new InstallError(`the entry ${manifest.entry} is a link to a file outside the package: refused`);
  const walk = (target: string): void => {
    const stat = lstatSync(target);
    if (stat.isSymbolicLink()) {
      const real = existsSync(target) ? realpathSync(target) : path.resolve(path.dirname(target), readlinkSync(target));
      if (!inside(root, real)) throw new InstallError(`${path.relative(root, target)} is a link to ${real}, outside the package: refused`);
      return;
    }
    if (stat.isDirectory()) for (const child of readdirSync(target)) walk(path.join(target, child));
  };
  for (const item of items) if (existsSync(path.join(root, item)) || isLink(path.join(root, item))) walk(path.join(root, item));
}

const isLink = (target: string): boolean => {
  try {
    return lstatSync(target).isSymbolicLink();
  } catch {
    return false;
  }
};

/** A task type id belongs to one extension: another package may not take it over (and with it, the jobs' decrypted secrets). */
function checkTaskTypesFree(paths: HostPaths, manifest: Manifest): void {
  for (const other of installedExtensions(paths).filter((e) => e.id !== manifest.id)) {
    for (const taskType of manifest.taskTypes) {
      const taken = other.manifest.taskTypes.find((t) => t.id === taskType.id || t.displayName === taskType.displayName);
      if (taken)
        throw new InstallError(
          `the task type ${taskType.id} ("${taskType.displayName}") is already provided by the installed extension ${other.id}: refused`,
        );
    }
  }
}

/** How long activate(host) may take; HOST_ACTIVATE_TIMEOUT_MS sets it for a slow machine. */
const ACTIVATE_TIMEOUT_MS = Number(process.env.HOST_ACTIVATE_TIMEOUT_MS) || 15_000;

/**
 * Activates the package in a separate process with a time limit (an activate that never returns
 * cannot hang the host), and checks it registers exactly the task types its manifest declares.
 */
function checkActivation(dir: string, manifest: Manifest): void {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(dir, manifest.entry)).href)});
if (typeof m.activate !== 'function') { console.log(JSON.stringify({ error: 'no activate' })); process.exit(0); }
const registered = [];
await m.activate({ hostApiVersion: ${manifest.hostApiVersion}, registerTaskType: (t) => registered.push({ id: t && t.id, displayName: t && t.displayName }) });
console.log(JSON.stringify({ registered }));`;
  let output: string;
  try {
    output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: ACTIVATE_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const timedOut = (error as { signal?: string }).signal === 'SIGTERM';
    throw new InstallError(
      timedOut
        ? `activate(host) did not return within ${ACTIVATE_TIMEOUT_MS / 1000} s: refused`
        : `activate(host) failed: ${
            String((error as { stderr?: string }).stderr ?? (error as Error).message)
              .trim()
              .split('\n')[0]
          }`,
    );
  }
  const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { registered?: Registered[]; error?: string };
  if (result.error) throw new InstallError(`${manifest.entry} does not export activate(host)`);
  checkRegistered(result.registered ?? [], manifest);
}

type Registered = Pick<TaskType, 'id' | 'displayName'>;

/**
 * What activate registered must be what the manifest declares, ids and display names both, at install
 * and at every load: a package that names itself after another at run time is refused, so a job added
 * by display name can never be bound to it.
 */
function checkRegistered(registered: readonly Registered[], manifest: Manifest): void {
  const describe = (types: readonly Registered[]): string =>
    types
      .map((t) => `${String(t.id)} ("${String(t.displayName)}")`)
      .sort()
      .join(', ');
  const declared = describe(manifest.taskTypes);
  const actual = describe(registered);
  if (declared !== actual)
    throw new InstallError(`activate(host) registered task types [${actual || 'none'}], but the manifest declares [${declared}]: refused`);
}

/**
 * Installs a built extension package atomically: validate the manifest and host API version, copy
 * into a new version directory, then switch the extension's `current` link with one rename. An
 * install that fails or is interrupted before the switch leaves the previous version in use.
 */
export async function installExtension(paths: HostPaths, source: string, options: { restart: boolean }): Promise<InstalledExtension> {
  const { dir, cleanUp } = packageDirectory(source);
  try {
    return await installFrom(paths, dir, options);
  } finally {
    cleanUp();
  }
}

const PACKAGE_ITEMS = ['extension.manifest.json', 'package.json', 'dist', 'schemas'];

async function installFrom(paths: HostPaths, dir: string, options: { restart: boolean }): Promise<InstalledExtension> {
  const manifestFile = path.join(dir, 'extension.manifest.json');
  if (!existsSync(manifestFile)) throw new InstallError(`no extension.manifest.json in ${dir}`);
  const manifest = validateManifest(JSON.parse(readFileSync(manifestFile, 'utf8')));
  checkContained(dir, manifest, PACKAGE_ITEMS);
  checkTaskTypesFree(paths, manifest);

  const extensionDir = path.join(paths.extensions, manifest.id);
  const versions = path.join(extensionDir, 'versions');
  mkdirSync(versions, { recursive: true });
  for (const leftover of readdirSync(versions).filter((name) => name.endsWith('.partial')))
    rmSync(path.join(versions, leftover), { recursive: true, force: true });
  const name = `${manifest.version}-${Date.now()}`;
  const partial = path.join(versions, `${name}.partial`);
  mkdirSync(partial);
  for (const item of PACKAGE_ITEMS) {
    if (existsSync(path.join(dir, item))) cpSync(path.join(dir, item), path.join(partial, item), { recursive: true });
  }
  // Dependencies: the package's own node_modules, or (for a packed .tgz) the host's.
  const modules = existsSync(path.join(dir, 'node_modules')) ? path.join(dir, 'node_modules') : path.join(REPO_ROOT, 'node_modules');
  symlinkSync(realpathSync(modules), path.join(partial, 'node_modules'), 'dir');
  if (process.env.CWM_HOST_INTERRUPT_INSTALL === 'after-copy') process.exit(9); // test hook: a crash mid-install

  const final = path.join(versions, name);
  renameSync(partial, final);
  try {
    checkActivation(final, manifest); // it must activate, and register what it declares, before it becomes current
  } catch (error) {
    rmSync(final, { recursive: true, force: true });
    throw error;
  }
  const link = path.join(extensionDir, `current.${process.pid}.tmp`);
  symlinkSync(path.join('versions', name), link, 'dir');
  renameSync(link, path.join(extensionDir, 'current'));
  writeJsonAtomic(path.join(extensionDir, 'installed.json'), {
    id: manifest.id,
    version: manifest.version,
    directory: name,
    installedAt: new Date().toISOString(),
  });
  if (options.restart)
    writeJsonAtomic(paths.restartFile, { requestedAt: new Date().toISOString(), extension: manifest.id, version: manifest.version });
  return { id: manifest.id, version: manifest.version, dir: final, manifest };
}

/** Each installed extension with its manifest; one whose manifest cannot be read is reported and left out, never the others. */
export function installedExtensions(paths: HostPaths, report: (line: string) => void = () => undefined): InstalledExtension[] {
  const found: InstalledExtension[] = [];
  for (const id of readdirSync(paths.extensions)) {
    if (!existsSync(path.join(paths.extensions, id, 'current'))) continue;
    try {
      const dir = realpathSync(path.join(paths.extensions, id, 'current'));
      const manifest = readJson(path.join(dir, 'extension.manifest.json'), MANIFEST_SHAPE);
      if (!manifest) throw new InstallError(`its manifest is missing from ${dir}`);
      found.push({ id, version: manifest.version, dir, manifest });
    } catch (error) {
      report(`extension ${id} could not be loaded: ${(error as Error).message}; its jobs fail until it is installed again`);
    }
  }
  return found;
}

/** Imports an installed version's entry and collects what activate registers. Each version has its own URL, so a reinstall loads fresh code. */
export async function loadTaskTypesFrom(dir: string, manifest: Manifest): Promise<TaskType[]> {
  const module = (await import(pathToFileURL(path.join(dir, manifest.entry)).href)) as {
    activate?: (host: ExtensionHost) => void | Promise<void>;
  };
  if (typeof module.activate !== 'function') throw new InstallError(`${manifest.entry} does not export activate(host)`);
  const registered: TaskType[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new InstallError(`activate(host) of ${manifest.id} did not return within ${ACTIVATE_TIMEOUT_MS / 1000} s`)),
      ACTIVATE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([
      Promise.resolve(module.activate({ hostApiVersion: manifest.hostApiVersion, registerTaskType: (t) => registered.push(t) })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
  checkRegistered(registered, manifest);
  return registered;
}

export interface LoadedTaskType {
  extension: InstalledExtension;
  taskType: TaskType;
}

/** A job's task type: by extension id and task type id (a job made before that binding: by display name). */
export function taskTypeOfJob(
  loaded: readonly LoadedTaskType[],
  job: { extensionId?: string; taskTypeId?: string; taskType: string },
): LoadedTaskType | undefined {
  if (job.extensionId && job.taskTypeId) return loaded.find((t) => t.extension.id === job.extensionId && t.taskType.id === job.taskTypeId);
  return loaded.find((t) => t.taskType.displayName === job.taskType);
}

/**
 * Every installed extension's task types, each extension loaded on its own: one that fails (a damaged
 * manifest, an activate that throws, names that differ from its manifest) is reported by name and
 * left out, and the others run.
 */
export async function loadAllTaskTypes(paths: HostPaths, report: (line: string) => void = () => undefined): Promise<LoadedTaskType[]> {
  const loaded: LoadedTaskType[] = [];
  for (const extension of installedExtensions(paths, report)) {
    try {
      for (const taskType of await loadTaskTypesFrom(extension.dir, extension.manifest)) loaded.push({ extension, taskType });
    } catch (error) {
      report(
        `extension ${extension.id} ${extension.version} could not be loaded: ${(error as Error).message}; its jobs fail until it is installed again`,
      );
    }
  }
  return loaded;
}
