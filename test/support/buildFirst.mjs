// Jest's global setup: tests that spawn dist/ (the CLI, the host, the console) never run a stale build,
// however jest is started (`npm test` builds first; `npx jest` alone comes through here too).
import { execFileSync } from 'node:child_process';
import process from 'node:process';

export default function buildFirst() {
  execFileSync(process.execPath, ['scripts/buildIfStale.mjs'], { stdio: 'inherit' });
}
