import type { ChildProcess } from 'node:child_process';
import { host } from './hostCli.js';

export interface ConsoleProcess {
  url: string;
  firstLine: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** `npm run host -- web --port 0` in its own process, resolved once it has printed where it listens. */
export async function startConsoleProcess(home: string, env: NodeJS.ProcessEnv): Promise<ConsoleProcess> {
  const running = host(home, ['web', '--port', '0'], { env });
  const { child } = running;
  let stdout = '';
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the console did not start: ${stdout}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve(stdout.split('\n')[0]!);
      }
    });
    void running.then((done) => reject(new Error(`the console exited (${done.code}): ${done.stderr}`)));
  });
  return {
    url: firstLine.replace(/^console listening on /, ''),
    firstLine,
    child,
    output: () => stdout,
    stop: async () => {
      child.kill('SIGTERM');
      await running;
    },
  };
}
