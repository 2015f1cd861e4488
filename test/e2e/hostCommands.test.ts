import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { host, HOST_BUNDLE, REPO, jobsAdd } from '../support/hostCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cwm-hostcmd-'));

describe('host commands as an administrator meets them', () => {
  it('--help for the host and every command; enumerated options refuse unknown values with the list', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const top = await host(home, ['--help']);
    expect([top.code, top.stdout]).toEqual([0, expect.stringContaining('Commands:')]);
    for (const command of ['install-extension', 'config', 'job-types', 'jobs', 'scheduler', 'runs']) {
      const help = await host(home, [command, '--help']);
      expect([command, help.code, help.stdout]).toEqual([command, 0, expect.stringContaining(`npm run host -- ${command}`)]);
    }
    const level = await host(home, ['runs', 'log', 'x', '--level', 'Warn']);
    expect([level.code, level.stderr]).toEqual([
      64,
      expect.stringContaining("--level must be one of Verbose, Info, Warning, Error (got 'Warn')"),
    ]);
    const format = await host(home, ['runs', 'log', 'x', '--format', 'xlsx']);
    expect(format.stderr).toContain("--format must be one of table, csv, json (got 'xlsx')");
    // Each command takes only its own options, checked before it runs (issue 23): exit 64 and why.
    const foreign = await host(home, ['runs', 'log', 'x', '--cron', 'x']);
    expect([foreign.code, foreign.stderr]).toEqual([64, expect.stringContaining("unknown option '--cron'")]);
    const tick = await host(home, ['scheduler', '--tick-ms', 'abc']);
    expect([tick.code, tick.stderr]).toEqual([
      64,
      expect.stringContaining("--tick-ms must be a whole number from 10 to 60000 (got 'abc')"),
    ]);
    const missing = await host(home, ['jobs', 'add', '--name', 'x']);
    expect([missing.code, missing.stderr]).toEqual([64, expect.stringContaining("required option '--type <task type>' not specified")]);
  });

  it('a job has a time zone: jobs list shows its next run there, named; a bad zone or a per-second CRON is refused', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    expect((await host(home, ['install-extension'])).code).toBe(0);
    const params = path.join(dir, 'p.json');
    writeFileSync(params, JSON.stringify({ apiUrl: 'na.myconnectwise.net' }));
    const secrets = path.join(dir, 's.json');
    writeFileSync(
      secrets,
      JSON.stringify({
        CompanyName: 'acme',
        PublicKey: 'pub12345',
        PrivateKey: 'priv6789',
        ClientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c',
      }),
    );
    const add = (extra: string[], env = {}) =>
      host(home, [...jobsAdd({ name: 'Monthly', type: 'ConnectWise Manage Billing', parameters: params, secrets: secrets }), ...extra], {
        env,
      });
    expect((await add(['--cron', '0 22 26 * *', '--time-zone', 'Mars/Olympus'])).stderr).toContain(
      "'Mars/Olympus' is not an IANA time zone name",
    );
    const perSecond = await add(['--cron', '* * * * * *'], { HOST_MIN_CRON_INTERVAL_SECONDS: '' });
    expect(perSecond.stderr).toContain('runs every 1 second; the shortest interval allowed is one minute');
    const added = await add(['--cron', '0 22 26 * *', '--time-zone', 'America/New_York']);
    expect(added.stdout).toMatch(/next run \d{4}-\d\d-26 22:00 America\/New_York \(\d{4}-\d\d-2[67]T0[23]:00:00\.000Z\)/);
    expect((await host(home, ['jobs', 'list'])).stdout).toMatch(/next \d{4}-\d\d-26 22:00 America\/New_York/);
  });

  it('the first Ctrl-C on a terminal stops the scheduler, as SIGTERM does', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const command = `node ${HOST_BUNDLE} scheduler --tick-ms 100`;
    // `script` gives the scheduler a terminal; ^C typed there is the terminal's SIGINT.
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: REPO,
      env: { PATH: process.env.PATH, CWM_BILLING_LOCK_DIR: process.env.CWM_BILLING_LOCK_DIR, HOST_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!output.includes('scheduler started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(output).toContain('scheduler started');
    child.stdin.write('\x03');
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    if (!stopped) child.kill('SIGKILL');
    expect(stopped).toBe(true);
    expect(output).toContain('scheduler stopped');
  });
});

describe('the sandbox command', () => {
  it('--help explains its options; an unknown option is a clear usage error, not a TypeError', async () => {
    const { execFile } = await import('node:child_process');
    const run = (args: string[]): Promise<{ code: number; out: string }> =>
      new Promise((resolve) =>
        execFile(process.execPath, ['--import', 'tsx', 'scripts/sandbox/cli.ts', ...args], { cwd: REPO }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, out: stdout + stderr }),
        ),
      );
    const help = await run(['--help']);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('--rate-limit N')]);
    const bad = await run(['--customers', 'many']);
    expect([bad.code, bad.out]).toEqual([64, expect.stringContaining("--customers must be a whole number from 1 (got 'many')")]);
    expect((await run(['--bogus'])).out).toContain("Unknown option '--bogus'");
  });
});
