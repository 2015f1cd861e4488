import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { activeAdditionLines } from '../../scripts/sandbox/cwState.js';
import { jobSecretsBinding, loadKey, open } from '../../scripts/host/secretBox.js';
import { hostPaths } from '../../scripts/host/paths.js';
import { startScenario, secretsOf, type Scenario } from '../support/harness.js';
import type { LogEntry } from '../../src/host/api.js';

import { host, REPO, runLog, runRecords, until, jobsAdd } from '../support/hostCli.js';

describe('the reference host, end to end', () => {
  let scenario: Scenario;
  let dir: string;
  let params: string;
  let secrets: string;
  let tokenFile: string;

  beforeAll(async () => {
    scenario = await startScenario({ customers: 25, skusPerCustomer: 4, seed: 55 }, { connectWise: { latencyMs: 2 } });
    dir = mkdtempSync(path.join(tmpdir(), 'cwm-host-'));
    params = path.join(dir, 'parameters.json');
    // BillingPeriod is the dated period of the sandbox data, so the run does not depend on today's date.
    writeFileSync(
      params,
      `{\n"apiUrl": "${scenario.sandboxes.connectWise.apiBase}",\n"AllowAtriaCreateAdditions": "True",\n"BillingPeriod": "${scenario.dataset.period.endDate}",\n}`,
    );
    secrets = path.join(dir, 'secrets.json');
    writeFileSync(secrets, JSON.stringify(secretsOf(scenario.dataset)));
    tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, scenario.dataset.atriaToken);
  });
  afterAll(() => scenario.close());

  async function newHost(cron = '*/2 * * * * *'): Promise<{ home: string; jobId: string }> {
    const home = mkdtempSync(path.join(dir, 'home-'));
    expect((await host(home, ['install-extension', '-Extension', 'ConnectWiseManage', '-RestartServices'])).code).toBe(0);
    expect((await host(home, ['config', 'set', '--atria-url', scenario.sandboxes.atria.url, '--atria-token-file', tokenFile])).code).toBe(
      0,
    );
    const added = await host(
      home,
      jobsAdd({
        name: 'Transfer Billing Data to ConnectWise',
        type: 'ConnectWise Manage Billing',
        logLevel: 'Verbose',
        cron: cron,
        parameters: params,
        secrets: secrets,
      }),
    );
    expect(added.code).toBe(0);
    return { home, jobId: /Job (\w+)/.exec(added.stdout)![1]! };
  }

  it('install → job types → job with a 6-field CRON → the scheduler fires it → log CW01…CW23, state, CSV export, search', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const install = await host(home, ['install-extension', '--path', REPO, '--restart-services']);
    expect(install.stdout).toMatch(/^Installed ConnectWiseManage 0\.1\.0/);
    const types = await host(home, ['job-types']);
    expect(types.stdout).toMatch(/^ConnectWise Manage Billing\tConnectWiseManage 0\.1\.0\t/);
    await host(home, ['config', 'set', '--atria-url', scenario.sandboxes.atria.url, '--atria-token-file', tokenFile]);
    const added = await host(
      home,
      jobsAdd({
        name: 'Billing',
        type: 'ConnectWise Manage Billing',
        logLevel: 'Verbose',
        cron: '*/2 * * * * *',
        parameters: params,
        secrets: secrets,
      }),
    );
    expect(added.stdout).toMatch(/saved; next run \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(\d{4}-\d\d-\d\dT/);
    const jobId = /Job (\w+)/.exec(added.stdout)![1]!;

    const scheduler = await host(home, ['scheduler', '--tick-ms', '200', '--exit-after-runs', '1']);
    expect(scheduler.code).toBe(0);
    expect(scheduler.stdout).toContain(`job ${jobId} (Billing) due at`);
    const [run] = runRecords(home);
    expect(run!.status).toBe('CompletedWithWarnings');
    const entries = runLog(home, run!.runId);
    expect(entries[0]!.code).toBe('CW01');
    expect(entries[entries.length - 1]).toMatchObject({
      code: 'CW23',
      message: 'Billing Process Completed with status CompletedWithWarnings',
    });
    expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(scenario.dataset.expected);

    const list = await host(home, ['jobs', 'list']);
    expect(list.stdout).toContain(`last CompletedWithWarnings (run ${run!.runId})`);
    expect((await host(home, ['runs', 'list', jobId])).stdout).toContain(run!.runId);

    const csvFile = path.join(dir, 'cw07.csv');
    await host(home, ['runs', 'log', run!.runId, '--code', 'CW07', '--format', 'csv', '--output', csvFile]);
    const csv = readFileSync(csvFile, 'utf8');
    expect(csv.startsWith('\uFEFFTimestamp,Level,Code,Message,Customer,SKU,Action\r\n')).toBe(true);
    const csvRows = csv.trim().split('\r\n').slice(1);
    expect(csvRows.length).toBe(entries.filter((e) => e.code === 'CW07').length);
    expect(csvRows.every((r) => r.includes(',CW07,'))).toBe(true);
    const searched = await host(home, ['runs', 'log', run!.runId, '--search', 'cw23', '--format', 'json']);
    expect((JSON.parse(searched.stdout) as LogEntry[]).map((e) => e.code)).toEqual(['CW23']);
    const sorted = JSON.parse((await host(home, ['runs', 'log', run!.runId, '--sort', 'level', '--format', 'json'])).stdout) as LogEntry[];
    expect(sorted[0]!.level).toBe('Warning');
    expect(sorted[sorted.length - 1]!.level).toBe('Verbose');

    // Secrets: unreadable from the state files without the key, and absent from every output.
    const values = Object.values(secretsOf(scenario.dataset));
    const stateText =
      readdirSync(path.join(home, 'jobs'))
        .map((f) => readFileSync(path.join(home, 'jobs', f), 'utf8'))
        .join('') + readFileSync(path.join(home, 'host.json'), 'utf8');
    const outputs = [install, types, added, scheduler, list, searched].map((d) => d.stdout + d.stderr).join('');
    for (const value of [...values, scenario.dataset.atriaToken]) {
      expect(stateText).not.toContain(value);
      expect(outputs).not.toContain(value);
    }
    const job = JSON.parse(readFileSync(path.join(home, 'jobs', `${jobId}.json`), 'utf8')) as { secrets: Parameters<typeof open>[1] };
    expect(JSON.parse(open(loadKey(hostPaths(home), 'read'), job.secrets, jobSecretsBinding(jobId)))).toEqual(secretsOf(scenario.dataset));
    const otherHome = mkdtempSync(path.join(dir, 'other-'));
    expect(() => open(loadKey(hostPaths(otherHome)), job.secrets, jobSecretsBinding(jobId))).toThrow();
    // Bound to its job: the same ciphertext cannot be opened as another job's secrets.
    expect(() => open(loadKey(hostPaths(home), 'read'), job.secrets, jobSecretsBinding('0000000a'))).toThrow();
  });

  it('an interrupted install leaves the old version working', async () => {
    const { home, jobId } = await newHost();
    const link = path.join(home, 'extensions', 'ConnectWiseManage', 'current');
    const before = readlinkSync(link);
    const crashed = await host(home, ['install-extension', '--path', REPO], { env: { CWM_HOST_INTERRUPT_INSTALL: 'after-copy' } });
    expect(crashed.code).toBe(9);
    expect(readlinkSync(link)).toBe(before);
    expect((await host(home, ['job-types'])).stdout).toContain('ConnectWise Manage Billing');
    const run = await host(home, ['jobs', 'run', jobId]);
    expect(run.stdout).toMatch(/Run \S+: CompletedWithWarnings/);
  });

  it('installs from a packed .tgz (npm pack) as well as from a directory', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    const install = await host(home, ['install-extension', '--path', path.join(dir, packed)]);
    expect([install.code, install.stdout]).toEqual([0, expect.stringMatching(/^Installed ConnectWiseManage 0\.1\.0/)]);
    expect((await host(home, ['job-types'])).stdout).toContain('ConnectWise Manage Billing');
  });

  it('refuses an incompatible hostApiVersion with a clear message, keeping what was installed', async () => {
    const { home } = await newHost();
    const pkg = mkdtempSync(path.join(dir, 'pkg-'));
    for (const item of ['extension.manifest.json', 'package.json', 'dist', 'schemas'])
      cpSync(path.join(REPO, item), path.join(pkg, item), { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'extension.manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(pkg, 'extension.manifest.json'), JSON.stringify({ ...manifest, hostApiVersion: 2 }));
    const refused = await host(home, ['install-extension', '--path', pkg]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('needs host API version 2; this host implements version 1');
    expect((await host(home, ['job-types'])).stdout).toContain('ConnectWiseManage 0.1.0');
  });

  it('a reinstall with --restart-services is picked up by a running scheduler before its next run', async () => {
    const { home } = await newHost('*/1 * * * * *');
    const pkg = mkdtempSync(path.join(dir, 'pkg-'));
    for (const item of ['extension.manifest.json', 'package.json', 'dist', 'schemas'])
      cpSync(path.join(REPO, item), path.join(pkg, item), { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'extension.manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(pkg, 'extension.manifest.json'), JSON.stringify({ ...manifest, version: '0.1.1' }));
    const scheduler = host(home, ['scheduler', '--tick-ms', '100']);
    await until(() => runRecords(home).some((r) => r.finishedAt));
    const reinstall = await host(home, ['install-extension', '--path', pkg, '--restart-services']);
    expect([reinstall.code, reinstall.stderr]).toEqual([0, '']);
    await until(() => runRecords(home).some((r) => r.extensionVersion === '0.1.1' && r.finishedAt));
    scheduler.child.kill('SIGTERM');
    const done = await scheduler;
    expect(done.stdout).toContain('services restarted: loaded ConnectWiseManage 0.1.1');
    const versions = runRecords(home)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
      .map((r) => r.extensionVersion);
    expect(versions[0]).toBe('0.1.0');
    // Once loaded, the new version serves every later run.
    expect(versions.slice(versions.indexOf('0.1.1'))).toEqual(versions.slice(versions.indexOf('0.1.1')).map(() => '0.1.1'));
  });

  it('two due firings of one job never overlap, even with Run Now beside the scheduler', async () => {
    const { home, jobId } = await newHost('* * * * * *');
    scenario.sandboxes.connectWise.latencyMs = 500; // a run now takes seconds: longer than the 1-second schedule
    try {
      const scheduler = host(home, ['scheduler', '--tick-ms', '50', '--exit-after-runs', '2']);
      await until(() => runRecords(home).some((r) => r.status === 'Running'));
      const runNow = await host(home, ['jobs', 'run', jobId]);
      expect(runNow.stderr).toContain('is already running');
      await scheduler;
      const runs = runRecords(home).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      expect(runs.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt >= runs[i - 1]!.finishedAt!).toBe(true);
    } finally {
      scenario.sandboxes.connectWise.latencyMs = 2;
    }
  });

  it('SIGTERM during a run: the run finishes Cancelled with a complete log, and the scheduler exits', async () => {
    const { home } = await newHost('*/1 * * * * *');
    scenario.sandboxes.connectWise.latencyMs = 150; // the run outlasts the signal by a wide margin
    try {
      const scheduler = host(home, ['scheduler', '--tick-ms', '50']);
      await until(() => {
        const [run] = runRecords(home);
        return (
          Boolean(run) &&
          existsSync(path.join(home, 'runs', `${run!.runId}.jsonl`)) &&
          runLog(home, run!.runId).some((e) => e.code === 'CW01')
        );
      });
      scheduler.child.kill('SIGTERM');
      const done = await scheduler;
      expect(done.code).toBe(0);
      expect(done.stdout).toContain('scheduler stopped');
      const [run] = runRecords(home);
      expect(run!.status).toBe('Cancelled');
      const entries = runLog(home, run!.runId);
      expect(entries[entries.length - 1]).toMatchObject({ code: 'CW23', message: 'Billing Process Completed with status Cancelled' });
    } finally {
      scenario.sandboxes.connectWise.latencyMs = 2;
    }
  });

  it('after downtime a missed job runs once, not once per missed time; a failing job does not stop the scheduler', async () => {
    const { home, jobId } = await newHost('0 0 0 1 1 *'); // yearly, on 1 January: it cannot come due again during the test
    const jobFile = path.join(home, 'jobs', `${jobId}.json`);
    const job = JSON.parse(readFileSync(jobFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(jobFile, JSON.stringify({ ...job, lastScheduledAt: new Date(Date.now() - 3 * 366 * 86400_000).toISOString() })); // down for 3 years: 3 missed times
    const badParams = path.join(dir, 'bad-period.json');
    writeFileSync(badParams, JSON.stringify({ apiUrl: scenario.sandboxes.connectWise.apiBase, BillingPeriod: '2001-01-01' }));
    const failing = await host(
      home,
      jobsAdd({ name: 'Broken', type: 'ConnectWise Manage Billing', cron: '* * * * * *', parameters: badParams, secrets: secrets }),
    );
    const failingId = /Job (\w+)/.exec(failing.stdout)![1]!;
    const scheduler = host(home, ['scheduler', '--tick-ms', '100']);
    await until(() => runRecords(home).filter((r) => r.finishedAt).length >= 3);
    await new Promise((r) => setTimeout(r, 700));
    scheduler.child.kill('SIGTERM');
    const done = await scheduler;
    const runs = runRecords(home);
    const byJob = (id: string) => runs.filter((r) => (r as unknown as { jobId: string }).jobId === id);
    expect(byJob(jobId)).toHaveLength(1);
    expect(byJob(failingId).length).toBeGreaterThanOrEqual(2);
    expect(byJob(failingId).every((r) => r.status === 'Failed' || r.status === 'Cancelled')).toBe(true);
    expect(done.stdout).toContain('scheduler stopped');
  });

  it('delete asks for confirmation: "no" keeps the job, "y" deletes it; --yes does not ask', async () => {
    const { home, jobId } = await newHost();
    const no = await host(home, ['jobs', 'delete', jobId], { input: 'no\n' });
    expect(no.stdout).toContain('permanently? [y/N] Not deleted.');
    expect((await host(home, ['jobs', 'list'])).stdout).toContain(jobId);
    const yes = await host(home, ['jobs', 'delete', jobId], { input: 'y\n' });
    expect(yes.stdout).toContain(`Job ${jobId} deleted`);
    expect((await host(home, ['jobs', 'list'])).stdout).toBe('No jobs.\n');
  });

  it('jobs add refuses a bad CRON, and coded configuration errors; set-secrets replaces secrets without showing them', async () => {
    const { home, jobId } = await newHost();
    const badCron = await host(
      home,
      jobsAdd({ name: 'x', type: 'ConnectWise Manage Billing', cron: '0 22 26 *', parameters: params, secrets: secrets }),
    );
    expect([badCron.code, badCron.stderr]).toEqual([64, expect.stringContaining('has 4')]);
    const badSecrets = path.join(dir, 'bad-secrets.json');
    writeFileSync(badSecrets, JSON.stringify({ ...secretsOf(scenario.dataset), PrivateKey: '' }));
    const refused = await host(
      home,
      jobsAdd({ name: 'x', type: 'ConnectWise Manage Billing', cron: '0 0 21 L * ?', parameters: params, secrets: badSecrets }),
    );
    expect([refused.code, refused.stderr]).toEqual([
      2,
      expect.stringContaining('Error CW18 Failed to validate ConnectWise secrets. PrivateKey must have a valid value'),
    ]);
    const replaced = await host(home, ['jobs', 'set-secrets', jobId, '--secrets', secrets]);
    expect(replaced.stdout).toBe(`Secrets of job ${jobId} replaced\n`);
  });
});

describe('the installable package', () => {
  it('npm pack builds it; installed from the tarball into an empty folder, cwm-billing validate runs and the host installs it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cwm-pack-'));
    // A checkout without dist/, as a fresh clone has: packing must build it.
    const checkout = path.join(dir, 'checkout');
    for (const item of [
      'src',
      'schemas',
      'scripts',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'extension.manifest.json',
      'README.md',
    ])
      cpSync(path.join(REPO, item), path.join(checkout, item), { recursive: true });
    symlinkSync(path.join(REPO, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: checkout, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, tarball)], { cwd: dir, stdio: 'ignore' });
    const installed = path.join(dir, 'node_modules', 'connectwise-manage-billing');
    expect(existsSync(path.join(installed, 'dist', 'cli.js'))).toBe(true);
    writeFileSync(
      path.join(dir, 's.json'),
      JSON.stringify({
        CompanyName: 'acme',
        PublicKey: 'pub12345',
        PrivateKey: 'priv6789',
        ClientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c',
      }),
    );
    const validated = execFileSync(
      path.join(dir, 'node_modules', '.bin', 'cwm-billing'),
      ['validate', '--parameters', path.join(dir, 'examples', 'parameters.json'), '--secrets', path.join(dir, 's.json')],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(JSON.parse(validated)).toMatchObject({ parameters: { AgreementType: 'Hosting and Cloud Services' } });
    const home = mkdtempSync(path.join(dir, 'home-'));
    const install = await host(home, ['install-extension', '--path', installed]);
    expect([install.code, install.stdout]).toEqual([0, expect.stringMatching(/^Installed ConnectWiseManage 0\.1\.0/)]);
    expect((await host(home, ['job-types'])).stdout).toContain('ConnectWise Manage Billing');
  });
});
