import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { defaultLockDirectory, describeHolder, FileRunLock, processStartTime, type LockHolder } from '../../src/task/runLock.js';

/** The per-company lock of spec 6.8 on a real file system. */
describe('FileRunLock', () => {
  const company = { companyName: 'Acme' };
  const run = { runId: 'r1', jobName: 'monthly' };
  const newDir = (): string => mkdtempSync(path.join(tmpdir(), 'cwm-lock-'));
  const plantLock = (dir: string, holder: Partial<LockHolder>): void => {
    // The lock file name is private to the lock: take it from a first acquisition, then overwrite it.
    const [name] = readdirSync(dir);
    writeFileSync(
      path.join(dir, name!),
      JSON.stringify({
        pid: process.pid,
        startTime: processStartTime(process.pid),
        hostname: hostname(),
        runId: 'other',
        jobName: 'other job',
        since: '2026-11-01T00:00:00Z',
        ...holder,
      }),
    );
  };
  const heldThenPlanted = async (dir: string, holder: Partial<LockHolder>): Promise<FileRunLock> => {
    const lock = new FileRunLock(dir);
    const first = await lock.acquire(company, run);
    expect(first.acquired).toBe(true);
    plantLock(dir, holder);
    return lock;
  };

  it('one holder per company (CompanyName, case-insensitive); released, it can be taken again', async () => {
    const dir = newDir();
    const lock = new FileRunLock(dir);
    const first = await lock.acquire(company, run);
    expect(first.acquired).toBe(true);
    const second = await lock.acquire({ companyName: ' ACME ' }, { runId: 'r2', jobName: 'again' });
    expect(second).toMatchObject({ acquired: false, holder: { runId: 'r1', jobName: 'monthly', pid: process.pid, hostname: hostname() } });
    expect((await lock.acquire({ ...company, companyName: 'Other MSP' }, run)).acquired).toBe(true);
    if (first.acquired) await first.release();
    expect((await lock.acquire(company, run)).acquired).toBe(true);
  });

  it('a live holder keeps its lock', async () => {
    const dir = newDir();
    const lock = await heldThenPlanted(dir, {});
    expect(await lock.acquire(company, run)).toMatchObject({ acquired: false, holder: { runId: 'other' } });
  });

  it('the lock of a crashed (dead) holder is taken over', async () => {
    const dir = newDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const lock = await heldThenPlanted(dir, { pid: dead, startTime: '1' });
    expect((await lock.acquire(company, run)).acquired).toBe(true);
  });

  it('a reused pid is told apart by its start time', async () => {
    if (processStartTime(process.pid) === null) return; // no /proc: only the pid can be checked
    const dir = newDir();
    const lock = await heldThenPlanted(dir, { pid: process.pid, startTime: '12345' });
    expect((await lock.acquire(company, run)).acquired).toBe(true);
  });

  it('a holder on another host is respected (its liveness cannot be checked from here)', async () => {
    const dir = newDir();
    const lock = await heldThenPlanted(dir, { hostname: 'another-host', pid: 999999 });
    expect((await lock.acquire(company, run)).acquired).toBe(false);
  });

  it('the lock folder is CWM_BILLING_LOCK_DIR when set, else one folder in the temp dir that the CLI and the host share', () => {
    expect(defaultLockDirectory({ CWM_BILLING_LOCK_DIR: '/srv/locks' })).toBe('/srv/locks');
    expect(defaultLockDirectory({})).toBe(path.join(tmpdir(), 'connectwise-manage-billing-locks'));
  });

  it('the lock file is named by the company alone: one hex name per company, the same for any spelling of its case', async () => {
    const dir = newDir();
    await new FileRunLock(dir).acquire({ companyName: 'Acme' }, run);
    await new FileRunLock(dir).acquire({ companyName: 'Beta' }, run);
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{32}\.lock$/);
  });

  it('a holder is described with its run, job, process, host and start; one not written yet as starting', () => {
    const holder = { pid: 7, hostname: 'h1', runId: 'r9', jobName: 'Monthly', since: '2026-11-01T00:00:00Z', startTime: '1' } as LockHolder;
    expect(describeHolder(holder)).toBe("run r9 of job 'Monthly', process 7 on h1, since 2026-11-01T00:00:00Z");
    expect(describeHolder(undefined)).toBe('a run that is starting');
  });
});
