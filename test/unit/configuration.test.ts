import { normalizeApiUrl } from '../../src/config/apiUrl.js';
import { JsonSyntaxError, parseLenientJson } from '../../src/util/lenientJson.js';
import { ConfigurationValidator } from '../../src/config/validateConfiguration.js';
import { formatMessage, logCode } from '../../src/logging/codes.js';
import { BillingTask } from '../../src/task/billingTask.js';
import { secretProperties } from '../../src/config/schemaValidator.js';
import { secretsSchema } from '../../src/schemas.js';

const secrets = { CompanyName: 'acme', PublicKey: 'pubkey123', PrivateKey: 'privkey456', ClientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c' };
const parameters = { apiUrl: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0' };
const validator = new ConfigurationValidator();

function problems(p: unknown, s: unknown): { code: string; message: string }[] {
  const outcome = validator.validate(p, s);
  if (outcome.ok) return [];
  return outcome.problems.map((e) => ({ code: e.code, message: formatMessage(e.code, e.params) + (e.details?.suffix ?? '') }));
}

describe('configuration validation', () => {
  it('accepts a minimal configuration and fills the schema defaults', () => {
    const outcome = validator.validate(parameters, secrets);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.configuration.parameters).toMatchObject({
      AgreementType: 'Hosting and Cloud Services',
      AllowAtriaCreateAdditions: false,
      BillingPeriod: 'Previous',
      CustomersFilter: [],
      RemovalScope: 'ReportedRemovals',
      MaxZeroedPercent: 25,
      MaxConcurrency: 6,
    });
  });

  it.each([
    [undefined, 'no secrets'],
    [null, 'no secrets'],
    ['{ "CompanyName": ', 'not valid JSON'],
    [[1, 2], 'must be a JSON object'],
    [new Error('decryption failed'), 'decryption failed'],
  ])('CW16 when secrets are %p', (raw, fragment) => {
    const found = problems(parameters, raw);
    expect(found.map((p) => p.code)).toEqual(['CW16']);
    expect(found[0]!.message).toContain('Failed to retrieve ConnectWise secrets');
    expect(found[0]!.message).toContain(fragment);
  });

  it('CW18 once per invalid secret field, naming the field and never its value', () => {
    const found = problems(parameters, { ...secrets, PrivateKey: '', ClientId: 'not-a-guid-value', PublicKey: undefined });
    expect(found.map((p) => p.code)).toEqual(['CW18', 'CW18', 'CW18']);
    expect(found.map((p) => p.message).sort()).toEqual([
      "Failed to validate ConnectWise secrets. ClientId must have a valid value (a GUID such as 12345678-90ab-cdef-1234-567890abcdef, from ConnectWise developer support; the template's XXXXXXXX is a placeholder)",
      'Failed to validate ConnectWise secrets. PrivateKey must have a valid value',
      'Failed to validate ConnectWise secrets. PublicKey must have a valid value',
    ]);
    expect(JSON.stringify(found)).not.toContain('not-a-guid-value');
  });

  it.each([[{}], [{ apiUrl: '' }], [{ apiUrl: '   ' }]])('CW17 "api url is not available" for %p', (p) => {
    expect(problems(p, secrets)).toEqual([
      { code: 'CW17', message: 'Failed to Retrieve Job Task Parameters: Error reported was: api url is not available' },
    ]);
  });

  it('CW17 in plain words, naming the parameter, for any other invalid parameter', () => {
    const found = problems(
      {
        ...parameters,
        MaxConcurrency: 64,
        CustomersFilter: ['ok', 7],
        Unknown: 1,
        AgreementType: '',
        DryRun: 'maybe',
        RemovalScope: 'Some',
      },
      secrets,
    );
    expect(found.every((p) => p.code === 'CW17')).toBe(true);
    const text = found.map((p) => p.message).join('\n');
    expect(text).toContain('MaxConcurrency must be at most 32');
    expect(text).toContain('CustomersFilter.1 must be text');
    expect(text).toContain('AgreementType must not be empty');
    expect(text).toContain('DryRun must be true or false');
    expect(text).toContain('RemovalScope must be one of ReportedRemovals, AllManagedSkus');
    expect(text).toMatch(/Unknown is not a known parameter \(known: apiUrl, AgreementType, /);
    expect(text).not.toMatch(/must NOT|must be <=|must be string/);
  });

  it('an unknown parameter close to a known one gets a "did you mean"', () => {
    const text = problems({ ...parameters, AgreementTyp: 'x', allowatriacreateaddition: true }, secrets)
      .map((p) => p.message)
      .join('\n');
    expect(text).toContain('AgreementTyp is not a known parameter; did you mean AgreementType?');
    expect(text).toContain('allowatriacreateaddition is not a known parameter; did you mean AllowAtriaCreateAdditions?');
  });

  it.each(['True', 'true', 'TRUE', 'False', 'false', true, false])('booleans take %p the same way for every boolean parameter', (value) => {
    expect(problems({ ...parameters, AllowAtriaCreateAdditions: value, DryRun: value }, secrets)).toEqual([]);
  });

  it.each(['Yesterday', '2026-13-01', '2026-02-30', '26/10/2026'])('CW19 for BillingPeriod %s', (period) => {
    const found = problems({ ...parameters, BillingPeriod: period }, secrets);
    expect(found.map((p) => p.code)).toEqual(['CW19']);
    expect(found[0]!.message).toMatch(/^Incorrect billing period date or format/);
  });

  it('reports secrets and parameter problems together, and nothing runs', () => {
    const found = problems({ BillingPeriod: 'bad' }, { ...secrets, CompanyName: '' });
    expect(found.map((p) => p.code).sort()).toEqual(['CW17', 'CW18', 'CW19']);
  });

  it.each([
    ['True', true],
    ['FALSE', false],
    ['true', true],
    [true, true],
  ])('coerces AllowAtriaCreateAdditions %p', (value, expected) => {
    const outcome = validator.validate({ ...parameters, AllowAtriaCreateAdditions: value }, secrets);
    expect(outcome.ok && outcome.configuration.parameters.AllowAtriaCreateAdditions).toBe(expected);
  });

  it('refuses "Yes" for a boolean with CW17', () => {
    expect(problems({ ...parameters, DryRun: 'Yes' }, secrets).map((p) => p.code)).toEqual(['CW17']);
  });

  it('accepts the enumerated words in any case', () => {
    const outcome = validator.validate({ ...parameters, BillingPeriod: 'current', RemovalScope: 'allmanagedskus' }, secrets);
    expect(outcome.ok && outcome.configuration.parameters).toMatchObject({ BillingPeriod: 'Current', RemovalScope: 'AllManagedSkus' });
  });

  it("accepts the vendor's example with its trailing comma", () => {
    const text =
      '{\n"apiUrl":"na.myconnectwise.net",\n"CustomersFilter":["ASP", "SampleCustomerShortCodeName"],\n"BillingPeriod": "Current",\n"AgreementType": "Hosting and Cloud Services",\n}';
    const outcome = validator.validate(text, secrets);
    expect(outcome.ok && outcome.configuration.parameters.CustomersFilter).toEqual(['ASP', 'SampleCustomerShortCodeName']);
  });

  it('reports another syntax error with its line and column as CW17', () => {
    const found = problems('{\n  "apiUrl": "x",\n  "BillingPeriod" "Current"\n}', secrets);
    expect(found).toHaveLength(1);
    expect(found[0]!.code).toBe('CW17');
    expect(found[0]!.message).toContain('line 3, column 19');
  });
});

describe('the secrets schema', () => {
  it('marks every secret field with the custom `secret` keyword, which ajv accepts', () => {
    expect(secretProperties(secretsSchema()).sort()).toEqual(['ClientId', 'CompanyName', 'PrivateKey', 'PublicKey']);
  });
});

describe('apiUrl normalisation', () => {
  it.each([
    ['https://api-na.myconnectwise.net/v4_6_release/apis/3.0', 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0'],
    ['https://api-na.myconnectwise.net/v4_6_release/apis/3.0/', 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0'],
    ['na.myconnectwise.net', 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0'],
    ['https://eu.myconnectwise.net/', 'https://api-eu.myconnectwise.net/v4_6_release/apis/3.0'],
    ['api-au.myconnectwise.net', 'https://api-au.myconnectwise.net/v4_6_release/apis/3.0'],
    ['cw.example.com', 'https://cw.example.com/v4_6_release/apis/3.0'],
    ['https://cw.example.com/v2025_1', 'https://cw.example.com/v2025_1/apis/3.0'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/v4_6_release/apis/3.0'],
    ['http://localhost:9000/v4_6_release/apis/3.0', 'http://localhost:9000/v4_6_release/apis/3.0'],
    ['http://[::1]:9000', 'http://[::1]:9000/v4_6_release/apis/3.0'],
    ['staging.connectwisedev.com', 'https://api-staging.connectwisedev.com/v4_6_release/apis/3.0'],
    // No such cloud site: an on-premises-style host, kept as given.
    ['staging.myconnectwise.net', 'https://staging.myconnectwise.net/v4_6_release/apis/3.0'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeApiUrl(input)).toBe(expected);
  });

  it.each(['http://api-na.myconnectwise.net/v4_6_release/apis/3.0', 'http://10.0.0.5', 'ftp://cw.example.com'])('refuses %s', (input) => {
    expect(() => normalizeApiUrl(input)).toThrow();
  });

  it('turns plain http to a remote host into CW17', () => {
    const found = problems({ apiUrl: 'http://na.myconnectwise.net' }, secrets);
    expect(found.map((p) => p.code)).toEqual(['CW17']);
    expect(found[0]!.message).toContain('plain http is refused');
  });
});

describe('lenient JSON', () => {
  it('takes trailing commas in objects and arrays', () => {
    expect(parseLenientJson('{"a":[1,2,],"b":{"c":true,},}')).toEqual({ a: [1, 2], b: { c: true } });
  });
  it.each([
    ['{"a": 1,,}', 1, 9],
    ['{\n "a": tru\n}', 2, 7],
    ['[1, 2', 1, 6],
    ['{"a": "b"} x', 1, 12],
  ])('%j fails at line %i column %i', (text, line, column) => {
    try {
      parseLenientJson(text);
      throw new Error('should have failed');
    } catch (error) {
      expect(error).toBeInstanceOf(JsonSyntaxError);
      expect([(error as JsonSyntaxError).line, (error as JsonSyntaxError).column]).toEqual([line, column]);
    }
  });
  it('agrees with JSON.parse on valid JSON', () => {
    const value = { s: 'a"b\\c\u00e9\n', n: -1.5e3, t: true, f: false, z: null, a: [{}, []] };
    expect(parseLenientJson(JSON.stringify(value, null, 2))).toEqual(value);
  });
});

describe('the task validating a job form (BillingTask.validate, no I/O)', () => {
  it('one entry per problem: level and text from the catalog, the hint after it, the field in its data; a secret never echoed', () => {
    const task = new BillingTask();
    expect(task.validate(parameters, secrets)).toEqual([]);
    const entries = task.validate(parameters, { ...secrets, ClientId: 'privkey456-not-a-guid' });
    expect(entries).toEqual([
      {
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: logCode('CW18').level,
        code: 'CW18',
        message: expect.stringMatching(/^.*ClientId.* \(.+\)$/),
        data: { field: 'ClientId' },
      },
    ]);
    expect(entries[0]!.message.startsWith(formatMessage('CW18', { field: 'ClientId' }))).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('privkey456');
  });
});
