import { ConsoleSetupError, DamagedFileError } from '../errors.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HostPaths } from '../paths.js';
import { hashPassword, storedPasswordHash, type PasswordHash } from './password.js';
import { JobStore } from '../jobs.js';
import { recoverInterruptedRuns } from '../runner.js';
import { buildConsole, CONSOLE_ASSETS } from './server.js';

/** The password hash to check sign-ins against: HOST_WEB_PASSWORD (hashed now, kept in memory only), else the stored one. */
async function consolePassword(paths: HostPaths): Promise<PasswordHash> {
  const fromEnvironment = process.env.HOST_WEB_PASSWORD;
  if (fromEnvironment) return hashPassword(fromEnvironment);
  let stored: PasswordHash | undefined;
  try {
    stored = storedPasswordHash(paths);
  } catch (error) {
    if (!(error instanceof DamagedFileError)) throw error;
    throw new ConsoleSetupError(
      `the console's password file ${error.file} is damaged (${error.reason}): set a new password with \`npm run host -- web set-password\``,
    );
  }
  if (!stored)
    throw new ConsoleSetupError('the console has no password: set one with `npm run host -- web set-password` (or give HOST_WEB_PASSWORD)');
  return stored;
}

/** Serves the console on 127.0.0.1 only; resolves once it listens. */
export async function startConsole(paths: HostPaths, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  if (!existsSync(path.join(CONSOLE_ASSETS, 'console.js')))
    throw new ConsoleSetupError("the console's page is not built: run `npm run build`");
  // Runs a killed host left Running are marked Interrupted here too: the console started alone never shows one Running forever.
  await recoverInterruptedRuns(paths, new JobStore(paths), (line) => process.stderr.write(`${line}\n`));
  const { app, runs } = await buildConsole({ paths, password: await consolePassword(paths) });
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await runs.stopAll();
      await app.close();
    },
  };
}
