// The reference host as one module, run with plain node (`npm run host`): no TypeScript loader in the
// process that runs the jobs, so its memory and start-up are the host's own. Packages stay in
// node_modules; only the host's own sources (scripts/host, and what it uses of src) are bundled.
import { build } from 'esbuild';

await build({
  entryPoints: ['scripts/host/cli.ts'],
  outfile: 'dist/host.js',
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  sourcemap: true,
});
