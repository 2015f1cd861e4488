import { ConfigurationValidator } from '../../src/config/validateConfiguration.js';
import { entriesWith } from '../support/harness.js';
import { runWorld, World } from '../support/world.js';

describe('hostile Atria rows: clear coded entries, no crash, nothing written from a bad row', () => {
  it('huge strings, control characters, both quote kinds, duplicates, bad counts and unknown fields', async () => {
    const w = new World();
    const good = w.agreement('GOOD');
    const goodA1 = w.addition(good, 'A1', 1);
    const quotes = w.agreement(`O'Brien "Ltd"`);
    const quotesA1 = w.addition(quotes, 'A1', 1);
    const single = w.agreement(`O'Neil`);
    const singleA1 = w.addition(single, 'A1', 1);
    const huge = 'x'.repeat(100_000);
    w.row('GD', 'GOOD', 'A1', 2, 1, 'Users').row('GD', 'GOOD', 'A1', 2, 1, 'Users'); // rows identical in every column: a broken export (CW28)
    w.row('GD', 'GOOD', 'B2"\'', 3, 0); // SKU with both quote kinds: cannot be queried, so not found
    w.row('GD', 'GOOD', `C3\u0000\u0007`, 3, 0); // control characters in a SKU
    w.row('QQ', `O'Brien "Ltd"`, 'A1', 5); // identifier with both quote kinds
    w.row('ON', `O'Neil`, 'A1', 6); // one quote kind is fine
    w.row('HG', huge, 'A1', 4); // a 100,000-character identifier
    w.row('HS', 'GOOD', huge, 4); // a 100,000-character SKU
    w.row('UN', '€'.repeat(400), 'A1', 4); // 400 characters, but 3,600 once URL-encoded
    w.row('NG', 'GOOD', 'D4', -3).row('FR', 'GOOD', 'E5', 2.25).row('ST', 'GOOD', 'F6', 'seven').row('NU', 'GOOD', 'G7', null);
    w.rows.forEach((r) => Object.assign(r, { unexpectedField: { nested: [1, 2] }, customerName: r.customerName + '\u202e\t' }));
    const { result, entries } = await runWorld(w, { parameters: { AllowAtriaCreateAdditions: false } });

    expect(result.status).toBe('CompletedWithWarnings');
    expect(w.quantityOf(goodA1)).toBe(1);
    expect(w.quantityOf(singleA1)).toBe(6);
    expect(w.quantityOf(quotesA1)).toBe(1);
    expect(
      entriesWith(entries, 'CW14')
        .map((e) => e.customer)
        .sort(),
    ).toEqual(['HG', 'QQ', 'UN']);
    expect(
      entriesWith(entries, 'CW28')
        .map((e) => e.customer)
        .sort(),
    ).toEqual(['FR', 'GD', 'NG', 'NU', 'ST']);
    expect(
      entriesWith(entries, 'CW06')
        .map((e) => e.sku!.slice(0, 5))
        .sort(),
    ).toEqual(['B2"\'', 'C3\u0000\u0007', 'xxxxx']);
    expect(entries.filter((e) => e.level === 'Error')).toEqual([]);
  });
});

describe('hostile configuration', () => {
  const validator = new ConfigurationValidator();
  const secrets = {
    CompanyName: 'a'.repeat(300),
    PublicKey: 'p\u0000k',
    PrivateKey: 42,
    ClientId: '{5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c}',
  };
  it('wrong types, huge and control-character values each get their coded entry', () => {
    const outcome = validator.validate(
      { apiUrl: 'https://x.example/\u0000', MaxConcurrency: '6', CustomersFilter: 'ASP', extra: true },
      secrets,
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const found = outcome.problems.map((p) => `${p.code} ${p.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'CW18 CompanyName must have a valid value',
        'CW18 PrivateKey must have a valid value',
        'CW18 ClientId must have a valid value',
        'CW17 MaxConcurrency must be a whole number',
        'CW17 CustomersFilter must be a list',
        expect.stringMatching(/^CW17 extra is not a known parameter/),
      ]),
    );
  });
});
