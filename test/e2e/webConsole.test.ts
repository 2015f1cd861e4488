import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startScenario, secretsOf, type Scenario } from '../support/harness.js';
import { host, REPO, runRecords } from '../support/hostCli.js';
import { startConsoleProcess, type ConsoleProcess } from '../support/webConsole.js';
import { seriousViolations } from '../support/axe.js';

/** Debian's Chromium (apt-get install -y chromium), never a browser an npm step downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  process.stderr.write(
    `Browser tests skipped: no Chromium at ${CHROMIUM}. Enable them with \`apt-get install -y chromium\` (as root) or CHROMIUM_PATH=/path/to/chromium.\n`,
  );
}
const inBrowser = haveChromium ? describe : describe.skip;

const PASSWORD = 'correct horse battery staple';

/** Polls a condition on the page until it holds (the page updates after its requests answer). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('the page never reached the expected state');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
/** Screenshots go to build/screenshots (ignored by git); `npm run screenshots` refreshes the README's copies in docs/ (a test never rewrites a tracked file unasked). */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(REPO, 'docs', 'screenshots') : path.join(REPO, 'build', 'screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

/** Controls without an accessible name (aria-label, a label element, their own text, or a title): none is allowed. */
const UNNAMED_CONTROLS = `[...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea')]
  .filter((el) => !((el.getAttribute('aria-label') || [...(el.labels || [])].map((l) => l.textContent).join('') || (/^(BUTTON|A)$/.test(el.tagName) ? el.textContent : '') || el.getAttribute('title') || '').trim()))
  .map((el) => el.outerHTML.slice(0, 160))`;

inBrowser('the web console in a real browser (Chromium) against the sandboxes', () => {
  let scenario: Scenario;
  let home: string;
  let web: ConsoleProcess;
  let browser: Browser;
  let page: Page;
  /** Every body the console sent to the browser: none may hold a secret. */
  const bodies: string[] = [];
  let jobId = '';

  beforeAll(async () => {
    // Slow enough that a run lasts a few seconds: the live log is seen arriving.
    scenario = await startScenario({ customers: 12, skusPerCustomer: 4, seed: 71 }, { connectWise: { latencyMs: 250 } });
    const dir = mkdtempSync(path.join(tmpdir(), 'cwm-web-'));
    home = path.join(dir, 'home');
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, scenario.dataset.atriaToken);
    expect((await host(home, ['install-extension'])).code).toBe(0);
    expect((await host(home, ['config', 'set', '--atria-url', scenario.sandboxes.atria.url, '--atria-token-file', tokenFile])).code).toBe(
      0,
    );
    web = await startConsoleProcess(home, { HOST_WEB_PASSWORD: PASSWORD });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1360, height: 900 },
      timezoneId: 'Europe/London',
      locale: 'en-GB',
    });
    page = await context.newPage();
    page.on('response', (response) => {
      void response.text().then(
        (text) => bodies.push(text),
        () => undefined,
      );
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await scenario?.close();
  });

  it('prints its address first and refuses every route without a session', async () => {
    expect(web.firstLine).toMatch(/^console listening on http:\/\/127\.0\.0\.1:\d+$/);
    for (const route of ['/api/jobs', '/api/task-types', '/api/runs/x/log', '/assets/console.js']) {
      expect((await fetch(web.url + route)).status).toBe(401);
    }
    const post = await fetch(`${web.url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
    await page.goto(web.url + '/');
    await expect(page.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
  });

  it('slows and refuses a wrong password, then signs in with the right one (HttpOnly, SameSite=Strict)', async () => {
    expect(await seriousViolations(page)).toEqual([]);
    const started = Date.now();
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('That password is not right.');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await page.context().cookies()).some((c) => c.name === 'cwm_console_session')).toBe(false);

    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const session = (await page.context().cookies()).find((c) => c.name === 'cwm_console_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.getByText('No jobs yet.').waitFor();
  });

  it('refuses a change without the CSRF token, even with the session', async () => {
    const status = await page.evaluate(
      async () => (await fetch('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    );
    expect(status).toBe(403);
    const forged = await page.evaluate(
      async () => (await fetch('/api/jobs/00000000/disable', { method: 'POST', headers: { 'X-CSRF-Token': 'guessed' } })).status,
    );
    expect(forged).toBe(403);
  });

  it("adds a job from the job type dropdown with the vendor's example parameters; a bad field is shown beside it and nothing is saved", async () => {
    await page.getByRole('link', { name: 'Add job' }).click();
    await page.getByLabel('Job type', { exact: true }).selectOption({ label: 'ConnectWise Manage Billing' });
    await page.getByLabel('Name', { exact: true }).fill('Transfer Billing Data to ConnectWise');
    await page.getByLabel('Log level', { exact: true }).selectOption('Verbose');
    await page.getByLabel('CRON', { exact: true }).fill('0 22 26 * *');
    const preview = page.locator('#cron-preview');
    await preview.getByText('At 22:00, on day 26 of the month').waitFor();
    expect(await preview.locator('li').count()).toBe(3);
    await page.getByLabel('Time zone', { exact: true }).fill('Europe/London');

    // The guide's example, as an administrator pastes it (trailing comma and all), with this sandbox's URL.
    await page.getByText('Paste parameters as JSON').click();
    await page
      .getByLabel('Parameters JSON', { exact: true })
      .fill(
        `{\n"apiUrl":"${scenario.sandboxes.connectWise.apiBase}",\n"CustomersFilter":["ASP", "SampleCustomerShortCodeName"],\n"BillingPeriod": "Yesterday",\n"AgreementType": "Hosting and Cloud Services",\n}`,
      );
    await page.getByRole('button', { name: 'Fill the form' }).click();
    expect(await page.locator('#parameters_apiUrl').inputValue()).toBe(scenario.sandboxes.connectWise.apiBase);
    // The form as an administrator meets it (issue 22): array buttons say what they do; the secrets take no
    // field their schema does not define; tuning waits under Advanced; the time zone is searchable; the period
    // is Previous, Current or a date.
    expect(await page.getByRole('button', { name: 'Add an item' }).count()).toBe(1);
    expect(
      await page
        .locator('fieldset', { has: page.locator('legend', { hasText: 'Secrets' }) })
        .getByRole('button')
        .count(),
    ).toBe(0);
    const advanced = page.locator('details.advanced');
    expect(await advanced.locator('summary').textContent()).toMatch(/^Advanced: tuning most jobs leave at their defaults \(\d+\)$/);
    expect(await page.locator('#advanced_MaxConcurrency').isVisible()).toBe(false);
    await advanced.locator('summary').click();
    expect(await page.locator('#advanced_MaxConcurrency').inputValue()).toBe('6');
    expect(await page.locator('#time-zone-list option').count()).toBeGreaterThan(100);
    expect(await page.getByRole('radio', { name: 'Previous period' }).count()).toBe(1);
    expect(await page.getByRole('radio', { name: 'The period ending on' }).isChecked()).toBe(true);
    // Defaults come from the schema; enums are dropdowns, booleans checkboxes.
    expect(await page.locator('#parameters_RemovalScope').evaluate((e) => e.tagName)).toBe('SELECT');
    expect(await page.locator('#parameters_AllowAtriaCreateAdditions').getAttribute('type')).toBe('checkbox');
    const secrets = secretsOf(scenario.dataset);
    await page.getByLabel(/^Company name\*?$/).fill(secrets.CompanyName!);
    await page.getByLabel(/^Public key\*?$/).fill(secrets.PublicKey!);
    await page.getByLabel(/^Private key\*?$/).fill(secrets.PrivateKey!);
    await page.getByLabel(/^Client ID\*?$/).fill(secrets.ClientId!);
    await page.getByRole('button', { name: 'Save' }).click();

    // BillingPeriod "Yesterday": the task's CW19, beside the field; nothing saved.
    const field = page.locator('#parameters_BillingPeriod').locator('xpath=ancestor::div[contains(@class,"form-group")][1]');
    await field.getByText(/CW19/).waitFor();
    expect(await page.getByRole('status').first().textContent()).toContain('The job was not saved');
    // The summary is where the eye goes: scrolled into view and focused.
    expect(await page.evaluate('document.activeElement?.id')).toBe('form-status');
    expect(await page.evaluate(async () => (await (await fetch('/api/jobs')).json()) as unknown[])).toEqual([]);
    // Test connection runs the task's check on the values as typed: it names the same problem.
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByRole('alert').filter({ hasText: 'The connection test failed' }).getByText('CW19').waitFor();

    await page.locator('#parameters_BillingPeriod').fill(scenario.dataset.period.endDate);
    // The error goes as soon as the field changes.
    await eventually(async () => (await field.getByText(/CW19/).count()) === 0);
    expect(await page.locator('#form-status').textContent()).toBe('');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/^Connection test passed: ConnectWise accepted the credentials/).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'job-form.png'), fullPage: true });
    // The guide's two example customers are not in this sandbox: the filter is emptied, so every customer is billed.
    for (let i = 0; i < 2; i++)
      await page
        .getByRole('button', { name: /remove/i })
        .first()
        .click();
    expect(await page.locator('#parameters_CustomersFilter_0').count()).toBe(0);
    await page.locator('#parameters_AllowAtriaCreateAdditions').check();
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(await page.getByRole('status').first().textContent()).toBe('Job "Transfer Billing Data to ConnectWise" saved.');
    const row = page.getByRole('row', { name: /Transfer Billing Data to ConnectWise/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('At 22:00, on day 26 of the month');
    jobId = (await row.getAttribute('data-job-id'))!;
    // One state, either door: the command line lists the job the page added.
    expect((await host(home, ['jobs', 'list'])).stdout).toContain(`${jobId}  Transfer Billing Data to ConnectWise`);
  });

  async function waitForSummary(): Promise<string> {
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 });
    return (await page.locator('#run-summary').textContent()) ?? '';
  }

  it('dry run: the plan as a table, with its own CSV download', async () => {
    await page.getByRole('button', { name: 'Dry run: Transfer Billing Data to ConnectWise' }).click();
    const summary = await waitForSummary();
    expect(summary).toMatch(/0 written, [1-9]\d* planned but not written/);
    // Marked as a dry run on its page and wherever it is listed (issue 22).
    await page.getByRole('heading', { name: 'Dry run of Transfer Billing Data to ConnectWise' }).waitFor();
    expect(await page.getByText('nothing was written to ConnectWise').count()).toBe(1);
    const plan = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Before → after' }) });
    await page.getByRole('heading', { name: 'Plan (not written)' }).waitFor();
    const rows = await plan.locator('tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    // Money on every line and in the summary (issue 21): what the dry run would change monthly billing by.
    expect(await page.locator('.money-total').textContent()).toMatch(/^Monthly billing would change by [+−][\d,]+\.\d\d USD$/);
    expect(await plan.locator('tbody tr').first().locator('td').nth(6).textContent()).toMatch(/^[+−][\d,]+\.\d\d USD$/);
    await page.locator('#run-summary').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dry-run.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download plan CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(csv[0]).toBe(
      'Customer,CustomerName,Company,CompanyName,AgreementId,AgreementName,AdditionId,SKU,Product,Before,After,FreeUnits,UnitPrice,AmountBefore,AmountAfter,Change,Currency,Action,Outcome',
    );
    expect(csv).toHaveLength(rows + 1);
    expect(csv.slice(1).every((line) => line.endsWith(',planned'))).toBe(true);
  });

  it('Run now streams the log live and ends with the change summary', async () => {
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('button', { name: 'Run now: Transfer Billing Data to ConnectWise' }).click();
    await page.getByRole('heading', { name: 'Live log' }).waitFor();
    // Entries arrive while the run is still going.
    await page.locator('table.log tbody tr').first().waitFor();
    expect(await page.getByRole('heading', { name: 'Summary' }).count()).toBe(0);
    const summary = await waitForSummary();
    const runs = runRecords(home).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    const run = runs[runs.length - 1]!;
    expect(summary.startsWith(`${run.status}: `)).toBe(true);
    expect(summary).toMatch(/[1-9]\d* updated/);
  });

  it("the run log: sort by code, filter Warning, search CW04, each code's fix beside it, download CSV", async () => {
    const codes = async () => page.locator('table.log tbody tr td:nth-child(3)').allTextContents();
    const levels = async () => page.locator('table.log tbody tr td:nth-child(2)').allTextContents();
    // The run page's tabs, each with its count; the Log tab holds every entry.
    const tabs = await page.getByRole('tab').allTextContents();
    expect(tabs).toEqual([
      expect.stringMatching(/^Changes \d+$/),
      expect.stringMatching(/^Warnings \d+$/),
      expect.stringMatching(/^Log \d+$/),
      'Compare',
    ]);
    await page.getByRole('tab', { name: /^Log/ }).click();
    const count = page.getByText(/^1–\d+ of \d+ entries$/);
    await count.waitFor();
    const byTime = await codes();
    expect(byTime[0]).toBe('CW01');

    await page.getByRole('button', { name: 'Code' }).click();
    await page.locator('th[aria-sort="ascending"]', { hasText: 'Code' }).waitFor();
    await eventually(async () => {
      const shown = await codes();
      return shown.every((code, i) => i === 0 || shown[i - 1]! <= code);
    });
    const byCode = await codes();
    expect(byCode).toEqual([...byCode].sort());
    expect(byCode).not.toEqual(byTime);
    // A second click sorts the other way; the order is in the address.
    await page.getByRole('button', { name: 'Code' }).click();
    await page.locator('th[aria-sort="descending"]', { hasText: 'Code' }).waitFor();
    await eventually(
      async () => (await codes()).join() === [...byCode].reverse().join() || (await codes())[0]! >= byCode[byCode.length - 1]!,
    );
    expect(page.url()).toMatch(/\?tab=log&sort=code&dir=desc$/);
    await page.getByRole('button', { name: 'Code' }).click();
    await page.locator('th[aria-sort="ascending"]', { hasText: 'Code' }).waitFor();

    await page.getByLabel('Level', { exact: true }).selectOption('Warning');
    await eventually(async () => (await levels()).every((level) => level === 'Warning'));
    expect((await levels()).length).toBeGreaterThan(0);
    const fixes = await page.locator('table.log tbody tr td.fix').allTextContents();
    expect(fixes.every((fix) => fix.length > 10)).toBe(true);

    await page.getByLabel('Level', { exact: true }).selectOption('');
    await page.getByLabel('Search code or message', { exact: true }).fill('CW04');
    await eventually(async () => (await codes()).every((code) => code === 'CW04'));
    const found = (await codes()).length;
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    expect(found).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-log.png'), fullPage: false });
    // The filters live in the address: a reload keeps them.
    expect(page.url()).toContain('search=CW04');
    await page.reload();
    await page.getByText(/of \d+ matching \(\d+ in all\)$/).waitFor();
    expect(await page.getByLabel('Search code or message', { exact: true }).inputValue()).toBe('CW04');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(csv[0]).toMatch(/^Timestamp,Level,Code,Message,Customer,SKU,Action$/i);
    expect(csv).toHaveLength(found + 1);
    expect(csv.slice(1).every((line) => line.split(',')[2] === 'CW04')).toBe(true);

    // Nothing matches: say so, and offer to clear the filters.
    await page.getByLabel('Search code or message', { exact: true }).fill('no such entry anywhere');
    await page.getByText('No entry matches these filters.').waitFor();
    expect(await page.locator('table.log').count()).toBe(0);
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await page.getByText(/^1–\d+ of \d+ entries$/).waitFor();

    // The Warnings tab: Warning and Error entries alone, as many as its count says.
    await page.getByRole('tab', { name: /^Warnings/ }).click();
    const warnings = Number((await page.getByRole('tab', { name: /^Warnings/ }).textContent())!.replace(/\D/g, ''));
    await eventually(async () => (await levels()).length === Math.min(warnings, 100));
    expect((await levels()).every((level) => level === 'Warning' || level === 'Error')).toBe(true);

    // One customer at a time (issue 21 item 8): the changes, the log and the money of the customer picked.
    const picker = page.getByLabel('Customer', { exact: true });
    const code = (await picker.locator('option').nth(1).getAttribute('value'))!;
    await picker.selectOption(code);
    expect(page.url()).toContain(`customer=${code}`);
    await page.getByRole('tab', { name: /^(Changes|Plan)/ }).click();
    const planRows = page.locator('table.plan tbody tr');
    await eventually(async () => (await planRows.allTextContents()).every((row) => row.startsWith(code)));
    expect(await page.getByRole('tab', { name: /^(Changes|Plan)/ }).textContent()).toContain(String(await planRows.count()));
    await page.getByRole('tab', { name: /^Log/ }).click();
    await eventually(async () => {
      const messages = await page.locator('table.log tbody tr td:nth-child(4)').allTextContents();
      return messages.length > 0 && messages.every((m) => m.includes(`[${code}`));
    });
    await picker.selectOption('');
  });

  it('a run started from the command line appears in the run history', async () => {
    expect((await host(home, ['jobs', 'run', jobId])).code).toBeLessThan(2);
    await page.getByRole('link', { name: 'All runs of this job' }).click();
    await page.getByRole('heading', { name: 'Runs of Transfer Billing Data to ConnectWise' }).waitFor();
    await eventually(async () => (await page.locator('table.runs tbody tr').count()) === 3);
    const newest = await page.locator('table.runs tbody tr').first().textContent();
    expect(newest).toMatch(/Success|CompletedWith/);
    expect(newest).not.toContain('dry run');
    // Period, trigger and the money change in the history (issue 21 item 6).
    expect(newest).toContain(`to ${scenario.dataset.period.endDate}`);
    expect(newest).toContain('Command line');
    // This third run found nothing left to change: its money change is 0; the Run now before it wrote, in USD.
    expect(newest).toContain('0.00');
    const runNow = await page.locator('table.runs tbody tr').nth(1).textContent();
    expect(runNow).toContain('Run now');
    expect(runNow).toMatch(/[+−][\d,]+\.\d\d USD/);

    // The first run of the three was the dry run: tagged in the history.
    expect(await page.locator('table.runs tbody tr').last().textContent()).toContain('dry run');

    // Compare (issue 21 item 6): the command-line run beside the Run now before it (the dry run is skipped).
    await page
      .locator('table.runs tbody tr')
      .first()
      .getByRole('link', { name: /^Open the run/ })
      .click();
    await page.getByRole('tab', { name: 'Compare' }).click();
    const compared = page.getByRole('region', { name: 'Customers compared' });
    await compared.locator('tbody tr').first().waitFor();
    expect(page.url()).toContain('tab=compare');
    // This run changed nothing (0 lines each); the previous one changed every customer listed.
    const lineCells = await compared.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(lineCells.length).toBeGreaterThan(0);
    expect(lineCells.every((cell) => /^0 \/ [1-9]\d*$/.test(cell))).toBe(true);
    // The same CW04 as last time: recurring, not new.
    await page.getByRole('heading', { name: /^Warnings: 0 new, [1-9]\d* recurring, 0 resolved$/ }).waitFor();
  });

  it('the Edit page shows no secret, and blank secrets keep the stored ones', async () => {
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    // Only the console runs here: the page says jobs will not fire on schedule, and how to run the host.
    await page.getByRole('note').filter({ hasText: 'No scheduler is running for this host' }).waitFor();
    await page.locator('table.jobs').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'jobs.png'), fullPage: false });
    expect(await page.evaluate(UNNAMED_CONTROLS)).toEqual([]);
    // By keyboard alone: Tab to the job's Edit link, Enter.
    for (
      let i = 0;
      i < 40 &&
      (await page.evaluate('document.activeElement?.getAttribute("aria-label")')) !== 'Edit: Transfer Billing Data to ConnectWise';
      i++
    )
      await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Edit job Transfer Billing Data to ConnectWise' }).waitFor();
    await page.getByLabel(/^Public key\*?$/).waitFor();
    for (const label of ['Company name', 'Public key', 'Private key', 'Client ID'])
      expect(await page.getByLabel(new RegExp(`^${label}\\*?$`)).inputValue()).toBe('');
    await page.getByLabel('Name', { exact: true }).fill('Billing to ConnectWise');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /Billing to ConnectWise/ }).waitFor();
    // The kept secrets still work: a run signs in to ConnectWise.
    expect((await host(home, ['jobs', 'run', jobId])).stdout).not.toContain('CW02');
  });

  it('a failed run offers Edit the job and Run again; a job or run that does not exist has its own page', async () => {
    const [run] = runRecords(home);
    // A failed run, as the host records one (its log says why).
    const failed = { ...run!, runId: '20261201T000000-fa11ed', status: 'Failed', counts: { CW02: 1, CW23: 1 }, changes: 0 };
    writeFileSync(path.join(home, 'runs', `${failed.runId}.json`), JSON.stringify(failed));
    writeFileSync(path.join(home, 'runs', `${failed.runId}.jsonl`), '');
    await page.goto(`${web.url}/#/runs/${failed.runId}`);
    await page.getByRole('button', { name: 'Run again', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Edit the job' }).click();
    await page.getByRole('heading', { name: 'Edit job Billing to ConnectWise' }).waitFor();

    await page.goto(`${web.url}/#/jobs/not-a-job/edit`);
    await page.getByRole('heading', { name: 'Job not found' }).waitFor();
    expect(await page.locator('main').textContent()).not.toMatch(/pattern|params/);
    await page.goto(`${web.url}/#/runs/20990101T000000-000000`);
    await page.getByRole('heading', { name: 'Run not found' }).waitFor();
  });

  it('a run of 20,000 entries: the log comes a page of 100 at a time; Next and an address with a page number go on from there', async () => {
    const [run] = runRecords(home);
    const big = { ...run!, runId: '20261201T000000-b19b19', status: 'CompletedWithWarnings', changes: 0 };
    const entry = (i: number) =>
      JSON.stringify({
        timestamp: new Date(Date.UTC(2026, 10, 26, 22, 0, 0, i)).toISOString(),
        level: i % 10 === 0 ? 'Warning' : 'Verbose',
        code: i % 10 === 0 ? 'CW06' : 'CW09',
        message: `entry ${i + 1}`,
      });
    writeFileSync(path.join(home, 'runs', `${big.runId}.json`), JSON.stringify(big));
    writeFileSync(path.join(home, 'runs', `${big.runId}.jsonl`), Array.from({ length: 20_000 }, (_, i) => entry(i)).join('\n') + '\n');
    await page.goto(`${web.url}/#/runs/${big.runId}?tab=log`);
    await page.getByText('1–100 of 20,000 entries').waitFor();
    expect(await page.locator('table.log tbody tr').count()).toBe(100);
    expect(await page.getByRole('tab', { name: /^Warnings/ }).textContent()).toBe('Warnings 2,000');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('101–200 of 20,000 entries').waitFor();
    expect(await page.locator('table.log tbody tr td:nth-child(4)').first().textContent()).toBe('entry 101');
    await page.goto(`${web.url}/#/runs/${big.runId}?tab=log&page=200`);
    await page.reload();
    await page.getByText('19,901–20,000 of 20,000 entries').waitFor();
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
  });

  it('axe-core finds no serious or critical violation on any page, at 1280 and at 390 px; unknown addresses say so; a favicon is served', async () => {
    const [run] = runRecords(home);
    const pages = [
      '#/jobs',
      '#/jobs/new',
      `#/jobs/${jobId}/edit`,
      `#/jobs/${jobId}/runs`,
      '#/runs',
      `#/runs/${run!.runId}`,
      '#/runs/20261201T000000-fa11ed',
      `#/runs/${run!.runId}?tab=log`,
      `#/runs/${run!.runId}?tab=warnings`,
      `#/runs/${run!.runId}?tab=compare`,
      '#/no/such/page',
      '#/jobs/not-a-job/edit',
    ];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const address of pages) {
        await page.goto(`${web.url}/${address}`);
        await page.locator('main h1').waitFor();
        await eventually(async () => !(await page.evaluate(`document.body.innerText.includes('Loading…')`)));
        expect([width, address, await seriousViolations(page)]).toEqual([width, address, []]);
        // No page is wider than the screen: wide tables become cards or scroll in their own box.
        const overflowing = `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > ${width} + 1 && !e.closest('.table-scroll')).map((e) => e.tagName + '.' + e.className).slice(0, 5)`;
        expect([width, address, await page.evaluate(overflowing)]).toEqual([width, address, []]);
        expect([width, address, await page.evaluate('document.documentElement.scrollWidth')]).toEqual([width, address, width]);
        if (width === 390 && address === '#/jobs')
          await page.screenshot({ path: path.join(SCREENSHOTS, 'jobs-phone.png'), fullPage: true });
      }
    }
    // Still at 390 px: a job's actions are all on the screen and work; the run page's tabs work and
    // the log scrolls inside its own box, never the page.
    await page.goto(`${web.url}/#/jobs`);
    const actions = page.locator('table.jobs td.actions').first().locator('button, a');
    await actions.first().waitFor();
    for (const action of await actions.all()) {
      const box = (await action.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await page
      .getByRole('link', { name: /^Runs: / })
      .first()
      .click();
    await page.getByRole('heading', { name: /^Runs of / }).waitFor();
    await page.goto(`${web.url}/#/runs/${run!.runId}`);
    await page.getByRole('tab', { name: /^Log/ }).click();
    await page.locator('.log-scroll table.log tbody tr').first().waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-phone.png'), fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${web.url}/#/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    const favicon = await fetch(`${web.url}/favicon.ico`);
    expect([favicon.status, favicon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    // The skip link moves focus to the page's heading.
    await page.goto(`${web.url}/#/jobs`);
    await page.locator('main h1').waitFor();
    // The first stop in the page's tab order, shown once focused.
    expect(await page.evaluate(`document.querySelector('a, button, input, select, textarea')?.textContent`)).toBe('Skip to content');
    await page.locator('a.skip-link').focus();
    expect(await page.locator('a.skip-link').isVisible()).toBe(true);
    expect((await page.locator('a.skip-link').boundingBox())!.x).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');
  });

  it('disable, enable, delete with a confirmation naming the job', async () => {
    await page.reload();
    const row = page.getByRole('row', { name: /Billing to ConnectWise/ });
    await page.getByRole('button', { name: 'Disable: Billing to ConnectWise' }).click();
    await row.getByText('Disabled').waitFor();
    expect((await host(home, ['jobs', 'list'])).stdout).toContain('disabled');
    await page.getByRole('button', { name: 'Enable: Billing to ConnectWise' }).click();
    await page.getByRole('button', { name: 'Disable: Billing to ConnectWise' }).waitFor();
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Delete: Billing to ConnectWise' }).click();
    await page.getByText('No jobs yet.').waitFor();
    expect(question).toContain('"Billing to ConnectWise"');
    expect((await host(home, ['jobs', 'list'])).stdout).toBe('No jobs.\n');
    // Its history stays reachable: All runs lists them, tagged as a deleted job's.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('heading', { name: 'All runs' }).waitFor();
    await eventually(async () => (await page.locator('table.runs tbody tr').count()) === runRecords(home).length);
    expect(await page.locator('table.runs tbody tr').first().textContent()).toContain('deleted');
  });

  it('a session that ended sends the next action to sign-in, which says so', async () => {
    await page.context().clearCookies();
    await page.goto(`${web.url}/`);
    await page.getByLabel('Password', { exact: true }).waitFor();
    // With the page already open (its session gone since), its next request lands on sign-in with the reason.
    await page.context().clearCookies();
    await page.goto(`${web.url}/login`);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await page.context().clearCookies();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.waitForURL(/\/login\?ended=1$/);
    expect(await page.getByRole('status').textContent()).toContain('Your session ended');
  });

  it('no page or answer ever held a secret', () => {
    const secrets = Object.values(secretsOf(scenario.dataset));
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) for (const secret of secrets) expect(body.includes(secret)).toBe(false);
  });
});
