import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobBusyError } from '../../scripts/host/errors.js';
import { lockJob } from '../../scripts/host/runner.js';

const runner = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/host/runner.ts');

/**
 * One process contending for a job's lock at a given instant: prints "won" when it gets the lock,
 * holds it a while (a run), then releases it; "busy" when another holds it.
 */
const contender = `
const { lockJob } = await import(process.env.RUNNER);
const { JobBusyError } = await import(process.env.ERRORS);
const paths = { jobs: process.env.JOBS };
const at = Number(process.env.AT);
await new Promise((r) => setTimeout(r, at - 20 - Date.now()));
// Spin the last few milliseconds: every contender starts within the same millisecond.
while (Date.now() < at);
try {
  const release = await lockJob(paths, 'job1');
  console.log('won');
  // Held until every contender has answered (the test closes stdin): a late starter must find it held.
  process.stdin.resume();
  await new Promise((r) => process.stdin.on('end', r));
  await release();
} catch (error) {
  if (!(error instanceof JobBusyError)) throw error;
  console.log('busy');
}`;

/** Starts a contender; `answer` is its first line, `exit` its end once its stdin is closed. */
function contend(jobs: string, at: number): { answer: Promise<string>; exit: Promise<void>; release: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', contender], {
    env: { ...process.env, RUNNER: runner, ERRORS: runner.replace(/runner\.ts$/, 'errors.ts'), JOBS: jobs, AT: String(at) },
  });
  let out = '';
  let err = '';
  const answer = new Promise<string>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    }),
  );
  child.stderr.on('data', (d: Buffer) => (err += d));
  // A contender that found the lock busy has exited: closing its stdin then is no error.
  child.stdin.on('error', () => undefined);
  const exit = new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`contender exited ${code}: ${err}`)))),
  );
  return { answer: Promise.race([answer, exit.then(() => out.trim())]), exit, release: () => child.stdin.end() };
}

/** Review defect 1 (issue 23): the host's job lock is the run lock's implementation, race-free on takeover. */
describe("the host's job lock", () => {
  const newJobsFolder = (): string => mkdtempSync(path.join(tmpdir(), 'cwm-joblock-'));

  it('a lock seen between its creation and its holder being written is never taken over', async () => {
    const jobs = newJobsFolder();
    for (const unwritten of ['', 'null', '{"pid":']) {
      writeFileSync(path.join(jobs, 'job1.lock'), unwritten);
      await expect(lockJob({ jobs }, 'job1')).rejects.toBeInstanceOf(JobBusyError);
    }
  });

  it('a lock of a dead holder is taken over, and releasing a lock someone removed meanwhile is no error', async () => {
    const jobs = newJobsFolder();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(path.join(jobs, 'job1.lock'), JSON.stringify({ pid: dead, startTime: '1', hostname: hostname() }));
    const release = await lockJob({ jobs }, 'job1');
    await expect(lockJob({ jobs }, 'job1')).rejects.toThrow(`job job1 is already running (process ${process.pid}`);
    rmSync(path.join(jobs, 'job1.lock'));
    await expect(release()).resolves.toBeUndefined();
  });

  it('of 8 processes that all find a dead holder at the same instant, exactly one runs the job', async () => {
    for (let trial = 0; trial < 2; trial++) {
      const jobs = newJobsFolder();
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      writeFileSync(path.join(jobs, 'job1.lock'), JSON.stringify({ pid: dead, startTime: '1', hostname: hostname() }));
      const at = Date.now() + 2500;
      const contenders = Array.from({ length: 8 }, () => contend(jobs, at));
      const outcomes = await Promise.all(contenders.map((c) => c.answer));
      for (const c of contenders) c.release();
      await Promise.all(contenders.map((c) => c.exit));
      expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'busy')).toHaveLength(7);
    }
  }, 60_000);
});
