// Builds dist/ only when a source file is newer than the last build, so `npm run host` and
// `npm start` do not pay for a TypeScript build on every call.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const stamp = path.join('dist', '.built');
if (process.argv.includes('--stamp')) {
  // After `npm run build`: what is in dist/ is current.
  writeFileSync(stamp, new Date().toISOString());
  process.exit(0);
}
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const target = path.join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(target) : statSync(target).mtimeMs);
  }, 0);
const sources = Math.max(
  newest('src'),
  newest('schemas'),
  newest('scripts/host'),
  ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(f).mtimeMs),
);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/buildValidators.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundleCli.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundleHost.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundleConsole.mjs'], { stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString());
}
