import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CodedError } from '../../src/errors.js';
import { basicAuthorization } from '../../src/gateways/connectwise/httpClient.js';
import { Redactor } from '../../src/logging/redaction.js';
import { secretProperties } from '../../src/config/schemaValidator.js';
import { secretsSchema } from '../../src/schemas.js';
import { RunLogger } from '../../src/logging/runLogger.js';
import { logsToCsv, logJsonLine, logTextLine } from '../../src/logging/writers.js';
import type { LogEntry } from '../../src/host/api.js';
import { startScenario, secretsOf, type Scenario } from '../support/harness.js';
import { ECHOED, ECHOED_SECRETS, echoedForms, echoMessage } from '../support/echo.js';

const run = promisify(execFile);

/** Every form a secret could leak in: the values, and the Basic token built from them. */
function forbidden(secrets: Record<string, string>): string[] {
  const credentials = {
    companyName: secrets.CompanyName ?? '',
    publicKey: secrets.PublicKey ?? '',
    privateKey: secrets.PrivateKey ?? '',
    clientId: secrets.ClientId ?? '',
  };
  return [...Object.values(secrets), basicAuthorization(credentials).slice('Basic '.length)];
}

function expectClean(text: string, secrets: Record<string, string>): void {
  for (const value of forbidden(secrets)) expect(text).not.toContain(value);
}

describe('secrets never reach a log line, a file, an error or a plan', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await startScenario({ customers: 12, skusPerCustomer: 4 });
  });
  afterAll(() => scenario.close());

  it('in-process at Verbose: entries, plan and counts are clean, with a ConnectWise 401 and a connection failure too', async () => {
    const secrets = secretsOf(scenario.dataset);
    const ok = await scenario.run({ logLevel: 'Verbose' });
    expect(ok.entries.length).toBeGreaterThan(20);
    const refused = await scenario.run({ logLevel: 'Verbose', secrets: { ...secrets, PrivateKey: 'Wrong-but-secret-123' } });
    expect(refused.result.status).toBe('Failed');
    const dead = await scenario.run({ logLevel: 'Verbose', parameters: { apiUrl: 'http://127.0.0.1:1' } });
    expect(dead.entries[0]!.code).toBe('CW02');
    const text =
      [ok, refused, dead].flatMap((r) => r.entries.map((e) => logJsonLine(e) + logTextLine(e))).join('') +
      logsToCsv(ok.entries) +
      JSON.stringify(ok.result);
    expectClean(text, secrets);
    expectClean(JSON.stringify(refused.entries), { wrong: 'Wrong-but-secret-123' });
  });

  it('the CLI at Verbose: stdout (text and json), --log-file .jsonl and .csv, --plan-file .json and .csv', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cwm-secrets-'));
    const secrets = secretsOf(scenario.dataset);
    writeFileSync(
      path.join(dir, 'p.json'),
      JSON.stringify({ apiUrl: scenario.sandboxes.connectWise.apiBase, AllowAtriaCreateAdditions: true }),
    );
    writeFileSync(path.join(dir, 's.json'), JSON.stringify(secrets));
    const outputs: string[] = [];
    for (const [format, logFile, planFile] of [
      ['text', 'log.jsonl', 'plan.json'],
      ['json', 'log.csv', 'plan.csv'],
    ] as const) {
      const { stdout, stderr } = await run('node', [
        'dist/cli.js',
        'run',
        '--parameters',
        path.join(dir, 'p.json'),
        '--secrets',
        path.join(dir, 's.json'),
        '--atria-url',
        scenario.sandboxes.atria.url,
        '--atria-token',
        scenario.dataset.atriaToken,
        '--dry-run',
        '--log-level',
        'Verbose',
        '--log-format',
        format,
        '--log-file',
        path.join(dir, logFile),
        '--plan-file',
        path.join(dir, planFile),
        '--now',
        '2026-11-26',
      ]);
      outputs.push(stdout, stderr, readFileSync(path.join(dir, logFile), 'utf8'), readFileSync(path.join(dir, planFile), 'utf8'));
    }
    expect(outputs.join('').length).toBeGreaterThan(1000);
    expectClean(outputs.join('\n'), secrets);
    expect(outputs.join('')).not.toContain(scenario.dataset.atriaToken);
  });

  it('a thrown error: message and stack redacted through the logger and the redactor', () => {
    const secrets = {
      CompanyName: 'acme-co',
      PublicKey: 'pk-123456',
      PrivateKey: 'sk-abcdef',
      ClientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c',
    };
    const redactor = Redactor.fromUnknownSecrets(
      secrets,
      [basicAuthorization({ companyName: 'acme-co', publicKey: 'pk-123456', privateKey: 'sk-abcdef', clientId: secrets.ClientId })],
      secretProperties(secretsSchema()),
    );
    const error = new CodedError('CW02', { error: `request failed with key sk-abcdef for acme-co+pk-123456` }, 'with sk-abcdef inside');
    const safe = redactor.error(error);
    expect(safe.message).toBe('with *** inside');
    expectClean(`${safe.message}\n${safe.stack}`, secrets);
    const entries: LogEntry[] = [];
    const logger = new RunLogger(
      (e) => entries.push(e),
      'Verbose',
      redactor,
      () => new Date(),
    );
    logger.log('CW02', error.params, {
      data: { headers: { Authorization: 'Basic whatever', clientId: secrets.ClientId }, note: 'sk-abcdef' },
    });
    expect(entries[0]!.message).toBe('Failed to connect to Connectwise: Error reported was : request failed with key *** for ***+***');
    expect(entries[0]!.data).toEqual({ headers: { Authorization: '***', clientId: '***' }, note: '***' });
    expectClean(logsToCsv(entries) + logJsonLine(entries[0]!), secrets);
  });
});

describe('a ConnectWise error that echoes every secret (issue: the secrets file path leaked)', () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await startScenario(
      { customers: 8, skusPerCustomer: 3, seed: 8, shares: { changed: 0.5 } },
      { connectWise: { faults: { failRequests: [{ method: 'PATCH', path: /additions\/\d+$/, status: 400, message: echoMessage() }] } } },
      (d) => {
        d.credentials = ECHOED;
      },
    );
  });
  afterAll(() => scenario.close());

  it.each([
    ['--secrets FILE', 'file'],
    ['the CWM_* variables', 'env'],
  ])('with %s: stdout, stderr, text/CSV/JSONL logs and plan files hold no form of any secret', async (_label, source) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cwm-echo-'));
    writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ apiUrl: scenario.sandboxes.connectWise.apiBase }));
    writeFileSync(path.join(dir, 's.json'), JSON.stringify(ECHOED_SECRETS, null, 2));
    const secretArgs = source === 'file' ? ['--secrets', path.join(dir, 's.json')] : [];
    const env =
      source === 'env'
        ? {
            CWM_COMPANY_NAME: ECHOED.companyName,
            CWM_PUBLIC_KEY: ECHOED.publicKey,
            CWM_PRIVATE_KEY: ECHOED.privateKey,
            CWM_CLIENT_ID: ECHOED.clientId,
          }
        : {};
    const outputs: string[] = [];
    for (const [format, logFile, planFile] of [
      ['text', 'log.jsonl', 'plan.json'],
      ['json', 'log.csv', 'plan.csv'],
    ] as const) {
      const result = await run(
        'node',
        [
          'dist/cli.js',
          'run',
          '--parameters',
          path.join(dir, 'p.json'),
          ...secretArgs,
          '--atria-url',
          scenario.sandboxes.atria.url,
          '--atria-token',
          scenario.dataset.atriaToken,
          '--log-level',
          'Verbose',
          '--log-format',
          format,
          '--log-file',
          path.join(dir, logFile),
          '--plan-file',
          path.join(dir, planFile),
          '--now',
          '2026-11-26',
        ],
        { env: { PATH: process.env.PATH, CWM_BILLING_LOCK_DIR: process.env.CWM_BILLING_LOCK_DIR, ...env } },
      ).catch((e: { stdout: string; stderr: string; code: number }) => e);
      outputs.push(
        result.stdout,
        result.stderr,
        readFileSync(path.join(dir, logFile), 'utf8'),
        readFileSync(path.join(dir, planFile), 'utf8'),
      );
    }
    const all = outputs.join('\n');
    // The echo did reach the log (redacted): the test would pass vacuously otherwise.
    expect(all).toContain('Denied: ***');
    for (const form of echoedForms(ECHOED_SECRETS)) expect(all).not.toContain(form);
  });
});

describe('a secrets file with a syntax error never quotes the secret (CW16 names the file, line and column)', () => {
  const key = 'skAbcDef0123456789SecretKeyValue';
  const broken = `{\n  "CompanyName": "acme",\n  "PublicKey": "pk1",\n  "PrivateKey": ${key},\n  "ClientId": "5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c"\n}\n`;

  it('the CLI: stdout and --log-file say where, never what', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cwm-badsecrets-'));
    writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ apiUrl: 'https://na.myconnectwise.net' }));
    writeFileSync(path.join(dir, 's.json'), broken);
    const result = await run('node', [
      'dist/cli.js',
      'run',
      '--parameters',
      path.join(dir, 'p.json'),
      '--secrets',
      path.join(dir, 's.json'),
      '--atria-url',
      'http://127.0.0.1:1',
      '--log-file',
      path.join(dir, 'log.jsonl'),
    ]).catch((e: { stdout: string; stderr: string; code: number }) => e);
    const all = `${result.stdout}\n${result.stderr}\n${readFileSync(path.join(dir, 'log.jsonl'), 'utf8')}`;
    expect(result.stdout).toContain(`Error CW16`);
    expect(result.stdout).toContain(`the secrets file ${path.join(dir, 's.json')} is not valid JSON: invalid symbol at line 4, column 17`);
    expect(all).not.toContain(key.slice(0, 4));
  });

  it('in-process, secrets handed over as text: the entry gives line and column only', async () => {
    const scenario = await startScenario({ customers: 1, skusPerCustomer: 1 });
    try {
      const { entries } = await scenario.run({ secrets: broken });
      expect(entries[0]).toMatchObject({
        code: 'CW16',
        message: expect.stringContaining('secrets are not valid JSON (invalid symbol at line 4, column 17)'),
      });
      expect(JSON.stringify(entries)).not.toContain(key.slice(0, 4));
    } finally {
      await scenario.close();
    }
  });

  it("the host's jobs add: refused, naming the file and the place, never the text", async () => {
    const { host, jobsAdd } = await import('../support/hostCli.js');
    const home = mkdtempSync(path.join(tmpdir(), 'cwm-host-badsecrets-'));
    const dir = mkdtempSync(path.join(tmpdir(), 'cwm-badsecrets-'));
    writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ apiUrl: 'https://na.myconnectwise.net' }));
    writeFileSync(path.join(dir, 's.json'), broken);
    expect((await host(home, ['install-extension', '--path', '.'])).code).toBe(0);
    const added = await host(
      home,
      jobsAdd({
        name: 'Bad secrets',
        type: 'ConnectWise Manage Billing',
        cron: '0 22 26 * *',
        parameters: path.join(dir, 'p.json'),
        secrets: path.join(dir, 's.json'),
      }),
    );
    expect(added.code).not.toBe(0);
    expect(added.stderr + added.stdout).toContain('CW16');
    expect(added.stderr + added.stdout).toContain('line 4, column 17');
    expect(added.stderr + added.stdout).not.toContain(key.slice(0, 4));
  });
});
