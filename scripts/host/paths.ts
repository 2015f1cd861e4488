import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository the host runs from: the nearest folder above this module holding the extension's
 * manifest. Found, not counted in `..`s, because the module runs both from scripts/host (tsx, the
 * tests) and bundled as dist/host.js (`npm run host`).
 */
export const REPO_ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'extension.manifest.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('the reference host runs from a checkout of connectwise-manage-billing: extension.manifest.json not found above it');
    dir = parent;
  }
  return dir;
})();

/** Where the reference host keeps its state: $HOST_HOME, default ./.host. */
export interface HostPaths {
  home: string;
  extensions: string;
  jobs: string;
  runs: string;
  /** Each finished run's plan, for the web console. */
  plans: string;
  keyFile: string;
  configFile: string;
  restartFile: string;
}

export function hostPaths(home = process.env.HOST_HOME ?? '.host'): HostPaths {
  const root = path.resolve(home);
  const paths = {
    home: root,
    extensions: path.join(root, 'extensions'),
    jobs: path.join(root, 'jobs'),
    runs: path.join(root, 'runs'),
    plans: path.join(root, 'runs', 'plans'),
    keyFile: path.join(root, 'host.key'),
    configFile: path.join(root, 'host.json'),
    restartFile: path.join(root, 'restart.json'),
  };
  for (const dir of [paths.home, paths.extensions, paths.jobs, paths.runs, paths.plans]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return paths;
}
