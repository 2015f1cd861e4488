import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { activeAdditionLines } from '../../scripts/sandbox/cwState.js';
import { startScenario, type Scenario } from '../support/harness.js';
import { host, hostWithSandboxJob, REPO, runRecords } from '../support/hostCli.js';
import { startConsoleProcess, type ConsoleProcess } from '../support/webConsole.js';
import { seriousViolations } from '../support/axe.js';
import { readable, smtpSink, webhookSink } from '../support/sinks.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
const PASSWORD = 'correct horse battery staple';
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(REPO, 'docs', 'screenshots') : path.join(REPO, 'build', 'screenshots');

/**
 * Issue 21 items 3, 4 and 7 in a real browser: Apply a dry run's plan, Reject and Approve a run
 * awaiting approval, Revert a run (its dry run first). Each action starts a run of the job whose
 * page the browser is taken to; what reached ConnectWise is read from the sandbox.
 */
inBrowser("the administrator's month in the console (Chromium)", () => {
  let scenario: Scenario;
  let home: string;
  let jobId: string;
  let web: ConsoleProcess;
  let browser: Browser;
  let page: Page;
  let original: string[];
  const lines = (): string[] => activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate);
  const writes = (): number => scenario.sandboxes.connectWise.counts().writes;
  const newestRun = () =>
    runRecords(home)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
      .at(-1)!;
  const summary = async () => {
    await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 60_000 });
    return (await page.locator('#run-summary').textContent()) ?? '';
  };
  const scheduledRun = async () => {
    expect((await host(home, ['scheduler', '--tick-ms', '50', '--exit-after-runs', '1'])).code).toBe(0);
    return newestRun();
  };

  beforeAll(async () => {
    scenario = await startScenario({ customers: 8, skusPerCustomer: 4, seed: 33 }, { connectWise: { latencyMs: 20 } });
    original = lines();
    ({ home, jobId } = await hostWithSandboxJob(mkdtempSync(path.join(tmpdir(), 'cwm-web-month-')), scenario, 'Monthly billing'));
    web = await startConsoleProcess(home, { HOST_WEB_PASSWORD: PASSWORD });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await (
      await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/London', locale: 'en-GB' })
    ).newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.goto(web.url + '/');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await scenario?.close();
  });

  it('Apply this plan: a dry run from the Jobs page, applied after a confirmation that says its changes in money', async () => {
    await page.getByRole('button', { name: 'Dry run: Monthly billing' }).click();
    expect(await summary()).toMatch(/0 written, [1-9]\d* planned but not written/);
    const dryRunId = newestRun().runId;
    await page.getByRole('button', { name: 'Apply this plan' }).click();
    const confirm = page.getByRole('region', { name: 'Confirm apply' });
    expect(await confirm.textContent()).toMatch(
      /Write [1-9]\d* changes, [+−][\d,]+\.\d\d USD a month to ConnectWise, exactly as reviewed\?/,
    );
    expect(await seriousViolations(page)).toEqual([]);
    expect(writes()).toBe(0);
    await confirm.getByRole('button', { name: 'Apply now' }).click();
    await page.getByRole('heading', { name: 'Apply run of Monthly billing' }).waitFor();
    expect(await summary()).toMatch(/^Success: /);
    expect(lines()).toEqual(scenario.dataset.expected);
    await page.getByText(`Applies the plan of run ${dryRunId}.`).waitFor();
    expect(await page.locator('.money-total').textContent()).toMatch(/^Monthly billing [+−][\d,]+\.\d\d USD$/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'apply.png'), fullPage: true });
    // The dry run's page now names its apply and offers it no more.
    await page.getByRole('link', { name: `run ${dryRunId}` }).click();
    await page.getByText(/Its plan was applied by run /).waitFor();
    expect(await page.getByRole('button', { name: 'Apply this plan' }).count()).toBe(0);
  });

  it('Revert: a dry run of the revert first (nothing written), then the revert puts every quantity back', async () => {
    const applyRun = runRecords(home).find((r) => (r as { applies?: string }).applies)!;
    await page.goto(`${web.url}/#/runs/${applyRun.runId}`);
    await summary();
    const before = writes();
    await page.getByRole('button', { name: 'Dry run the revert' }).click();
    await page.getByRole('heading', { name: 'Revert dry run of Monthly billing' }).waitFor();
    expect(await summary()).toMatch(/0 written, [1-9]\d* planned but not written/);
    expect(writes()).toBe(before);
    await page.getByRole('button', { name: `Revert run ${applyRun.runId} now` }).click();
    await page.getByRole('heading', { name: 'Revert run of Monthly billing' }).waitFor();
    expect(await summary()).toMatch(/^Success: /);
    const after = lines();
    expect(original.filter((line) => !after.includes(line))).toEqual([]);
    expect(after.filter((line) => !original.includes(line)).every((line) => line.endsWith('=0.00'))).toBe(true);
    await page.getByText(`Reverts run ${applyRun.runId}.`).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'revert.png'), fullPage: true });
    // The reverted run offers no second revert.
    await page.getByRole('link', { name: `run ${applyRun.runId}` }).click();
    await page.getByText(/Reverted by run /).waitFor();
    expect(await page.getByRole('button', { name: 'Revert this run…' }).count()).toBe(0);
  });

  it('approval mode: the scheduled run waits on the Jobs page and its run page; Reject closes one, Approve applies the next', async () => {
    expect((await host(home, ['jobs', 'require-approval', jobId, 'on'])).code).toBe(0);
    const rejected = await scheduledRun();
    expect(rejected.status).toBe('AwaitingApproval');
    await page.goto(`${web.url}/#/jobs`);
    const row = page.getByRole('row', { name: /Monthly billing/ });
    await row.getByText('Awaiting approval').waitFor();
    expect(await row.locator('.awaiting').textContent()).toMatch(/^[1-9]\d* changes, [+−][\d,]+\.\d\d USD a month: review and approve$/);
    await row.getByRole('link', { name: /AwaitingApproval.*last run of Monthly billing/ }).click();
    const approval = page.getByRole('region', { name: 'Approval' });
    expect(await approval.textContent()).toMatch(/Awaiting approval: [1-9]\d* changes, [+−][\d,]+\.\d\d USD a month\./);
    await approval.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('Rejected: nothing was written.').waitFor();
    expect(runRecords(home).find((r) => r.runId === rejected.runId)!.status).not.toBe('AwaitingApproval');

    const awaiting = await scheduledRun();
    await page.goto(`${web.url}/#/runs/${awaiting.runId}`);
    await page.getByRole('region', { name: 'Approval' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'approval.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 900 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBe(390);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'approval-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(writes()).toBeGreaterThan(0);
    const writesBefore = writes();
    await page.getByRole('button', { name: 'Approve and apply' }).click();
    await page.getByRole('heading', { name: 'Approved apply run of Monthly billing' }).waitFor();
    expect(await summary()).toMatch(/^Success: /);
    expect(writes()).toBeGreaterThan(writesBefore);
    expect(lines()).toEqual(scenario.dataset.expected);
    await page.getByRole('link', { name: `run ${awaiting.runId}` }).click();
    await page.getByText(/Its plan was applied by run /).waitFor();
    expect(await page.getByRole('region', { name: 'Approval' }).count()).toBe(0);
  });

  it("the job's history: a chart of its last runs' money change (bars) and warnings (line), drawn without any remote script", async () => {
    await page.goto(`${web.url}/#/jobs/${jobId}/runs`);
    const chart = page.getByRole('group', { name: /^Monthly billing change and warnings over the last \d+ runs, oldest first: / });
    await chart.waitFor();
    const finished = runRecords(home).length;
    expect(await page.locator('.run-chart rect.bar').count()).toBe(Math.min(12, finished));
    expect(await page.locator('.run-chart rect.bar.dry').count()).toBeGreaterThan(0);
    expect(await page.locator('.run-chart rect.bar.down').count()).toBeGreaterThan(0);
    expect(await page.locator('.run-chart circle.warning-dot').count()).toBe(Math.min(12, finished));
    // Only the console's own script on the page.
    expect(await page.evaluate('[...document.scripts].map((s) => new URL(s.src, location.href).origin)')).toEqual([web.url]);
    // The history names the new triggers.
    for (const trigger of ['Apply', 'Approval', 'Revert', 'Schedule', 'Run now'])
      expect(await page.getByRole('cell', { name: trigger, exact: true }).count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator('.run-chart').screenshot({ path: path.join(SCREENSHOTS, 'run-chart.png') });
    // A bar is a way to its run.
    await page.locator('.run-chart a').last().click();
    await page.getByRole('heading', { name: /of Monthly billing$/ }).waitFor();
  });

  it("one customer at a time: from a run's customer picker to the customer's lines across the job's runs", async () => {
    const applyRun = runRecords(home).find((r) => (r as { applies?: string }).applies)!;
    await page.goto(`${web.url}/#/runs/${applyRun.runId}`);
    await summary();
    const picker = page.getByLabel('Customer', { exact: true });
    const customer = (await picker.locator('option').nth(1).getAttribute('value'))!;
    await picker.selectOption(customer);
    await page.getByRole('link', { name: "This customer across the job's runs" }).click();
    await page.getByRole('heading', { name: new RegExp(`^Customer ${customer} — `) }).waitFor();
    const table = page.getByRole('region', { name: "Customer's lines across runs" });
    const rows = table.locator('tbody tr');
    // Every run that changed or planned a line for it: the dry runs, the applies, the revert and its dry run.
    const withLines = runRecords(home).filter((r) => {
      const plan = JSON.parse(readFileSync(path.join(home, 'runs', 'plans', `${r.runId}.json`), 'utf8')) as { customer: string }[];
      return plan.some((p) => p.customer === customer);
    });
    expect(withLines.length).toBeGreaterThan(3);
    expect(await table.locator('tbody tr a').count()).toBeGreaterThanOrEqual(withLines.length);
    expect(await rows.first().textContent()).toMatch(/[+−][\d,]+\.\d\d USD a month/);
    expect(await seriousViolations(page)).toEqual([]);
    // Back to a run, on this customer.
    await table.locator(`a[href="#/runs/${applyRun.runId}?customer=${customer}"]`).click();
    await page.getByRole('heading', { name: 'Apply run of Monthly billing' }).waitFor();
    expect(await page.getByLabel('Customer', { exact: true }).inputValue()).toBe(customer);
  });

  it("Settings (SMTP, the console address) and a job's recipients and webhook; Send test says how each went; the password and webhook never come back", async () => {
    const smtp = await smtpSink('billing', 'smtp-secret-pw');
    const hook = await webhookSink('/hooks/secret-hook-key');
    try {
      await page.goto(`${web.url}/#/settings`);
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      await page.getByLabel('Server', { exact: true }).fill('127.0.0.1');
      await page.getByLabel('Port', { exact: true }).fill(String(smtp.port));
      await page.getByLabel('Security', { exact: true }).selectOption('none');
      await page.getByLabel('User name (if the server asks for one)').fill('billing');
      await page.getByLabel('Password', { exact: true }).fill('smtp-secret-pw');
      await page.getByLabel('Sender', { exact: true }).fill('billing@msp.example');
      expect(await page.getByLabel("The console's address, as people reach it").inputValue()).toBe(web.url);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Settings saved. Use Send test on a job to try them.').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.reload();
      await page.getByLabel('Password', { exact: true }).waitFor();
      expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
      expect(await page.getByLabel('Password', { exact: true }).getAttribute('placeholder')).toBe('Stored: leave blank to keep');

      await page.goto(`${web.url}/#/jobs/${jobId}/edit`);
      await page.getByLabel('E-mail recipients').fill('ops@msp.example; nobody');
      await page.getByLabel('Webhook URL (Teams or Slack incoming webhook)').fill(hook.url);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText("'nobody' is not an e-mail address.").waitFor();
      await page.getByLabel('E-mail recipients').fill('ops@msp.example, cfo@msp.example');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      await page.goto(`${web.url}/#/jobs/${jobId}/edit`);
      expect(await page.getByLabel('Webhook URL (Teams or Slack incoming webhook)').getAttribute('placeholder')).toBe(
        'Stored: leave blank to keep',
      );
      await page.getByRole('button', { name: 'Send test' }).click();
      const outcomes = page.locator('.send-outcomes li');
      await outcomes.nth(1).waitFor();
      expect(await outcomes.allTextContents()).toEqual([
        'E-mail to ops@msp.example, cfo@msp.example: sent',
        `Webhook to ${new URL(hook.url).origin}/…: sent`,
      ]);
      expect(readable(smtp.mails[0]!.body)).toContain(`a link to the run (${web.url}/#/runs/…)`);
      expect(hook.bodies).toHaveLength(1);
      await page.locator('.send-test').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'notifications.png'), fullPage: false });
      // Someone changes a line in ConnectWise; the next scheduled run plans it back and awaits approval: told to both, its page says so.
      const somebodys = scenario.sandboxes.connectWise.state.additions.find((a) => a.quantity > 0 && !a.cancelledDate)!;
      somebodys.quantity += 5;
      const told = await scheduledRun();
      expect(told.status).toBe('AwaitingApproval');
      await page.goto(`${web.url}/#/runs/${told.runId}`);
      await page.getByText('Notified by e-mail to ops@msp.example, cfo@msp.example: sent.').waitFor();
      await page.getByText(`Notified by webhook to ${new URL(hook.url).origin}/…: sent.`).waitFor();
      expect(readable(smtp.mails.at(-1)!.body)).toContain(`Open the run: ${web.url}/#/runs/${told.runId}`);
      const pageText = await page.content();
      expect(pageText).not.toContain('secret-hook-key');
      expect(pageText).not.toContain('smtp-secret-pw');
    } finally {
      await smtp.close();
      await new Promise((resolve) => hook.server.close(resolve));
    }
  });

  it("the month's pages at phone width (390 px): nothing wider than the screen, axe clean", async () => {
    const applyRun = runRecords(home).find((r) => (r as { applies?: string }).applies)!;
    const customer = (
      JSON.parse(readFileSync(path.join(home, 'runs', 'plans', `${applyRun.runId}.json`), 'utf8')) as { customer: string }[]
    )[0]!.customer;
    await page.setViewportSize({ width: 390, height: 900 });
    try {
      for (const [address, heading, shot] of [
        [`#/jobs/${jobId}/runs`, 'Runs of Monthly billing', 'runs-chart-phone'],
        [`#/jobs/${jobId}/customers/${customer}`, `Customer ${customer}`, 'customer-phone'],
        ['#/settings', 'Settings', 'settings-phone'],
        [`#/runs/${applyRun.runId}`, 'Apply run of Monthly billing', 'apply-phone'],
      ] as const) {
        await page.goto(`${web.url}/${address}`);
        await page.getByRole('heading', { name: new RegExp(`^${heading}`) }).waitFor();
        await page.waitForTimeout(200);
        expect([address, await page.evaluate('document.documentElement.scrollWidth')]).toEqual([address, 390]);
        // Nothing sticks out of the screen, except inside a box that scrolls on its own (wide tables, the chart).
        const overflowing = `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll')).map((e) => e.tagName)`;
        expect([address, await page.evaluate(overflowing)]).toEqual([address, []]);
        expect(await seriousViolations(page)).toEqual([]);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${shot}.png`), fullPage: false });
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
