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
  await new Promise((r) => setTimeout(r, 1500));
  await release();
} catch (error) {
  if (!(error instanceof JobBusyError)) throw error;
  console.log('busy');
}`;

const contend = (jobs: string, at: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', contender], {
      env: { ...process.env, RUNNER: runner, ERRORS: runner.replace(/runner\.ts$/, 'errors.ts'), JOBS: jobs, AT: String(at) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`contender exited ${code}: ${err}`))));
  });

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
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => contend(jobs, at)));
      expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'busy')).toHaveLength(7);
    }
  }, 60_000);
});
