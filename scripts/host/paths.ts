import { mkdirSync } from 'node:fs';
import path from 'node:path';

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
