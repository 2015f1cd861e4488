import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  realpathSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  appendFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LogEntry } from '../../src/host/api.js';
import { activeAdditionLines } from '../../scripts/sandbox/cwState.js';
import { processStartTime } from '../../src/task/runLock.js';
import { ECHOED, ECHOED_SECRETS, echoedForms, echoMessage } from '../support/echo.js';
import { startScenario, secretsOf, type Scenario } from '../support/harness.js';
import { host, runLog, runRecords, until, jobsAdd } from '../support/hostCli.js';
import { startConsoleProcess } from '../support/webConsole.js';

const execFileAsync = promisify(execFile);
/** The built CLI: its exit code and output, whatever the code. */
const cwm = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  execFileAsync('node', ['dist/cli.js', ...args], { env: process.env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const dir = mkdtempSync(path.join(tmpdir(), 'cwm-harden-'));
const file = (name: string, content: unknown): string => {
  const target = path.join(dir, name);
  writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return target;
};

/** The scheduler for a few ticks once it has started (however slow the machine), then stopped as an administrator would. */
async function briefScheduler(home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const scheduler = host(home, ['scheduler', '--tick-ms', '100']);
  let said = '';
  scheduler.child.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()));
  await until(() => said.includes('scheduler started'), 30_000);
  await new Promise((r) => setTimeout(r, 500));
  scheduler.child.kill('SIGTERM');
  return scheduler;
}

/** The writes a host's first run has logged so far (updates, creations, zeroings). */
function writesIn(home: string): number {
  const [record] = runRecords(home);
  return record ? runLog(home, record.runId).filter((e) => ['CW07', 'CW08', 'CW20'].includes(e.code)).length : 0;
}

/** A small disk mounted on `folder` (tmpfs) where this process may mount one (root); its unmount, or undefined. */
function smallDisk(folder: string, size: string): (() => void) | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', folder], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return () => execFileSync('umount', ['-l', folder]);
}

/** Fills a disk to its last byte, as another program would. */
function fillDisk(folder: string): void {
  const fd = openSync(path.join(folder, 'filler'), 'w');
  try {
    for (let chunk = 1 << 16; chunk >= 1;) {
      try {
        writeSync(fd, Buffer.alloc(chunk));
      } catch {
        chunk >>= 1;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Every state file under a host's home, as text (not the key file, the secrets' lock; not the installed extension's code). */
function allText(folder: string): string {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'host.key' && !path.relative(folder, e.parentPath).startsWith('extensions'))
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

async function newHost(
  scenario: Scenario,
  options: { cron?: string; secrets?: unknown; logLevel?: string } = {},
): Promise<{ home: string; jobId: string }> {
  const home = mkdtempSync(path.join(dir, 'home-'));
  expect((await host(home, ['install-extension', '-Extension', 'ConnectWiseManage'])).code).toBe(0);
  const token = file(`token-${path.basename(home)}`, scenario.dataset.atriaToken);
  expect((await host(home, ['config', 'set', '--atria-url', scenario.sandboxes.atria.url, '--atria-token-file', token])).code).toBe(0);
  const params = file(`p-${path.basename(home)}.json`, {
    apiUrl: scenario.sandboxes.connectWise.apiBase,
    AllowAtriaCreateAdditions: true,
    BillingPeriod: scenario.dataset.period.endDate,
  });
  const secrets = file(`s-${path.basename(home)}.json`, options.secrets ?? secretsOf(scenario.dataset));
  const added = await host(
    home,
    jobsAdd({
      name: 'Billing',
      type: 'ConnectWise Manage Billing',
      logLevel: options.logLevel ?? 'Info',
      cron: options.cron ?? '0 0 1 1 *',
      parameters: params,
      secrets: secrets,
    }),
  );
  expect(added.code).toBe(0);
  return { home, jobId: /Job (\w+)/.exec(added.stdout)![1]! };
}

describe('secrets through the host (issue: an echoed key must reach no sink)', () => {
  it('a ConnectWise error echoing every secret: jobs run output, runs log (table, CSV, JSON) and every state file hold no form of any', async () => {
    const scenario = await startScenario(
      { customers: 6, skusPerCustomer: 3, seed: 6, shares: { changed: 0.6 } },
      { connectWise: { faults: { failRequests: [{ method: 'PATCH', path: /additions\/\d+$/, status: 400, message: echoMessage() }] } } },
      (d) => {
        d.credentials = ECHOED;
      },
    );
    try {
      const { home, jobId } = await newHost(scenario, { secrets: ECHOED_SECRETS, logLevel: 'Verbose' });
      const run = await host(home, ['jobs', 'run', jobId]);
      const runId = /Run (\S+):/.exec(run.stdout)![1]!;
      const views = await Promise.all(['table', 'csv', 'json'].map((format) => host(home, ['runs', 'log', runId, '--format', format])));
      const everything = [run, ...views].map((d) => d.stdout + d.stderr).join('\n') + allText(home);
      expect(everything).toContain('Denied: ***');
      for (const form of echoedForms(ECHOED_SECRETS)) expect(everything).not.toContain(form);
    } finally {
      await scenario.close();
    }
  });
});

describe('the host and the CLI hardened', () => {
  // Each test that writes gets data of its own, so it has something to write.
  let scenario: Scenario;
  const fresh = async (): Promise<void> => {
    await scenario?.close();
    scenario = await startScenario(
      { customers: 60, skusPerCustomer: 5, seed: 61, shares: { changed: 0.3 } },
      { connectWise: { latencyMs: 40 } },
    );
  };
  beforeAll(fresh);
  afterAll(() => scenario.close());

  it('the Atria token never goes over plain http to another host, nor to another scheme', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    for (const url of ['ftp://x', 'http://atria.example.com', 'http://10.0.0.5:8080', 'not a url']) {
      const refused = await host(home, ['config', 'set', '--atria-url', url]);
      expect([url, refused.code]).toEqual([url, 64]);
      expect(refused.stderr).toMatch(/--atria-url: .*(https|not a valid URL)/);
    }
    expect((await host(home, ['config', 'set', '--atria-url', 'https://atria.example.com'])).code).toBe(0);
    const cli = await cwm(['check', '--parameters', 'x', '--atria-url', 'http://atria.example.com']);
    expect([cli.code, cli.stderr]).toEqual([64, expect.stringContaining('plain http is refused for Atria')]);
    // Through the environment the check is the gateway's: CW03 before any request, then CW23.
    const { home: jobHome, jobId } = await newHost(scenario);
    const run = await host(jobHome, ['jobs', 'run', jobId], { env: { HOST_ATRIA_URL: 'http://203.0.113.9', HOST_ATRIA_TOKEN: 't' } });
    const log = runLog(jobHome, runRecords(jobHome)[0]!.runId);
    expect(log.map((e) => e.code)).toEqual(['CW03', 'CW23']);
    expect(log[0]!.message).toContain('plain http is refused for Atria');
    expect(run.code).toBe(2);
  });

  it('cwm-billing reads the Atria token from --atria-token-file', async () => {
    const token = file('atria-token', `${scenario.dataset.atriaToken}\n`);
    const p = file('token-p.json', { apiUrl: scenario.sandboxes.connectWise.apiBase });
    const s = file('token-s.json', secretsOf(scenario.dataset));
    const { stdout } = await execFileAsync('node', [
      'dist/cli.js',
      'check',
      '--parameters',
      p,
      '--secrets',
      s,
      '--atria-url',
      scenario.sandboxes.atria.url,
      '--atria-token-file',
      token,
    ]);
    expect(stdout).toContain('Connection check passed');
  });

  it('the key file: a truncated tag, a short key or a missing key is a coded CW16 in the run log ending with CW23; a missing key is never replaced silently', async () => {
    const { home, jobId } = await newHost(scenario);
    const jobFile = path.join(home, 'jobs', `${jobId}.json`);
    const original = readFileSync(jobFile, 'utf8');
    const job = JSON.parse(original) as { secrets: { tag: string } };
    job.secrets.tag = Buffer.from(job.secrets.tag, 'base64').subarray(0, 4).toString('base64');
    writeFileSync(jobFile, JSON.stringify(job));
    const lastLog = () =>
      runLog(
        home,
        runRecords(home)
          .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
          .pop()!.runId,
      );
    await host(home, ['jobs', 'run', jobId]);
    expect(lastLog().map((e) => e.code)).toEqual(['CW16', 'CW23']);
    expect(lastLog()[0]!.message).toContain('authentication tag is 4 bytes');
    writeFileSync(jobFile, original);

    const keyFile = path.join(home, 'host.key');
    const key = readFileSync(keyFile);
    writeFileSync(keyFile, key.subarray(0, 16), { mode: 0o600 });
    await host(home, ['jobs', 'run', jobId]);
    expect(lastLog()[0]!.message).toContain('is 16 bytes, not a 32-byte key');

    rmSync(keyFile);
    const run = await host(home, ['jobs', 'run', jobId]);
    expect(run.code).toBe(2);
    expect(lastLog().map((e) => e.code)).toEqual(['CW03', 'CW16', 'CW23']);
    expect(lastLog()[1]!.message).toContain(`the key file ${keyFile} is missing, but secrets are stored encrypted with it`);
    expect(existsSync(keyFile)).toBe(false);
    const add = await host(
      home,
      jobsAdd({
        name: 'Other',
        type: 'ConnectWise Manage Billing',
        cron: '0 0 1 1 *',
        parameters: file('k-p.json', { apiUrl: 'na.myconnectwise.net' }),
        secrets: file('k-s.json', secretsOf(scenario.dataset)),
      }),
    );
    expect([add.code, add.stderr]).toEqual([1, expect.stringContaining('jobs set-secrets ID --secrets S.json --new-key')]);
    expect(existsSync(keyFile)).toBe(false);

    // The way back: a new key on purpose, then the Atria token and the job's secrets again.
    expect(
      (await host(home, ['jobs', 'set-secrets', jobId, '--secrets', file('k-s.json', secretsOf(scenario.dataset)), '--new-key'])).code,
    ).toBe(0);
    expect((await host(home, ['config', 'set', '--atria-token-file', file('k-token', scenario.dataset.atriaToken)])).code).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const again = await host(home, ['jobs', 'run', jobId]);
    expect(again.stdout).toMatch(/Run \S+: (Success|CompletedWithWarnings)/);
  });

  it('kill -9 of `jobs run` mid-run: the log holds the writes that landed; the next scheduler marks the run Interrupted and runs the job once more', async () => {
    await fresh();
    const { home, jobId } = await newHost(scenario);
    const running = host(home, ['jobs', 'run', jobId]);
    const writesLogged = () => writesIn(home);
    await until(() => writesLogged() >= 3, 60_000);
    running.child.kill('SIGKILL');
    await running;
    const landed = scenario.sandboxes.connectWise.counts().writes;
    const [killed] = runRecords(home);
    expect(killed!.status).toBe('Running');
    // Each write is logged the moment it lands: at most the writes in flight (MaxConcurrency) can be unlogged.
    expect(writesLogged()).toBeGreaterThanOrEqual(landed - 6);

    const starting = host(home, ['scheduler', '--tick-ms', '100', '--exit-after-runs', '1']);
    const stuck = setTimeout(() => starting.child.kill('SIGKILL'), 30_000); // a scheduler that never re-runs the job would wait forever
    const scheduler = await starting;
    clearTimeout(stuck);
    expect(scheduler.stdout).toContain(`run ${killed!.runId} of job ${jobId} (Billing) was interrupted`);
    expect(scheduler.stdout).toContain('interrupted before: running it again');
    const records = runRecords(home).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    expect(records.map((r) => r.status)).toEqual(['Interrupted', expect.stringMatching(/^(Success|CompletedWithWarnings)$/)]);
    const interruptedLog = runLog(home, killed!.runId);
    expect(interruptedLog[interruptedLog.length - 1]).toMatchObject({
      code: 'CW23',
      message: 'Billing Process Completed with status Interrupted',
    });
    expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(scenario.dataset.expected);
  });

  it('every entry point recovers a run whose process is gone: the console started alone and `jobs run` mark it Interrupted, and the scheduler still runs the job once more (issue 20 item 5)', async () => {
    await fresh();
    const { home, jobId } = await newHost(scenario, { cron: '0 0 1 1 *' });
    const dead = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const plantRunning = (runId: string): void => {
      const record = {
        runId,
        jobId,
        jobName: 'Billing',
        extensionVersion: '0.1.0',
        status: 'Running',
        startedAt: new Date().toISOString(),
      };
      writeFileSync(
        path.join(home, 'runs', `${runId}.json`),
        JSON.stringify({ ...record, holder: { pid: Number(dead), startTime: '1', hostname: hostname() } }),
      );
      writeFileSync(path.join(home, 'runs', `${runId}.jsonl`), '');
    };
    const status = (runId: string) => runRecords(home).find((r) => r.runId === runId)?.status;

    plantRunning('20261201T000000-aaaaaa');
    const web = await startConsoleProcess(home, { HOST_WEB_PASSWORD: 'a long enough console password' });
    await web.stop();
    expect(status('20261201T000000-aaaaaa')).toBe('Interrupted');
    expect(runLog(home, '20261201T000000-aaaaaa').pop()).toMatchObject({
      code: 'CW23',
      message: 'Billing Process Completed with status Interrupted',
    });

    plantRunning('20261201T000001-bbbbbb');
    await host(home, ['jobs', 'run', jobId]);
    expect(status('20261201T000001-bbbbbb')).toBe('Interrupted');

    // Found by the console, not the scheduler: the job (not due for months) still runs once more, then not again.
    plantRunning('20261201T000002-cccccc');
    await (await startConsoleProcess(home, { HOST_WEB_PASSWORD: 'a long enough console password' })).stop();
    const scheduler = await host(home, ['scheduler', '--tick-ms', '100', '--exit-after-runs', '1']);
    expect(scheduler.stdout).toContain('interrupted before: running it again');
    expect(runRecords(home).filter((r) => r.status !== 'Interrupted')).toHaveLength(2);
  });

  it('a damaged host.json or web-password.json has a way out: config set and web set-password write them anew, saying so; nothing is reported saved that was not (issue 20 item 3)', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    mkdirSync(home, { recursive: true });
    for (const damaged of ['[]', 'null', '{"atriaUrl": 7}', '{"atriaU']) {
      writeFileSync(path.join(home, 'host.json'), damaged);
      const set = await host(home, ['config', 'set', '--atria-url', 'https://atria.example.com']);
      expect([damaged, set.code, set.stderr]).toEqual([damaged, 0, expect.stringContaining('was damaged')]);
      expect(set.stderr).toContain('give --atria-token-file again');
      expect(set.stdout).toContain('Host configuration saved (Atria URL https://atria.example.com; token unset)');
      expect(JSON.parse(readFileSync(path.join(home, 'host.json'), 'utf8'))).toEqual({ atriaUrl: 'https://atria.example.com' });
    }
    writeFileSync(path.join(home, 'web-password.json'), '{}');
    const refused = await host(home, ['web', '--port', '0']);
    expect([refused.code, refused.stderr]).toEqual([64, expect.stringContaining('is damaged (not the console')]);
    expect(refused.stderr).toContain('set a new password with `npm run host -- web set-password`');
    expect((await host(home, ['web', 'set-password'], { input: 'a long enough console password\n' })).code).toBe(0);
    const web = await startConsoleProcess(home, {});
    await web.stop();
    expect(web.firstLine).toMatch(/^console listening on http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a full disk or `ulimit -f`: cwm-billing stops before its next write, says why and keeps whole lines; an unwritable log or plan file is refused before the first request', async () => {
    await fresh();
    const p = file('full-p.json', { apiUrl: scenario.sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true });
    const s = file('full-s.json', secretsOf(scenario.dataset));
    const atria = ['--atria-url', scenario.sandboxes.atria.url, '--atria-token', scenario.dataset.atriaToken, '--now', '2026-11-26'];
    const full = path.join(dir, 'full.jsonl');
    symlinkSync('/dev/full', full);
    const stopped = await cwm(['run', '--parameters', p, '--secrets', s, ...atria, '--log-file', full]);
    expect(stopped.code).toBe(2);
    expect(stopped.stdout).toMatch(/Error CW33 The run stopped before its next write: the run log cannot be written \(ENOSPC\)/);
    expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);

    // `ulimit -f`: the log file stops growing mid-run (a short write, then EFBIG). It keeps whole lines only; stdout has the rest.
    scenario.sandboxes.connectWise.resetRequests();
    const limitedLog = path.join(dir, 'limited.jsonl');
    const limited = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const cli = ['dist/cli.js', 'run', '--parameters', p, '--secrets', s, ...atria, '--log-file', limitedLog];
      execFile('bash', ['-c', 'ulimit -f 6 && exec "$0" "$@"', process.execPath, ...cli], { env: process.env }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
    expect(limited.code).toBe(2);
    const inFile = readFileSync(limitedLog, 'utf8').split('\n');
    expect(inFile.pop()).toBe('');
    const whole = inFile.map((line) => JSON.parse(line) as LogEntry);
    expect(limited.stderr).toContain(
      `the log file ${limitedLog} could not be written (EFBIG) after ${whole.length} entries; it holds those whole, and the rest of the log is on stdout only`,
    );
    expect(limited.stdout).toMatch(/Error CW33 The run stopped before its next write: the run log cannot be written \(EFBIG\)/);
    expect(limited.stdout).toMatch(/CW23 Billing Process Completed with status Failed/);
    const printedWrites = limited.stdout.split('\n').filter((line) => /\b(CW07|CW08|CW20)\b/.test(line));
    expect(printedWrites.length).toBe(scenario.sandboxes.connectWise.counts().writes);
    expect(whole.filter((e) => ['CW07', 'CW08', 'CW20'].includes(e.code)).length).toBeLessThan(printedWrites.length);

    for (const [flag, target, what] of [
      ['--log-file', '/nonexistent-dir/log.jsonl', 'log file'],
      ['--plan-file', '/nonexistent-dir/plan.json', 'plan file'],
    ] as const) {
      scenario.sandboxes.connectWise.resetRequests();
      const refused = await cwm(['run', '--parameters', p, '--secrets', s, ...atria, flag, target]);
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining(`cannot write the ${what} ${target} (ENOENT)`)]);
      expect(scenario.sandboxes.connectWise.requests).toHaveLength(0);
    }
  });

  it.each(['a full tmpfs', 'ulimit -f'] as const)(
    'disk full under HOST_HOME mid-run (%s): the writes in flight, CW33 and CW23 reach stderr at once and the run record in the room the run set aside; the run ends Failed (issue 20 item 4)',
    async (how) => {
      await fresh();
      const { home, jobId } = await newHost(scenario);
      const runs = path.join(home, 'runs');
      const unmount = how === 'a full tmpfs' ? smallDisk(runs, '4m') : undefined;
      if (how === 'a full tmpfs' && !unmount) return; // not root here: the ulimit case below still runs
      try {
        // The file size limit lets the log hold a few dozen entries: it fills while the writes go on.
        const limited = how === 'ulimit -f' ? { fileSizeLimitKiB: 12, env: { HOST_RUN_RESERVE_KIB: '8' } } : {};
        const running = host(home, ['jobs', 'run', jobId], limited);
        if (unmount) {
          await until(() => writesIn(home) >= 3, 60_000);
          fillDisk(runs);
        }
        const done = await running;
        const [record] = runRecords(home) as ({ logGap?: string } & ReturnType<typeof runRecords>[number])[];
        expect([done.code, record!.status]).toEqual([2, 'Failed']);
        const reason = how === 'ulimit -f' ? 'EFBIG' : 'ENOSPC';
        expect(done.stderr).toContain(`host: the log of run ${record!.runId} cannot be written (${reason})`);
        expect(record!.logGap).toMatch(new RegExp(`could not be written after entry \\d+ \\(${reason}\\)`));
        // Shown on stderr the moment the log failed, and kept in the run record (written in the room the run set aside).
        expect(done.stderr).toMatch(/not in its log yet: .*CW33 {2}The run stopped before its next write/);
        expect(done.stderr).toMatch(/not in its log yet: .*CW23 {2}Billing Process Completed with status Failed/);
        const shown = await host(home, ['runs', 'log', record!.runId, '--format', 'json']);
        expect(shown.stderr).toBe('');
        const log = JSON.parse(shown.stdout) as LogEntry[];
        expect(log.filter((e) => e.code === 'CW33')).toHaveLength(1);
        expect(log[log.length - 1]).toMatchObject({ code: 'CW23', message: 'Billing Process Completed with status Failed' });
        // Every write ConnectWise took is in the run's log: none landed unlogged.
        const writes = log.filter((e) => ['CW07', 'CW08', 'CW20'].includes(e.code));
        expect(writes.length).toBe(scenario.sandboxes.connectWise.counts().writes);
        expect(writes.length).toBeGreaterThan(writesIn(home)); // some of them only in the record
        expect(readdirSync(runs).filter((f) => f.endsWith('.reserve'))).toEqual([]);
        const listed = await host(home, ['jobs', 'list']);
        expect(listed.stdout).toContain('last Failed');
      } finally {
        unmount?.();
      }
    },
  );

  it('a damaged log line, job file, run record or restart file is named and skipped; everything else keeps working', async () => {
    const { home, jobId } = await newHost(scenario);
    const run = await host(home, ['jobs', 'run', jobId]);
    const runId = /Run (\S+):/.exec(run.stdout)![1]!;
    const entries = runLog(home, runId).length;
    appendFileSync(path.join(home, 'runs', `${runId}.jsonl`), '{"timestamp":"2026-11-25T10:00:00Z","lev');
    const log = await host(home, ['runs', 'log', runId, '--format', 'json']);
    expect(log.code).toBe(0);
    expect((JSON.parse(log.stdout) as unknown[]).length).toBe(entries);
    expect(log.stderr).toMatch(new RegExp(`line ${entries + 1} of the log of run ${runId} is damaged`));

    const second = await host(
      home,
      jobsAdd({
        name: 'Second',
        type: 'ConnectWise Manage Billing',
        cron: '0 0 1 1 *',
        parameters: file('d-p.json', { apiUrl: 'na.myconnectwise.net' }),
        secrets: file('d-s.json', secretsOf(scenario.dataset)),
      }),
    );
    const secondId = /Job (\w+)/.exec(second.stdout)![1]!;
    writeFileSync(path.join(home, 'jobs', `${jobId}.json`), '{"id": "trunc');
    writeFileSync(path.join(home, 'runs', `${runId}.json`), '');
    writeFileSync(path.join(home, 'restart.json'), '{');
    const list = await host(home, ['jobs', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(secondId);
    expect(list.stderr).toContain(`the file ${path.join(home, 'jobs', `${jobId}.json`)} is damaged`);
    const runs = await host(home, ['runs', 'list', secondId]);
    expect([runs.code, runs.stderr]).toEqual([0, expect.stringContaining(`${runId}.json is damaged`)]);
    const done = await briefScheduler(home);
    expect(done.stdout).toContain('scheduler stopped');
    expect(done.stdout).toContain('restart.json is damaged');

    // Valid JSON of the wrong shape is damaged too (issue 20 item 1): named, skipped, nothing stops.
    for (const wrong of ['null', '{}', '[]']) {
      writeFileSync(path.join(home, 'jobs', `${jobId}.json`), wrong);
      writeFileSync(path.join(home, 'runs', `${runId}.json`), wrong);
      writeFileSync(path.join(home, 'restart.json'), wrong);
      const jobs = await host(home, ['jobs', 'list']);
      expect([wrong, jobs.code, jobs.stdout]).toEqual([wrong, 0, expect.stringContaining(secondId)]);
      expect(jobs.stderr).toContain(`the file ${path.join(home, 'jobs', `${jobId}.json`)} is damaged (not a job`);
      const history = await host(home, ['runs', 'list', secondId]);
      expect([history.code, history.stderr]).toEqual([0, expect.stringContaining(`${runId}.json is damaged (not a run record`)]);
      const ticked = await briefScheduler(home);
      expect([ticked.code, ticked.stdout]).toEqual([0, expect.stringContaining('scheduler stopped')]);
      expect(ticked.stdout).toContain('restart.json is damaged (not a restart request');
    }
  });

  it("a job lock is told apart by its holder's start time and host; a job deleted while it runs keeps the run's own result", async () => {
    await fresh();
    const { home, jobId } = await newHost(scenario);
    const lock = path.join(home, 'jobs', `${jobId}.lock`);
    const start = processStartTime(process.pid);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, startTime: start, hostname: hostname() }));
    expect((await host(home, ['jobs', 'run', jobId])).stderr).toContain(`job ${jobId} is already running (process ${process.pid}`);
    if (start !== null) {
      // The same pid with another start time is another process: the lock's holder is gone.
      writeFileSync(lock, JSON.stringify({ pid: process.pid, startTime: `${start}0`, hostname: hostname() }));
      const running = host(home, ['jobs', 'run', jobId]);
      await until(() => runRecords(home).length > 0 && runLog(home, runRecords(home)[0]!.runId).length > 0, 30_000);
      const deleted = await host(home, ['jobs', 'delete', jobId, '--yes']);
      expect(deleted.stdout).toContain(`Job ${jobId} deleted`);
      const done = await running;
      const [record] = runRecords(home);
      const log = runLog(home, record!.runId);
      expect(log[log.length - 1]!.message).toBe(`Billing Process Completed with status ${record!.status}`);
      expect(record!.status).not.toBe('Failed');
      expect(done.stdout).toContain(`Run ${record!.runId}: ${record!.status}`);
    }
  });
});

describe('install-extension refuses packages that would break or take over jobs', () => {
  const declared = {
    id: 'connectwise-manage-billing',
    displayName: 'ConnectWise Manage Billing',
    description: 'd',
    parametersSchema: 'schemas/p.json',
    secretsSchema: 'schemas/s.json',
    capabilities: [],
    defaultSchedule: '0 22 26 * *',
  };
  /** A small package: a manifest and an entry module, with whatever the case needs. */
  const fakePackage = (name: string, options: { id?: string; entry?: string; taskTypes?: unknown[]; source?: string } = {}): string => {
    const root = mkdtempSync(path.join(dir, `pkg-${name}-`));
    writeFileSync(
      path.join(root, 'extension.manifest.json'),
      JSON.stringify({
        id: options.id ?? 'Other',
        displayName: 'Other',
        version: '1.0.0',
        hostApiVersion: 1,
        entry: options.entry ?? 'dist/index.js',
        taskTypes: options.taskTypes ?? [{ ...declared, id: 'other-task', displayName: 'Other task' }],
      }),
    );
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module' }));
    mkdirSync(path.join(root, 'dist'));
    writeFileSync(
      path.join(root, 'dist', 'index.js'),
      options.source ??
        `export function activate(host) { host.registerTaskType({ id: 'other-task', displayName: 'Other task', description: 'd', run: async () => ({}), check: async () => ({}) }); }`,
    );
    return root;
  };
  const install = (home: string, pkg: string, env: NodeJS.ProcessEnv = {}) => host(home, ['install-extension', '--path', pkg], { env });

  it('an activate that registers nothing (or other task types than declared)', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const nothing = await install(home, fakePackage('nothing', { source: 'export function activate() {}' }));
    expect([nothing.code, nothing.stderr]).toEqual([
      1,
      expect.stringContaining(
        'activate(host) registered task types [none], but the manifest declares [other-task ("Other task")]: refused',
      ),
    ]);
    const other = await install(
      home,
      fakePackage('mismatch', { taskTypes: [{ ...declared, id: 'declared-task', displayName: 'Declared' }] }),
    );
    expect(other.stderr).toContain(
      'registered task types [other-task ("Other task")], but the manifest declares [declared-task ("Declared")]',
    );
    expect((await host(home, ['job-types'])).stdout).toBe('');
  });

  it('an entry outside the package, or a link leaving it', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const outside = fakePackage('outside-target');
    const escaping = fakePackage('escape', { entry: `../${path.basename(outside)}/dist/index.js` });
    expect((await install(home, escaping)).stderr).toContain('points outside the package: refused');
    const linked = fakePackage('linked');
    symlinkSync(path.join(outside, 'dist', 'index.js'), path.join(linked, 'dist', 'helper.js'));
    expect((await install(home, linked)).stderr).toMatch(/dist\/helper\.js is a link to .*outside the package: refused/);
    expect((await host(home, ['job-types'])).stdout).toBe('');
  });

  it("another extension cannot take over an installed task type (and with it the jobs' secrets)", async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    expect((await host(home, ['install-extension', '-Extension', 'ConnectWiseManage'])).code).toBe(0);
    const source = `export function activate(host) { host.registerTaskType({ id: 'connectwise-manage-billing', displayName: 'ConnectWise Manage Billing', description: 'd', run: async () => ({}), check: async () => ({}) }); }`;
    const takeover = await install(home, fakePackage('takeover', { id: 'Impostor', taskTypes: [declared], source }));
    expect(takeover.stderr).toContain(
      'the task type connectwise-manage-billing ("ConnectWise Manage Billing") is already provided by the installed extension ConnectWiseManage: refused',
    );
    expect((await host(home, ['job-types'])).stdout).toMatch(/^ConnectWise Manage Billing\tConnectWiseManage /);
  });

  it('a broken neighbour never stops the others, and a package naming itself after another at run time is refused (issue 20 items 2 and 8)', async () => {
    const scenario = await startScenario({ customers: 4, skusPerCustomer: 2, seed: 7 });
    try {
      const home = mkdtempSync(path.join(dir, 'home-'));
      expect((await host(home, ['install-extension', '-Extension', 'ConnectWiseManage'])).code).toBe(0);
      expect((await install(home, fakePackage('neighbour'))).code).toBe(0);
      const token = file(`token-${path.basename(home)}`, scenario.dataset.atriaToken);
      await host(home, ['config', 'set', '--atria-url', scenario.sandboxes.atria.url, '--atria-token-file', token]);
      const params = file(`n-p-${path.basename(home)}.json`, {
        apiUrl: scenario.sandboxes.connectWise.apiBase,
        BillingPeriod: scenario.dataset.period.endDate,
      });
      const secrets = file(`n-s-${path.basename(home)}.json`, secretsOf(scenario.dataset));
      const installed = realpathSync(path.join(home, 'extensions', 'Other', 'current'));

      // Item 8: the neighbour passed its install check, then registers another's display name when it runs.
      writeFileSync(
        path.join(installed, 'dist', 'index.js'),
        `export function activate(host) { host.registerTaskType({ id: 'other-task', displayName: 'ConnectWise Manage Billing', description: 'd', run: async () => ({}), check: async () => ({}) }); }`,
      );
      const types = await host(home, ['job-types']);
      expect(types.stdout).toMatch(/^ConnectWise Manage Billing\tConnectWiseManage [^\n]*\n$/);
      expect(types.stderr).toContain(
        'extension Other 1.0.0 could not be loaded: activate(host) registered task types [other-task ("ConnectWise Manage Billing")]',
      );
      const added = await host(
        home,
        jobsAdd({ name: 'Billing', type: 'ConnectWise Manage Billing', cron: '0 0 1 1 *', parameters: params, secrets }),
      );
      const jobId = /Job (\w+)/.exec(added.stdout)![1]!;
      expect(JSON.parse(readFileSync(path.join(home, 'jobs', `${jobId}.json`), 'utf8'))).toMatchObject({
        extensionId: 'ConnectWiseManage',
      });

      // Item 2: the neighbour's installed manifest truncated: ConnectWise jobs and the scheduler go on, the neighbour is named.
      writeFileSync(path.join(installed, 'extension.manifest.json'), '{"id": "Oth');
      const run = await host(home, ['jobs', 'run', jobId]);
      expect([run.code, run.stdout]).toEqual([0, expect.stringMatching(/Run \S+: (Success|CompletedWithWarnings)/)]);
      const stopped = await briefScheduler(home);
      expect([stopped.code, stopped.stdout]).toEqual([
        0,
        expect.stringContaining('task types: ConnectWise Manage Billing (ConnectWiseManage'),
      ]);
      expect(stopped.stdout).toContain('extension Other could not be loaded: the file');
    } finally {
      await scenario.close();
    }
  });

  it('an activate that never returns is stopped by a timeout; a packed install leaves no temporary folder', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const hang = await install(home, fakePackage('hang', { source: 'export function activate() { for (;;) {} }' }), {
      HOST_ACTIVATE_TIMEOUT_MS: '1500',
    });
    expect(hang.stderr).toContain('activate(host) did not return within 1.5 s: refused');
    const temp = mkdtempSync(path.join(dir, 'tmp-'));
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: fakePackage('packed'), encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    expect((await install(home, path.join(dir, packed), { TMPDIR: temp })).code).toBe(0);
    expect(readdirSync(temp).filter((name) => name.startsWith('extension-'))).toEqual([]);
  });
});
