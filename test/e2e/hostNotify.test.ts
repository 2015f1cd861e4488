import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { readable, smtpSink, webhookSink } from '../support/sinks.js';
import { startScenario, type Scenario } from '../support/harness.js';
import { host, hostWithSandboxJob, runRecords, type Done } from '../support/hostCli.js';

describe('notifications (SPEC 14): e-mail through SMTP and an incoming webhook', () => {
  const SMTP_PASSWORD = 'smtp-pa55-word-not-for-logs';
  const HOOK_KEY = '/hooks/T000/B000/XXXXhook-key-not-for-logs';
  let scenario: Scenario;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let hook: Awaited<ReturnType<typeof webhookSink>>;
  let home: string;
  let dir: string;
  let jobId: string;
  const outputs: Done[] = [];
  const run = async (args: string[], at = home): Promise<Done> => {
    const done = await host(at, args);
    outputs.push(done);
    return done;
  };
  const setSmtp = (port: number) =>
    run([
      'config',
      'set-smtp',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--security',
      'none',
      '--user',
      'billing',
      '--password-file',
      path.join(dir, 'smtp-password'),
      '--from',
      'billing@msp.example',
      '--console-url',
      'http://127.0.0.1:8787',
    ]);

  beforeAll(async () => {
    scenario = await startScenario({ customers: 10, skusPerCustomer: 4, seed: 5 });
    smtp = await smtpSink('billing', SMTP_PASSWORD);
    hook = await webhookSink(HOOK_KEY);
    dir = mkdtempSync(path.join(tmpdir(), 'cwm-notify-'));
    writeFileSync(path.join(dir, 'smtp-password'), SMTP_PASSWORD);
    writeFileSync(path.join(dir, 'hook'), hook.url);
    ({ home, jobId } = await hostWithSandboxJob(dir, scenario, 'Monthly', (_home, args) => run(args, _home)));
  });
  afterAll(async () => {
    await smtp.close();
    await new Promise((resolve) => hook.server.close(resolve));
    await scenario.close();
  });

  it('Send test reaches both sinks; the settings show the password and the webhook as stored, never their values', async () => {
    expect((await setSmtp(smtp.port)).code).toBe(0);
    const notify = await run([
      'jobs',
      'notify',
      jobId,
      '--emails',
      'ops@msp.example, cfo@msp.example',
      '--webhook-url-file',
      path.join(dir, 'hook'),
    ]);
    expect(notify.stdout).toBe(`Job ${jobId}: e-mail to ops@msp.example, cfo@msp.example; webhook set (stored encrypted)\n`);
    expect((await run(['config', 'show'])).stdout).toContain(
      'SMTP         127.0.0.1:' + smtp.port + ' (none), from billing@msp.example, user billing, password stored encrypted',
    );
    const test = await run(['jobs', 'notify-test', jobId]);
    expect(test.stdout).toBe(
      'E-mail to ops@msp.example, cfo@msp.example: sent\nWebhook to http://127.0.0.1:' + new URL(hook.url).port + '/…: sent\n',
    );
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({ from: 'billing@msp.example', to: ['ops@msp.example', 'cfo@msp.example'], user: 'billing' });
    expect(readable(smtp.mails[0]!.body)).toContain('Subject: [Monthly] Test notification');
    expect(hook.bodies[0]!.text).toContain('A test from the reference host for the job Monthly: this channel works.');
    expect((await run(['jobs', 'notify', jobId, '--emails', 'not-an-address'])).stderr).toContain(
      "'not-an-address' is not an e-mail address",
    );
  });

  it('a run awaiting approval is told to both, with its money change, top warnings with their fixes and a link to the run', async () => {
    expect((await run(['jobs', 'require-approval', jobId, 'on'])).code).toBe(0);
    const mailsBefore = smtp.mails.length;
    expect((await run(['scheduler', '--tick-ms', '50', '--exit-after-runs', '1'])).code).toBe(0);
    const awaiting = runRecords(home).find((r) => r.status === 'AwaitingApproval')!;
    expect(smtp.mails).toHaveLength(mailsBefore + 1);
    const mail = readable(smtp.mails.at(-1)!.body);
    expect(mail).toContain('Subject: [Monthly] Dry run awaits approval');
    expect(mail).toMatch(/Status: Awaiting approval \([1-9]\d* changes, nothing written yet\)/);
    expect(mail).toMatch(/Monthly billing would change by [+-][\d,]+\.\d\d USD \(increases/);
    expect(mail).toContain(`Open the run: http://127.0.0.1:8787/#/runs/${awaiting.runId}`);
    expect(mail).toContain(`npm run host -- runs approve ${awaiting.runId}`);
    const webhook = hook.bodies.at(-1)!;
    expect(webhook.run).toEqual({ runId: awaiting.runId, status: 'AwaitingApproval' });
    expect(webhook.text).toMatch(/Monthly billing would change by [+-][\d,]+\.\d\d USD/);
    // The generated world warns (customers without an agreement, unknown SKUs): new since no previous run, each with its fix.
    expect(webhook.text).toMatch(/Top warnings and errors:\n- Warning CW\d\d ×\d+ \(new\): .+\n {2}Fix: .+/);
    const record = JSON.parse(readFileSync(path.join(home, 'runs', `${awaiting.runId}.json`), 'utf8')) as {
      notifications: { ok: boolean }[];
    };
    expect(record.notifications.map((n) => n.ok)).toEqual([true, true]);
  });

  it('a dead SMTP server: the run keeps its status, its log says CW40 with the reason, the webhook still goes; no secret anywhere', async () => {
    const closed = await smtpSink('x', 'y');
    await closed.close();
    expect((await setSmtp(closed.port)).code).toBe(0);
    const hooksBefore = hook.bodies.length;
    expect((await run(['scheduler', '--tick-ms', '50', '--exit-after-runs', '1'])).code).toBe(0);
    const latest = runRecords(home)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
      .at(-1)!;
    expect(latest.status).toBe('AwaitingApproval');
    const log = readFileSync(path.join(home, 'runs', `${latest.runId}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: string; level: string; message: string });
    const cw40 = log.at(-1)!;
    expect(cw40).toMatchObject({ code: 'CW40', level: 'Warning' });
    expect(cw40.message).toMatch(
      /^The e-mail notification of this run to ops@msp\.example, cfo@msp\.example could not be sent: .*ECONNREFUSED.*\. The run's status is unchanged$/,
    );
    expect(log.filter((e) => e.code === 'CW23')).toHaveLength(1);
    expect(hook.bodies).toHaveLength(hooksBefore + 1);
    const record = JSON.parse(readFileSync(path.join(home, 'runs', `${latest.runId}.json`), 'utf8')) as {
      status: string;
      notifications: { channel: string; ok: boolean }[];
    };
    expect(record.notifications).toEqual([
      expect.objectContaining({ channel: 'email', ok: false }),
      expect.objectContaining({ channel: 'webhook', ok: true }),
    ]);
    expect((await run(['runs', 'list', jobId])).stdout).toContain(`${latest.runId}  AwaitingApproval`);

    const everything = [
      ...outputs.flatMap((o) => [o.stdout, o.stderr]),
      ...['runs', 'jobs', 'runs/plans'].flatMap((folder) =>
        readdirSync(path.join(home, folder), { withFileTypes: true })
          .filter((f) => f.isFile())
          .map((f) => readFileSync(path.join(home, folder, f.name), 'utf8')),
      ),
      readFileSync(path.join(home, 'host.json'), 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(SMTP_PASSWORD);
    expect(everything).not.toContain('hook-key-not-for-logs');
  });

  it('a run found interrupted (its host killed mid-run) is told as failed when the host next starts', async () => {
    expect((await setSmtp(smtp.port)).code).toBe(0);
    const runId = '20261201T000000-dead01';
    const gone = { pid: 2 ** 22 + 17, startTime: null, hostname: hostname() };
    writeFileSync(
      path.join(home, 'runs', `${runId}.json`),
      JSON.stringify({
        runId,
        jobId,
        jobName: 'Monthly',
        extensionVersion: '0.1.0',
        status: 'Running',
        startedAt: '2026-12-01T00:00:00.000Z',
        holder: gone,
      }),
    );
    const mailsBefore = smtp.mails.length;
    expect((await run(['jobs', 'run', jobId, '--dry-run'])).stderr).toContain(`run ${runId} of job ${jobId} (Monthly) was interrupted`);
    const told = smtp.mails
      .slice(mailsBefore)
      .map((m) => readable(m.body))
      .find((m) => m.includes(runId))!;
    expect(told).toContain('Subject: [Monthly] Run failed');
    expect(told).toContain('Status: Interrupted');
    expect(told).toContain(`Open the run: http://127.0.0.1:8787/#/runs/${runId}`);
  });
});
