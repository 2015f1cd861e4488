import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The package root: the nearest folder above this module holding the manifest, whether it runs from
 * src/, dist/ or a build of its own (the bench compiles into .bench-build/src). Found, not counted in `..`s.
 */
export const PACKAGE_ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'extension.manifest.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    dir = parent;
  }
  return dir;
})();

export function readPackageJson<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, relativePath), 'utf8')) as T;
}

export interface TaskTypeDeclaration {
  id: string;
  displayName: string;
  description: string;
  parametersSchema: string;
  secretsSchema: string;
  capabilities: string[];
  defaultSchedule: string;
  /** Optional layout hints for a host's job form (schemas/manifest.schema.json). */
  form?: { advanced?: string[]; period?: string[] };
}

export interface ExtensionManifest {
  id: string;
  displayName: string;
  description?: string;
  version: string;
  hostApiVersion: number;
  entry: string;
  taskTypes: TaskTypeDeclaration[];
}

export type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

let manifestCache: ExtensionManifest | undefined;
export function manifest(): ExtensionManifest {
  manifestCache ??= readPackageJson<ExtensionManifest>('extension.manifest.json');
  return manifestCache;
}

export function billingTaskDeclaration(): TaskTypeDeclaration {
  const [taskType] = manifest().taskTypes;
  if (!taskType) throw new Error('extension.manifest.json declares no task type');
  return taskType;
}

export const parametersSchema = (): JsonSchema => readPackageJson<JsonSchema>(billingTaskDeclaration().parametersSchema);
export const secretsSchema = (): JsonSchema => readPackageJson<JsonSchema>(billingTaskDeclaration().secretsSchema);
