import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { activeAdditionLines } from '../../scripts/sandbox/cwState.js';
import { startScenario, secretsOf, type Scenario } from '../support/harness.js';

const execFileAsync = promisify(execFile);

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('node', ['dist/cli.js', ...args], {
      env: { PATH: process.env.PATH, CWM_BILLING_LOCK_DIR: process.env.CWM_BILLING_LOCK_DIR, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'cwm-cli-'));
const file = (name: string, content: unknown): string => {
  const target = path.join(dir, name);
  writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return target;
};
const goodSecrets = {
  CompanyName: 'acme',
  PublicKey: 'pub12345',
  PrivateKey: 'priv6789',
  ClientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c',
};

describe('cwm-billing validate', () => {
  it('prints the effective configuration with secrets as ***', async () => {
    const { code, stdout } = await cli([
      'validate',
      '--parameters',
      file('p.json', '{"apiUrl": "na.myconnectwise.net",}'),
      '--secrets',
      file('s.json', goodSecrets),
    ]);
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as { parameters: Record<string, unknown>; secrets: Record<string, string> };
    expect(shown.parameters.apiUrl).toBe('https://api-na.myconnectwise.net/v4_6_release/apis/3.0');
    expect(shown.secrets).toEqual({ CompanyName: '***', PublicKey: '***', PrivateKey: '***', ClientId: '***' });
    expect(stdout).not.toContain('priv6789');
  });

  it('an empty PrivateKey prints a CW18 entry naming PrivateKey and exits 2', async () => {
    const { code, stdout } = await cli([
      'validate',
      '--parameters',
      file('p.json', { apiUrl: 'na.myconnectwise.net' }),
      '--secrets',
      file('s-empty.json', { ...goodSecrets, PrivateKey: '' }),
    ]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^\S+ Error CW18 Failed to validate ConnectWise secrets\. PrivateKey must have a valid value\n$/);
  });

  it('a missing or non-JSON secrets file is CW16 with exit 2, not a usage error', async () => {
    const p = file('p.json', { apiUrl: 'na.myconnectwise.net' });
    const missing = await cli(['validate', '--parameters', p, '--secrets', path.join(dir, 'nope.json')]);
    expect([missing.code, missing.stdout]).toEqual([
      2,
      expect.stringContaining('CW16 Failed to retrieve ConnectWise secrets. Error occurred is: the secrets file'),
    ]);
    const garbled = await cli(['validate', '--parameters', p, '--secrets', file('bad.json', '{"CompanyName": ')]);
    expect(garbled.code).toBe(2);
    expect(garbled.stdout).toContain('CW16');
  });

  it('takes secrets from the CWM_* environment variables', async () => {
    const env = { CWM_COMPANY_NAME: 'acme', CWM_PUBLIC_KEY: 'pub12345', CWM_PRIVATE_KEY: 'priv6789', CWM_CLIENT_ID: goodSecrets.ClientId };
    const { code } = await cli(['validate', '--parameters', file('p.json', { apiUrl: 'na.myconnectwise.net' })], env);
    expect(code).toBe(0);
  });

  it('--help lists every command; bad usage exits 64', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['validate', 'check', 'run']) expect(help.stdout).toContain(`cwm-billing ${command}`);
    expect((await cli(['frobnicate', '--parameters', 'x'])).code).toBe(64);
    expect((await cli(['run', '--parameters', 'x'])).code).toBe(64); // no Atria source
    expect((await cli(['run', '--parameters', 'x', '--atria-url', 'http://127.0.0.1:1', '--log-format', 'yaml'])).code).toBe(64);
  });
});

describe('cwm-billing check and run against the sandbox', () => {
  let scenario: Scenario;
  let params: string;
  let secrets: string;
  beforeAll(async () => {
    scenario = await startScenario({ customers: 30, skusPerCustomer: 5 });
    params = file('sandbox-p.json', { apiUrl: scenario.sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: 'True' });
    secrets = file('sandbox-s.json', secretsOf(scenario.dataset));
  });
  afterAll(() => scenario.close());
  const atria = (): string[] => ['--atria-url', scenario.sandboxes.atria.url, '--atria-token', scenario.dataset.atriaToken];

  it('check: both connections, no writes, exit 0; a bad Atria token exits 2 with CW03', async () => {
    scenario.sandboxes.connectWise.resetRequests();
    const ok = await cli(['check', '--parameters', params, '--secrets', secrets, ...atria(), '--now', '2026-11-26']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^Connection check passed: .* the billing period resolved to \d{4}-\d\d-\d\d \.\. \d{4}-\d\d-\d\d \((Open|Closed)\)\./,
    );
    expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);
    const bad = await cli(
      ['check', '--parameters', params, '--secrets', secrets, '--atria-url', scenario.sandboxes.atria.url, '--now', '2026-11-26'],
      { ATRIA_TOKEN: 'wrong' },
    );
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('CW03');
  });

  it('run --dry-run writes nothing and plans what the real run then does; a re-run writes nothing', async () => {
    const planFile = path.join(dir, 'plan.json');
    scenario.sandboxes.connectWise.resetRequests();
    const dry = await cli([
      'run',
      '--parameters',
      params,
      '--secrets',
      secrets,
      ...atria(),
      '--dry-run',
      '--plan-file',
      planFile,
      '--now',
      '2026-11-26',
      '--log-format',
      'json',
    ]);
    expect(dry.code).toBe(0);
    expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);
    const lines = dry.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: string; message: string });
    expect(lines[lines.length - 1]!.code).toBe('CW23');
    expect(lines.filter((l) => ['CW07', 'CW08', 'CW20'].includes(l.code)).every((l) => l.message.startsWith('[DryRun] '))).toBe(true);
    const document = JSON.parse(readFileSync(planFile, 'utf8')) as { format: string; dryRun: boolean; items: { outcome: string }[] };
    expect(document).toMatchObject({ format: 'cwm-billing-plan/1', dryRun: true });
    const planned = document.items;
    expect(planned.length).toBeGreaterThan(5);

    const realPlan = path.join(dir, 'plan-real.json');
    const real = await cli([
      'run',
      '--parameters',
      params,
      '--secrets',
      secrets,
      ...atria(),
      '--plan-file',
      realPlan,
      '--now',
      '2026-11-26',
      '--log-file',
      path.join(dir, 'run.csv'),
    ]);
    expect(real.code).toBe(0);
    const applied = (
      JSON.parse(readFileSync(realPlan, 'utf8')) as { items: { outcome: string; action: string; additionId: number | null }[] }
    ).items;
    // The same lines, now applied; a created line names the addition ConnectWise made.
    expect(applied.map((p) => ({ ...p, outcome: 'planned', additionId: p.action === 'create' ? null : p.additionId }))).toEqual(planned);
    expect(applied.filter((p) => p.action === 'create').every((p) => typeof p.additionId === 'number')).toBe(true);
    expect(applied.every((p) => p.outcome === 'applied')).toBe(true);
    expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(scenario.dataset.expected);
    const csv = readFileSync(path.join(dir, 'run.csv'), 'utf8');
    expect(csv.startsWith('\uFEFFTimestamp,Level,Code,Message,Customer,SKU,Action\r\n')).toBe(true);
    // Each entry's fix, from the catalog that also renders the README table.
    const catalog = JSON.parse(readFileSync('schemas/log-codes.json', 'utf8')) as { codes: { code: string; resolution?: string }[] };
    const warning = csv.split('\r\n').find((row) => /,Warning,CW0[456],/.test(row))!;
    const code = /,Warning,(CW0\d),/.exec(warning)![1];
    expect(
      warning.endsWith(`,"${catalog.codes.find((c) => c.code === code)!.resolution}"`) ||
        warning.endsWith(`,${catalog.codes.find((c) => c.code === code)!.resolution}`),
    ).toBe(true);

    scenario.sandboxes.connectWise.resetRequests();
    const again = await cli(['run', '--parameters', params, '--secrets', secrets, ...atria(), '--now', '2026-11-26']);
    expect(again.code).toBe(0);
    expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);
    expect(again.stdout).not.toMatch(/ CW0[78] | CW20 /);
  });

  it("apply --plan writes a dry run's plan file as reviewed; revert --plan undoes a run (dry-run first); a plan file of the wrong kind exits 64 naming why", async () => {
    const fresh = await startScenario({ customers: 12, skusPerCustomer: 4 });
    try {
      const p = file('apply-p.json', { apiUrl: fresh.sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true });
      const s = file('apply-s.json', secretsOf(fresh.dataset));
      const from = ['--parameters', p, '--secrets', s, '--atria-url', fresh.sandboxes.atria.url, '--atria-token', fresh.dataset.atriaToken];
      const start = fresh.dataset.period.startDate;
      const original = activeAdditionLines(fresh.sandboxes.connectWise.state, start);
      const reviewed = path.join(dir, 'reviewed.json');
      const dry = await cli(['run', ...from, '--dry-run', '--plan-file', reviewed, '--now', '2026-11-26']);
      expect(dry.code).toBe(0);
      expect(fresh.sandboxes.connectWise.counts().writes).toBe(0);

      const wrongKind = await cli(['revert', '--plan', reviewed, ...from, '--now', '2026-11-26']);
      expect(wrongKind.code).toBe(64);
      expect(wrongKind.stderr).toContain("it is a dry run's plan, which wrote nothing to revert");

      const appliedPlan = path.join(dir, 'applied.json');
      const apply = await cli(['apply', '--plan', reviewed, ...from, '--now', '2026-11-27', '--plan-file', appliedPlan]);
      expect(apply.code).toBe(0);
      expect(activeAdditionLines(fresh.sandboxes.connectWise.state, start)).toEqual(fresh.dataset.expected);
      expect(apply.stdout).toContain(`CW01 Billing Process Started`);

      const tooLate = await cli(['apply', '--plan', reviewed, ...from, '--now', '2026-12-10']);
      expect(tooLate.code).toBe(2);
      expect(tooLate.stdout).toMatch(
        /CW39 The plan from plan file reviewed\.json \(run [\w-]+\) was refused: it was made on 2026-11-26, 14 days ago/,
      );

      fresh.sandboxes.connectWise.resetRequests();
      const preview = await cli(['revert', '--plan', appliedPlan, ...from, '--now', '2026-11-28', '--dry-run']);
      expect(preview.code).toBe(0);
      expect(fresh.sandboxes.connectWise.counts().writes).toBe(0);
      const revert = await cli(['revert', '--plan', appliedPlan, ...from, '--now', '2026-11-28']);
      expect(revert.code).toBe(0);
      // Back where it was, except that created additions stay, at 0.
      const after = activeAdditionLines(fresh.sandboxes.connectWise.state, start);
      const created = after.filter((line) => !original.includes(line));
      expect(original.filter((line) => !after.includes(line))).toEqual([]);
      expect(created.length).toBeGreaterThan(0);
      expect(created.every((line) => line.endsWith('=0.00'))).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('run from the Service Billing Summary CSV export (--atria-file, --period-end)', async () => {
    const rows = scenario.dataset.atria.rows[scenario.dataset.period.endDate];
    const header =
      'Customer Code,Customer Name,Customer Account Code,Product SKU,Billable Flag,Summary Grouping,Last Month Count,Difference,This Month Count,ResultCount';
    const body = rows!.map((r) =>
      [
        r.customerCode,
        `"${r.customerName}"`,
        r.customerAccountCode,
        r.productSku,
        'True',
        `"${r.summaryGrouping}"`,
        r.lastMonthCount,
        Number(r.thisMonthCount) - Number(r.lastMonthCount),
        r.thisMonthCount,
        rows!.length,
      ].join(','),
    );
    const csv = file('summary.csv', '\uFEFF' + [header, ...body].join('\r\n') + '\r\n');
    scenario.sandboxes.connectWise.resetRequests();
    const { code, stdout } = await cli([
      'run',
      '--parameters',
      params,
      '--secrets',
      secrets,
      '--atria-file',
      csv,
      '--period-end',
      scenario.dataset.period.endDate,
    ]);
    // --period-end names the period, whatever BillingPeriod says and whatever the clock.
    expect(code).toBe(0);
    expect(stdout).toContain(`CW01 Billing Process Started : For Billing Period ${scenario.dataset.period.endDate}`);
    expect(scenario.sandboxes.connectWise.counts().writes).toBe(0); // already reconciled by the run above
  });

  it('exit 1 for CompletedWithErrors, 2 for Failed', async () => {
    const one = scenario.dataset.state.agreements[0]!.id;
    scenario.sandboxes.connectWise.faults = {
      failRequests: [{ method: 'GET', path: new RegExp(`^/finance/agreements/${one}/additions$`), status: 500 }],
    };
    const withErrors = await cli(['run', '--parameters', params, '--secrets', secrets, ...atria(), '--now', '2026-11-26']);
    expect(withErrors.code).toBe(1);
    scenario.sandboxes.connectWise.faults = {};
    const failed = await cli(['run', '--parameters', params, '--secrets', secrets, ...atria(), '--now', '2020-01-01']);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toContain('CW19');
  });
});

describe('cwm-billing run on a terminal', () => {
  it('shows progress and a summary table on stderr, and nothing of it with --log-format json', async () => {
    const { main } = await import('../../src/cli/main.js');
    const scenario = await startScenario({ customers: 15, skusPerCustomer: 4, seed: 15 });
    try {
      const p = file('tty-p.json', { apiUrl: scenario.sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true });
      const s = file('tty-s.json', secretsOf(scenario.dataset));
      const args = [
        'run',
        '--parameters',
        p,
        '--secrets',
        s,
        '--atria-url',
        scenario.sandboxes.atria.url,
        '--atria-token',
        scenario.dataset.atriaToken,
        '--now',
        '2026-11-26',
        '--dry-run',
      ];
      let stdout = '';
      let stderr = '';
      const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), env: {}, stderrIsTty: true };
      expect(await main(args, io)).toBe(0);
      // eslint-disable-next-line no-control-regex -- the terminal escape that clears the progress line
      expect(stderr).toMatch(/\r\u001b\[KReading: customers \d+\/\d+ planned, \d+ requests \(\d+\.\d\/s\), 0 retries/);
      const status = /Billing Process Completed with status (\w+)/.exec(stdout)![1];
      expect(stderr).toMatch(new RegExp(`Status\\s+${status}\\n`));
      expect(stderr).toMatch(/Updated \(written\)\s+0\n/);
      expect(stderr).toMatch(/Planned, not written\s+[1-9]\d*\n/);
      expect(stderr).toMatch(/Requests\s+\d+/);
      expect(stdout).toContain('CW23');
      stderr = '';
      expect(await main([...args, '--log-format', 'json'], io)).toBe(0);
      expect(stderr).toBe('');
    } finally {
      await scenario.close();
    }
  });
});

describe('a cancelled run on a terminal', () => {
  it('the summary agrees with what was written, and the progress line never runs into a log line', async () => {
    const { main } = await import('../../src/cli/main.js');
    const scenario = await startScenario(
      { customers: 40, skusPerCustomer: 5, seed: 41, shares: { changed: 0.5 } },
      { connectWise: { latencyMs: 15 } },
    );
    try {
      const p = file('cancel-p.json', {
        apiUrl: scenario.sandboxes.connectWise.apiBase,
        AllowAtriaCreateAdditions: true,
        MaxZeroedPercent: 100,
        MaxConcurrency: 2,
      });
      const s = file('cancel-s.json', secretsOf(scenario.dataset));
      const args = [
        'run',
        '--parameters',
        p,
        '--secrets',
        s,
        '--atria-url',
        scenario.sandboxes.atria.url,
        '--atria-token',
        scenario.dataset.atriaToken,
        '--now',
        '2026-11-26',
      ];
      // One terminal: stdout and stderr in the order they were written.
      let screen = '';
      let cancelled = false;
      const io = {
        stdout: (t: string) => void (screen += t),
        stderr: (t: string) => {
          screen += t;
          // Ctrl-C once the writes are under way.
          if (!cancelled && /Writing: customers \d+\/\d+ written, .* [3-9]\d* changes written/.test(t)) {
            cancelled = true;
            process.emit('SIGINT');
          }
        },
        env: {},
        stderrIsTty: true,
      };
      expect(await main(args, io)).toBe(2);
      expect(cancelled).toBe(true);
      const writes = scenario.sandboxes.connectWise.counts().writes;
      const logged = (screen.match(/ (CW07|CW08|CW20) /g) ?? []).length;
      const table = (label: string): number => Number(new RegExp(`${label.replace(/[()]/g, '\\$&')}\\s+(\\d+)`).exec(screen)![1]);
      expect(logged).toBe(writes);
      expect(table('Updated (written)') + table('Zeroed (written)') + table('Created (written)')).toBe(writes);
      expect(table('Planned, not written')).toBeGreaterThan(0);
      expect(screen).toContain('Billing Process Completed with status Cancelled');
      // Every log line starts on a line of its own: a progress line is cleared before it.
      for (const line of screen.split('\n').filter((l) => /Z (Verbose|Info|Warning|Error) CW\d\d /.test(l)))
        // eslint-disable-next-line no-control-regex -- the terminal escape that clears the progress line
        expect(line.replace(/^[\s\S]*\u001b\[K/, '')).toMatch(/^\d{4}-\d\d-\d\dT\S+ (Verbose|Info|Warning|Error) CW\d\d /);
    } finally {
      await scenario.close();
    }
  });
});

describe('two CLI runs started together on one ConnectWise company (spec 6.8)', () => {
  it('end with no duplicate addition however apiUrl is spelled (127.0.0.1, localhost with a trailing slash): one runs, the other stops with CW30', async () => {
    const scenario = await startScenario(
      { customers: 40, skusPerCustomer: 5, seed: 30, shares: { added: 0.2 } },
      { connectWise: { latencyMs: 20 } },
    );
    try {
      const p = file('lock-p.json', { apiUrl: scenario.sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true });
      const other = file('lock-p2.json', {
        apiUrl: scenario.sandboxes.connectWise.apiBase.replace('127.0.0.1', 'localhost') + '/',
        AllowAtriaCreateAdditions: true,
      });
      const s = file('lock-s.json', secretsOf(scenario.dataset));
      const env = { CWM_BILLING_LOCK_DIR: mkdtempSync(path.join(tmpdir(), 'cwm-locks-')) };
      const args = [
        'run',
        '--parameters',
        p,
        '--secrets',
        s,
        '--atria-url',
        scenario.sandboxes.atria.url,
        '--atria-token',
        scenario.dataset.atriaToken,
        '--now',
        '2026-11-26',
      ];
      const runs = await Promise.all([
        cli(args, env),
        cli(
          args.map((a) => (a === p ? other : a)),
          env,
        ),
      ]);
      const stopped = runs.filter((r) => r.stdout.includes('CW30'));
      expect(stopped).toHaveLength(1);
      expect(stopped[0]!.code).toBe(2);
      expect(stopped[0]!.stdout).toMatch(
        /Error CW30 Another billing run for the same ConnectWise company at http:\/\/(127\.0\.0\.1|localhost):\d+\/v4_6_release\/apis\/3\.0 is in progress \(run .+ process \d+ on .+\): this run stopped before its first request and wrote nothing/,
      );
      expect(stopped[0]!.stdout).toContain('Billing Process Completed with status Failed');
      expect(stopped[0]!.stdout).not.toContain('CW01');
      expect(runs.filter((r) => r.code === 0)).toHaveLength(1);
      expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(
        scenario.dataset.expected,
      );
      // The lock is gone with its run: the next run goes ahead and finds nothing to write.
      scenario.sandboxes.connectWise.resetRequests();
      expect((await cli(args, env)).code).toBe(0);
      expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);
    } finally {
      await scenario.close();
    }
  });
});

describe('the CSV export on a month-end period', () => {
  it('dates a new addition on the 1st of the month (2026-03-31 → 2026-03-01), over HTTP', async () => {
    const { World } = await import('../support/world.js');
    const { startSandboxes } = await import('../../scripts/sandbox/sandboxes.js');
    const w = new World();
    const agreement = w.agreement('ACME', { startDate: '2025-01-01T00:00:00Z' });
    const dataset = w.dataset();
    const sandboxes = await startSandboxes(dataset);
    try {
      const header =
        'Customer Code,Customer Name,Customer Account Code,Product SKU,Billable Flag,Summary Grouping,Last Month Count,Difference,This Month Count,ResultCount';
      const csv = file('month-end.csv', [header, 'AC,Acme,ACME,C3,True,Mailboxes,0,1,"1,200",1'].join('\r\n'));
      const p = file('month-end-p.json', { apiUrl: sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true });
      const { code, stdout } = await cli([
        'run',
        '--parameters',
        p,
        '--secrets',
        file('month-end-s.json', secretsOf(dataset)),
        '--atria-file',
        csv,
        '--period-end',
        '2026-03-31',
      ]);
      expect([code, stdout]).toEqual([0, expect.stringContaining('CW08')]);
      expect(w.activeOn(agreement).map((a) => [a.product.identifier, a.quantity, a.effectiveDate])).toEqual([
        ['C3', 1200, '2026-03-01T00:00:00Z'],
      ]);
    } finally {
      await sandboxes.close();
    }
  });
});

describe('parameter files that must not be silently repaired', () => {
  it('a non-UTF-8 file and a key given twice are CW17 with where to look; exit 2', async () => {
    const latin1 = path.join(dir, 'latin1.json');
    writeFileSync(
      latin1,
      Buffer.concat([
        Buffer.from('{\n"apiUrl": "na.myconnectwise.net",\n"AgreementType": "Hosting '),
        Buffer.from([0xe9]),
        Buffer.from('"\n}'),
      ]),
    );
    const notUtf8 = await cli(['validate', '--parameters', latin1, '--secrets', file('u-s.json', goodSecrets)]);
    expect([notUtf8.code, notUtf8.stdout]).toEqual([
      2,
      expect.stringContaining(
        `CW17 Failed to Retrieve Job Task Parameters: Error reported was: the file ${latin1} is not UTF-8 text (the first invalid byte is on line 3)`,
      ),
    ]);
    const twice = await cli([
      'validate',
      '--parameters',
      file('twice.json', '{\n"apiUrl": "na.myconnectwise.net",\n"apiUrl": "eu.myconnectwise.net"\n}'),
      '--secrets',
      file('u-s.json', goodSecrets),
    ]);
    expect([twice.code, twice.stdout]).toEqual([2, expect.stringContaining('the key "apiUrl" is given twice at line 3, column 1')]);
  });
});
