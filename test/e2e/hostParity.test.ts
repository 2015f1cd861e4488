import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startScenario, secretsOf, type Scenario } from '../support/harness.js';
import { host, jobsAdd, runRecords, until } from '../support/hostCli.js';

/** Issue 22: what the console does, the command line does too; dry runs are marked wherever runs are listed. */
describe('the host command line at parity with the console', () => {
  let scenario: Scenario;
  let dir: string;
  let home: string;
  let jobId: string;

  beforeAll(async () => {
    scenario = await startScenario({ customers: 8, skusPerCustomer: 3, seed: 23, shares: { changed: 0.5 } });
    dir = mkdtempSync(path.join(tmpdir(), 'cwm-parity-'));
    home = path.join(dir, 'home');
    const file = (name: string, value: unknown) => {
      writeFileSync(path.join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
      return path.join(dir, name);
    };
    expect((await host(home, ['install-extension'])).code).toBe(0);
    const token = file('token', scenario.dataset.atriaToken);
    expect((await host(home, ['config', 'set', '--atria-url', scenario.sandboxes.atria.url, '--atria-token-file', token])).code).toBe(0);
    const added = await host(
      home,
      jobsAdd({
        name: 'Monthly billing',
        type: 'ConnectWise Manage Billing',
        cron: '0 22 26 * *',
        timeZone: 'Europe/London',
        parameters: file('p.json', { apiUrl: scenario.sandboxes.connectWise.apiBase, BillingPeriod: scenario.dataset.period.endDate }),
        secrets: file('s.json', secretsOf(scenario.dataset)),
      }),
    );
    jobId = /Job (\S+)/.exec(added.stdout)![1]!;
  }, 60_000);
  afterAll(() => scenario.close());

  it('config show names the Atria connection and never prints the token', async () => {
    const shown = await host(home, ['config', 'show']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Atria URL    ${scenario.sandboxes.atria.url}`);
    expect(shown.stdout).toContain('Atria token  stored encrypted');
    expect(shown.stdout).not.toContain(scenario.dataset.atriaToken);
    const fromEnv = await host(home, ['config', 'show'], { env: { HOST_ATRIA_TOKEN: 'env-token-value-123' } });
    expect(fromEnv.stdout).toContain('Atria token  set (from HOST_ATRIA_TOKEN)');
    expect(fromEnv.stdout).not.toContain('env-token-value-123');
  });

  it('jobs show and jobs edit: the schedule, the next run, the parameters; an edit is checked by the task type before it is saved', async () => {
    const shown = await host(home, ['jobs', 'show', jobId]);
    expect(shown.stdout).toMatch(/^Job +\S+ "Monthly billing"$/m);
    expect(shown.stdout).toContain('Schedule   cron "0 22 26 * *" in Europe/London');
    expect(shown.stdout).toContain('Secrets    stored encrypted');
    expect(shown.stdout).toContain(`"apiUrl": "${scenario.sandboxes.connectWise.apiBase}"`);
    expect(shown.stdout).not.toContain(secretsOf(scenario.dataset).PrivateKey);

    const edited = await host(home, ['jobs', 'edit', jobId, '--name', 'Billing (27th)', '--cron', '0 22 27 * *']);
    expect([edited.code, edited.stdout]).toEqual([0, expect.stringContaining(`Job ${jobId} "Billing (27th)" saved; next run`)]);
    expect((await host(home, ['jobs', 'show', jobId])).stdout).toContain('cron "0 22 27 * *" in Europe/London');

    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ apiUrl: scenario.sandboxes.connectWise.apiBase, MaxConcurrency: 'lots' }));
    const refused = await host(home, ['jobs', 'edit', jobId, '--parameters', bad]);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('The job was not changed:')]);
    expect((await host(home, ['jobs', 'show', jobId])).stdout).not.toContain('lots');
    expect((await host(home, ['jobs', 'edit', jobId])).code).toBe(64);
    expect((await host(home, ['jobs', 'edit', jobId, '--time-zone', 'Mars/Olympus'])).stderr).toContain(
      "--time-zone: 'Mars/Olympus' is not an IANA time zone name",
    );
  });

  it('jobs run --dry-run writes nothing and is marked as a dry run in jobs list, runs list and the run record; runs plan shows what it would do', async () => {
    const dry = await host(home, ['jobs', 'run', jobId, '--dry-run']);
    expect(dry.stdout).toMatch(/^Dry run \S+: /m);
    expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);
    const [record] = runRecords(home) as ({ dryRun?: boolean } & ReturnType<typeof runRecords>[number])[];
    expect(record!.dryRun).toBe(true);
    const history = (await host(home, ['runs', 'list', jobId])).stdout;
    expect(history).toContain(
      `${record!.runId}  Success (dry run: nothing written)  period ${scenario.dataset.period.endDate}  command-line  started`,
    );
    // The month's money beside each run (issue 21 item 6): what this dry run would change monthly billing by.
    expect(history).toMatch(/ monthly [+-][\d,]+\.\d\d USD\n$/);
    expect((await host(home, ['jobs', 'list'])).stdout).toContain(`last Success (dry run run ${record!.runId})`);

    const table = await host(home, ['runs', 'plan', record!.runId]);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^Customer +Company +Agreement +Addition +SKU +Product +Change +Monthly +Action +Outcome$/);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.slice(1).every((r) => r.endsWith('planned'))).toBe(true);
    const csv = await host(home, ['runs', 'plan', record!.runId, '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe(
      '\uFEFFCustomer,CustomerName,Company,CompanyName,AgreementId,AgreementName,AdditionId,SKU,Product,Before,After,FreeUnits,UnitPrice,AmountBefore,AmountAfter,Change,Currency,Action,Outcome',
    );
    expect(csv.stdout.trimEnd().split('\r\n')).toHaveLength(rows.length);
    const json = JSON.parse((await host(home, ['runs', 'plan', record!.runId, '--format', 'json'])).stdout) as {
      dryRun: boolean;
      items: unknown[];
    };
    // The plan file cwm-billing apply reads: the run's lines with the run, its period and its time.
    expect(json).toMatchObject({ format: 'cwm-billing-plan/1', runId: record!.runId, dryRun: true });
    expect(json.items).toHaveLength(rows.length - 1);
    expect((await host(home, ['runs', 'plan', 'no-such-run'])).code).toBe(64);

    const none = await host(home, ['runs', 'log', record!.runId, '--code', 'CW99']);
    expect(none.stdout).toMatch(/^0 entries match \(of \d+ in run \S+\); drop --level, --min-level, --code or --search to see more\n$/);
    const noneCsv = await host(home, ['runs', 'log', record!.runId, '--code', 'CW99', '--format', 'csv']);
    expect(noneCsv.stderr).toContain('0 entries match');
    expect(noneCsv.stdout.trimEnd()).toBe('\uFEFFTimestamp,Level,Code,Message,Customer,SKU,Action');

    const real = await host(home, ['jobs', 'run', jobId]);
    expect(real.stdout).toMatch(/^Run \S+: /m);
    expect(scenario.sandboxes.connectWise.counts().writes).toBeGreaterThan(0);
    expect((await host(home, ['jobs', 'list'])).stdout).toMatch(/last (Success|CompletedWithWarnings) \(run /);
  });

  it('serve: the console and the scheduler in one process; the console sees its scheduler; SIGTERM stops both', async () => {
    const serving = host(home, ['serve', '--port', '0', '--tick-ms', '100'], {
      env: { HOST_WEB_PASSWORD: 'a long enough console password' },
    });
    let said = '';
    serving.child.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await until(() => said.includes('scheduler started'), 30_000);
    expect(said).toMatch(/^console listening on http:\/\/127\.0\.0\.1:\d+$/m);
    const lock = path.join(home, 'scheduler.lock');
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: serving.child.pid });
    serving.child.kill('SIGTERM');
    const done = await serving;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('scheduler stopped');
    expect(existsSync(lock)).toBe(false);
  });
});
