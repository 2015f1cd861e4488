import { activeAdditionLines } from '../../scripts/sandbox/cwState.js';
import { entriesWith, startScenario } from '../support/harness.js';
import { runWorld, World } from '../support/world.js';

describe('a whole run against generated data', () => {
  it('300 customers: one run reaches the expected end state exactly; a second run writes nothing', async () => {
    const scenario = await startScenario({ customers: 300, skusPerCustomer: 8, seed: 300 });
    try {
      const { summary } = scenario.dataset;
      expect(summary.updates + summary.zeroes + summary.creates).toBeGreaterThan(300);
      const first = await scenario.run({ logLevel: 'Info' });
      expect(first.result.status).toBe('CompletedWithWarnings');
      expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(
        scenario.dataset.expected,
      );
      const applied = (action: string) => first.result.plan.filter((p) => p.action === action && p.outcome === 'applied').length;
      expect([applied('update'), applied('zero'), applied('create')]).toEqual([summary.updates, summary.zeroes, summary.creates]);
      expect(entriesWith(first.entries, 'CW04')).toHaveLength(summary.missingIdentifier);
      expect(entriesWith(first.entries, 'CW05')).toHaveLength(summary.missingSku);
      expect(entriesWith(first.entries, 'CW06')).toHaveLength(summary.unknownProduct);
      expect(entriesWith(first.entries, 'CW14')).toHaveLength(summary.noAgreement);

      scenario.sandboxes.connectWise.resetRequests();
      const second = await scenario.run({ logLevel: 'Info' });
      const kinds = scenario.sandboxes.connectWise.counts().byKind;
      expect(Object.keys(kinds).filter((k) => !k.startsWith('GET'))).toEqual([]);
      expect(second.result.plan).toEqual([]);
      expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(
        scenario.dataset.expected,
      );
    } finally {
      await scenario.close();
    }
  });

  it('a dry run makes no write, and its plan equals what the real run then does', async () => {
    const scenario = await startScenario({ customers: 80, skusPerCustomer: 6, seed: 8 });
    try {
      const before = activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate);
      const dry = await scenario.run({ parameters: { DryRun: true } });
      expect(scenario.sandboxes.connectWise.counts().writes).toBe(0);
      expect(scenario.sandboxes.connectWise.requests.every((r) => r.method === 'GET')).toBe(true);
      expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(before);
      const writes = dry.entries.filter((e) => ['CW07', 'CW08', 'CW20'].includes(e.code));
      expect(writes.length).toBe(dry.result.plan.length);
      expect(writes.every((e) => e.message.startsWith('[DryRun] '))).toBe(true);

      const real = await scenario.run();
      // The same lines, now applied; a created line names the addition ConnectWise made (what a revert undoes).
      expect(real.result.plan.map((p) => ({ ...p, outcome: 'planned', additionId: p.action === 'create' ? null : p.additionId }))).toEqual(
        dry.result.plan,
      );
      expect(real.result.plan.filter((p) => p.action === 'create').every((p) => typeof p.additionId === 'number')).toBe(true);
      const realWrites = real.entries.filter((e) => ['CW07', 'CW08', 'CW20'].includes(e.code));
      const strip = (es: typeof writes) => es.map((e) => `${e.code} ${e.message.replace('[DryRun] ', '')}`).sort();
      expect(strip(realWrites)).toEqual(strip(writes));
      expect(activeAdditionLines(scenario.sandboxes.connectWise.state, scenario.dataset.period.startDate)).toEqual(
        scenario.dataset.expected,
      );
    } finally {
      await scenario.close();
    }
  });
});

describe('the safety guard (6.6)', () => {
  const build = () => {
    const w = new World();
    const additions: number[] = [];
    for (let c = 0; c < 10; c++) {
      const agreement = w.agreement(`CO${c}`);
      additions.push(w.addition(agreement, 'A1', 4));
      // 8 of 10 customers report the service removed: 80% of the matched additions would be zeroed.
      w.row(`C${c}`, `CO${c}`, 'A1', c < 8 ? 0 : 5, 4);
    }
    return { w, additions };
  };

  it('a plan zeroing 80% writes nothing and logs CW27 with the figures; Failed', async () => {
    const { w, additions } = build();
    const { result, entries, writes } = await runWorld(w);
    expect(writes).toBe(0);
    expect(additions.map((a) => w.quantityOf(a))).toEqual(Array(10).fill(4));
    const [guard] = entriesWith(entries, 'CW27');
    expect(guard).toMatchObject({
      level: 'Error',
      message: 'Safety guard: the plan would zero 8 of 10 matched additions (80.0%), above MaxZeroedPercent 25%. Nothing was written.',
    });
    expect(entries.map((e) => e.code).slice(-2)).toEqual(['CW27', 'CW23']);
    expect(result.status).toBe('Failed');
    expect(result.plan.filter((p) => p.action === 'zero' && p.outcome === 'planned')).toHaveLength(8);
  });

  it('raising MaxZeroedPercent lets the same plan through', async () => {
    const { w, additions } = build();
    const { result, writes } = await runWorld(w, { parameters: { MaxZeroedPercent: 80 } });
    expect(result.status).toBe('Success');
    expect(writes).toBe(10); // 8 zeroed, 2 updated from 4 to 5
    expect(additions.map((a) => w.quantityOf(a))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 5, 5]);
  });
});
