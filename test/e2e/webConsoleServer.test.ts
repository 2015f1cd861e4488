import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { logCodeCatalog } from '../../src/logging/codes.js';
import { startScenario, secretsOf, type Scenario } from '../support/harness.js';
import { host, runLog, runRecords, jobsAdd, until } from '../support/hostCli.js';
import { startConsoleProcess, type ConsoleProcess } from '../support/webConsole.js';

/** The console's server without a browser: password set-up, sign-in over plain HTTP, the host check, the event stream. */
describe('the web console server', () => {
  let scenario: Scenario;
  let dir: string;
  let home: string;
  let web: ConsoleProcess;
  let cookie = '';
  const PASSWORD = 'a long enough console password';

  beforeAll(async () => {
    scenario = await startScenario({ customers: 6, skusPerCustomer: 3, seed: 5 }, { connectWise: { latencyMs: 2 } });
    dir = mkdtempSync(path.join(tmpdir(), 'cwm-web-server-'));
    home = path.join(dir, 'home');
    writeFileSync(path.join(dir, 'token'), scenario.dataset.atriaToken);
    writeFileSync(
      path.join(dir, 'parameters.json'),
      JSON.stringify({ apiUrl: scenario.sandboxes.connectWise.apiBase, BillingPeriod: scenario.dataset.period.endDate }),
    );
    writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(secretsOf(scenario.dataset)));
    expect((await host(home, ['install-extension'])).code).toBe(0);
    expect(
      (await host(home, ['config', 'set', '--atria-url', scenario.sandboxes.atria.url, '--atria-token-file', path.join(dir, 'token')]))
        .code,
    ).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await web?.stop();
    await scenario.close();
  });

  it('will not start without a password, refuses a short one, and stores only an scrypt hash', async () => {
    const refused = await host(home, ['web', '--port', '0']);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('web set-password');
    const short = await host(home, ['web', 'set-password'], { input: 'short\n' });
    expect(short.code).toBe(64);
    expect(short.stderr).toContain('at least 12 characters');
    const set = await host(home, ['web', 'set-password'], { input: `${PASSWORD}\n` });
    expect(set.code).toBe(0);
    const stored = readFileSync(path.join(home, 'web-password.json'), 'utf8');
    expect(JSON.parse(stored)).toMatchObject({ algorithm: 'scrypt', N: 2 ** 17 });
    expect(stored).not.toContain(PASSWORD);
  });

  it('signs in with the stored password over a form post that carries the sign-in token', async () => {
    web = await startConsoleProcess(home, {});
    const form = await fetch(`${web.url}/login`);
    const signInCookie = form.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const token = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    // Without the sign-in form's token (a form posted from another site): refused before the password is checked.
    const forged = await fetch(`${web.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: PASSWORD }).toString(),
    });
    expect(forged.status).toBe(403);
    const signedIn = await fetch(`${web.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: signInCookie },
      body: new URLSearchParams({ password: PASSWORD, csrf: token }).toString(),
    });
    expect(signedIn.status).toBe(303);
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith('cwm_console_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    cookie = session.split(';')[0]!;
    expect((await fetch(`${web.url}/api/jobs`, { headers: { cookie } })).status).toBe(200);
  });

  it('says whether jobs fire on schedule: no scheduler beside the console alone; one while a scheduler runs for this home (issue 22)', async () => {
    const schedulerRunning = async () =>
      ((await (await fetch(`${web.url}/api/host`, { headers: { cookie } })).json()) as { schedulerRunning: boolean }).schedulerRunning;
    expect(await schedulerRunning()).toBe(false);
    const scheduler = host(home, ['scheduler', '--tick-ms', '100']);
    let said = '';
    scheduler.child.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await until(() => said.includes('scheduler started'), 30_000);
    expect(await schedulerRunning()).toBe(true);
    scheduler.child.kill('SIGTERM');
    await scheduler;
    expect(await schedulerRunning()).toBe(false);
  });

  it('answers only to its own name: another Host (DNS rebinding) is refused', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(web.url);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: '/login', headers: { host: 'billing.attacker.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it("streams a run's log as server-sent events, entry by entry, then its summary; a bad filter is refused", async () => {
    const added = await host(
      home,
      jobsAdd({
        name: 'Billing',
        type: 'ConnectWise Manage Billing',
        cron: '0 22 26 * *',
        parameters: path.join(dir, 'parameters.json'),
        secrets: path.join(dir, 'secrets.json'),
      }),
    );
    const jobId = /Job (\w+)/.exec(added.stdout)![1]!;
    await host(home, ['jobs', 'run', jobId]);
    const [run] = runRecords(home);
    const response = await fetch(`${web.url}/api/runs/${run!.runId}/events`, { headers: { cookie } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as { code?: string; fix?: string; summary?: string },
      }));
    const entries = events.filter((e) => e.event === 'entry');
    expect(entries.map((e) => e.data.code)).toEqual(runLog(home, run!.runId).map((e) => e.code));
    // Each code's fix from the catalog, the one source the README table and the CSV's Action column read.
    for (const e of entries) expect(e.data.fix).toBe(logCodeCatalog().get(e.data.code!)?.resolution ?? '');
    expect(entries.some((e) => (e.data.fix ?? '').length > 0)).toBe(true);
    expect(events[events.length - 1]).toMatchObject({
      event: 'end',
      data: { summary: expect.stringMatching(/^(Success|CompletedWith\w+): /) },
    });
    expect((await fetch(`${web.url}/api/runs/${run!.runId}/log?level=Loud`, { headers: { cookie } })).status).toBe(400);
    expect((await fetch(`${web.url}/api/runs/..%2Fjobs/log`, { headers: { cookie } })).status).toBe(400);
  });

  it('Edit: blank secrets keep the stored ones, a filled one replaces it; the answer never holds them', async () => {
    const jobs = (await (await fetch(`${web.url}/api/jobs`, { headers: { cookie } })).json()) as { id: string }[];
    const jobId = jobs[0]!.id;
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(await (await fetch(`${web.url}/`, { headers: { cookie } })).text())![1]!;
    const edit = (secrets: Record<string, string>) =>
      fetch(`${web.url}/api/jobs/${jobId}`, {
        method: 'PUT',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({
          name: 'Billing',
          logLevel: 'Info',
          cron: '0 22 26 * *',
          timeZone: 'UTC',
          parameters: { apiUrl: scenario.sandboxes.connectWise.apiBase, BillingPeriod: scenario.dataset.period.endDate },
          secrets,
        }),
      });
    const kept = await edit({ CompanyName: '', PublicKey: '', PrivateKey: '', ClientId: '' });
    expect(kept.status).toBe(200);
    const answer = await kept.text();
    for (const secret of Object.values(secretsOf(scenario.dataset))) expect(answer).not.toContain(secret);
    expect((await host(home, ['jobs', 'run', jobId])).stdout).not.toMatch(/CW02|CW18/);
    expect((await edit({ PrivateKey: 'NotTheKey123' })).status).toBe(200);
    expect((await host(home, ['jobs', 'run', jobId])).stdout).toContain('CW02');
    // A secret the job type does not declare is refused, never stored (issue 22: the secrets schema is closed).
    const extra = await edit({ newKey: 'anything' });
    expect(extra.status).toBe(422);
    expect(await extra.json()).toEqual({
      problems: [{ field: 'secrets', level: 'Error', message: "'newKey' is not a secret of this job type: remove it." }],
    });
  });

  it('a field a request does not take is a 400 naming it: a typo never turns a dry run into a real run (issue 23)', async () => {
    const jobs = (await (await fetch(`${web.url}/api/jobs`, { headers: { cookie } })).json()) as { id: string }[];
    const jobId = jobs[0]!.id;
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(await (await fetch(`${web.url}/`, { headers: { cookie } })).text())![1]!;
    const post = (url: string, body: unknown) =>
      fetch(`${web.url}${url}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body),
      });
    const before = runRecords(home).length;
    const typo = await post(`/api/jobs/${jobId}/run`, { dryrun: true });
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { message: string }).message).toContain("'dryrun' is not a field");
    expect((await post(`/api/jobs/${jobId}/disable`, { everything: true })).status).toBe(400);
    expect((await fetch(`${web.url}/api/jobs?all=1`, { headers: { cookie } })).status).toBe(400);
    expect((await fetch(`${web.url}/api/cron?expression=0+1+*+*+*&tz=UTC`, { headers: { cookie } })).status).toBe(400);
    expect(runRecords(home)).toHaveLength(before);
    // Spelled right, the same request is a dry run.
    const dry = await post(`/api/jobs/${jobId}/run`, { dryRun: true });
    expect(dry.status).toBeLessThan(300);
  });

  it("a damaged run record ends that run's live stream with the reason, never the console (issue 23)", async () => {
    const runId = '20261201T000000-dead01';
    const record = path.join(home, 'runs', `${runId}.json`);
    const running = {
      runId,
      jobId: 'feedbeef',
      jobName: 'Billing',
      extensionVersion: '0.1.0',
      status: 'Running',
      startedAt: new Date().toISOString(),
    };
    writeFileSync(record, JSON.stringify({ ...running, holder: { pid: process.pid, startTime: null, hostname: hostname() } }));
    writeFileSync(path.join(home, 'runs', `${runId}.jsonl`), '');
    const stream = await fetch(`${web.url}/api/runs/${runId}/events`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    writeFileSync(record, '{"runId": "20261201T0000');
    const text = await stream.text();
    expect(text).toMatch(/event: failure\ndata: .*The run's live log stopped: .*damaged/);
    expect((await fetch(`${web.url}/api/jobs`, { headers: { cookie } })).status).toBe(200);
  });

  it('every change needs the CSRF token: POST, PUT and DELETE without it (or with another) are refused, and change nothing (issue 23)', async () => {
    const jobs = (await (await fetch(`${web.url}/api/jobs`, { headers: { cookie } })).json()) as { id: string; name: string }[];
    const jobId = jobs[0]!.id;
    const body = JSON.stringify({ name: 'Renamed', logLevel: 'Info', cron: '0 22 26 * *', timeZone: 'UTC', parameters: {}, secrets: {} });
    for (const token of [undefined, 'not-the-token']) {
      const headers = { cookie, 'content-type': 'application/json', ...(token ? { 'x-csrf-token': token } : {}) };
      expect((await fetch(`${web.url}/api/jobs/${jobId}`, { method: 'PUT', headers, body })).status).toBe(403);
      expect((await fetch(`${web.url}/api/jobs/${jobId}`, { method: 'DELETE', headers })).status).toBe(403);
      expect((await fetch(`${web.url}/api/jobs/${jobId}/disable`, { method: 'POST', headers, body: '{}' })).status).toBe(403);
    }
    const after = (await (await fetch(`${web.url}/api/jobs/${jobId}`, { headers: { cookie } })).json()) as {
      name: string;
      enabled?: boolean;
    };
    expect(after.name).toBe(jobs[0]!.name);
  });

  it("wrong passwords slow their own client only: the administrator's correct password is not queued behind them (issue 20 item 6)", async () => {
    const signInForm = async () => {
      const form = await fetch(`${web.url}/login`);
      const cookie = form.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      return { cookie, token: /name="csrf" value="([^"]+)"/.exec(await form.text())![1]! };
    };
    const signIn = (form: { cookie: string; token: string }, password: string) =>
      fetch(`${web.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
        body: new URLSearchParams({ password, csrf: form.token }).toString(),
      });
    const attacker = await signInForm();
    const answered: string[] = [];
    // Four wrong passwords in a row from one client: answered one at a time, 1, 2, 3 and 4 s late.
    const wrong = [1, 2, 3, 4].map((n) => signIn(attacker, `wrong ${n}`).then((r) => answered.push(`wrong ${r.status}`)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const admin = await signIn(await signInForm(), PASSWORD);
    answered.push(`admin ${admin.status}`);
    await Promise.all(wrong);
    expect(answered[0]).toBe('admin 303');
    expect(answered.slice(1)).toEqual(['wrong 401', 'wrong 401', 'wrong 401', 'wrong 401']);
  }, 60_000);
});
