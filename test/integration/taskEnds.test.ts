import { container } from 'tsyringe';
import type { LogEntry } from '../../src/host/api.js';
import { RUN_LOCK, type LockOutcome, type RunLock } from '../../src/task/runLock.js';
import { BillingTask, type BillingTaskResult } from '../../src/task/billingTask.js';
import { ATRIA_GATEWAY_FACTORY } from '../../src/task/tokens.js';
import { startSandboxes } from '../../scripts/sandbox/sandboxes.js';
import { runContextFor, type RunOptions } from '../support/harness.js';
import { World } from '../support/world.js';

/**
 * How the task begins and ends (BillingTask.run and check, in process over HTTP against the sandbox):
 * the connection test's answer, CW23's counts, a configuration that stops the run, another run
 * holding the company's lock (CW30), an unexpected defect, and what a host registers in the parent
 * container (a lock, Atria's gateway) being used rather than the defaults.
 */
function world() {
  const w = new World();
  const acme = w.agreement('ACME');
  w.addition(acme, 'A1', 3);
  w.row('AC', 'ACME', 'A1', 5);
  return w;
}

/** A task in a bare container (no test tuning: the defaults serve), run against the world's sandboxes. */
async function withTask<T>(
  w: World,
  act: (task: BillingTask, context: (options?: RunOptions) => ReturnType<typeof runContextFor>, entries: LogEntry[]) => Promise<T>,
  register: (parent: ReturnType<typeof container.createChildContainer>) => void = () => undefined,
): Promise<{ outcome: T; entries: LogEntry[]; writes: number }> {
  const dataset = w.dataset();
  const sandboxes = await startSandboxes(dataset);
  try {
    const parent = container.createChildContainer();
    register(parent);
    const entries: LogEntry[] = [];
    const outcome = await act(new BillingTask(parent), (options = {}) => runContextFor(sandboxes, dataset, options, entries), entries);
    return { outcome, entries, writes: sandboxes.connectWise.counts().writes };
  } finally {
    await sandboxes.close();
  }
}

describe('the connection test (check)', () => {
  it('answers ok with the period it resolved and no run entries; a missing agreement type is Failed with CW21 counted', async () => {
    const w = world();
    const { outcome, entries, writes } = await withTask(w, async (task, context) => [
      await task.check(context()),
      await task.check(context({ parameters: { AgreementType: 'No Such Type' } })),
      await task.check(context({ parameters: { MaxConcurrency: 'six' } })),
    ]);
    const [ok, missingType, invalid] = outcome;
    expect(ok).toEqual({ ok: true, status: 'Success', counts: {}, period: { ...w.period, status: 'Closed' } });
    expect(missingType).toEqual({ ok: false, status: 'Failed', counts: { CW21: 1 }, period: undefined });
    expect(invalid).toEqual({ ok: false, status: 'Failed', counts: { CW17: 1 }, period: undefined });
    expect(entries.map((e) => e.code)).toEqual(['CW21', 'CW17']);
    expect(writes).toBe(0);
  });
});

describe('how a run ends', () => {
  it("CW23 closes every run with the run's counts, itself included; the result carries the same counts", async () => {
    const { outcome: result, entries } = await withTask(world(), (task, context) => task.run(context()));
    expect(result.status).toBe('Success');
    expect(result.counts.CW23).toBe(1);
    const last = entries.at(-1)!;
    expect([last.code, last.data]).toEqual(['CW23', { counts: result.counts }]);
    expect(result.counts).toEqual(entries.reduce<Record<string, number>>((c, e) => ({ ...c, [e.code]: (c[e.code] ?? 0) + 1 }), {}));
  });

  it('a configuration that cannot serve stops the run before any request: Failed, no plan, CW23 after the problem', async () => {
    const {
      outcome: result,
      entries,
      writes,
    } = await withTask(world(), (task, context) => task.run(context({ parameters: { MaxConcurrency: 'six' } })));
    expect([result.status, result.plan, writes]).toEqual(['Failed', [], 0]);
    expect(entries.map((e) => e.code)).toEqual(['CW17', 'CW23']);
    expect(result.counts).toEqual({ CW17: 1, CW23: 1 });
  });

  it('an unexpected defect fails the run with its reason in CW23 (a host-registered Atria gateway is the one used)', async () => {
    const broken = {
      listPeriods: async () => {
        throw new TypeError('periods is not iterable');
      },
      fetchRows: async () => [],
    };
    const {
      outcome: result,
      entries,
      writes,
    } = await withTask(
      world(),
      (task, context) => task.run(context()),
      (parent) => parent.register(ATRIA_GATEWAY_FACTORY, { useValue: () => broken }),
    );
    expect([result.status, writes]).toEqual(['Failed', 0]);
    expect(entries.map((e) => e.code)).toEqual(['CW23']);
    expect(entries[0]!.data).toEqual({ counts: { CW23: 1 }, error: expect.stringContaining('periods is not iterable') });
  });

  it('another run holding the company: CW30 naming it, nothing read or written; a dry run needs no lock and goes on', async () => {
    const holder = {
      pid: 4242,
      startTime: '1',
      hostname: 'billing-2',
      runId: 'run-7',
      jobName: 'Monthly',
      since: '2026-11-26T21:00:00.000Z',
    };
    const asked: string[] = [];
    const held: RunLock = {
      acquire: async (company): Promise<LockOutcome> => {
        asked.push(company.companyName);
        return { acquired: false, holder };
      },
    };
    const w = world();
    const { outcome, entries, writes } = await withTask(
      w,
      async (task, context) => [await task.run(context()), await task.run(context({ parameters: { DryRun: true } }))],
      (parent) => parent.register(RUN_LOCK, { useValue: held }),
    );
    const [locked, dry] = outcome as [BillingTaskResult, BillingTaskResult];
    expect([locked.status, locked.plan, writes]).toEqual(['Failed', [], 0]);
    expect(asked).toEqual([w.dataset().credentials.companyName]);
    const cw30 = entries.find((e) => e.code === 'CW30')!;
    expect(cw30.message).toContain("run run-7 of job 'Monthly', process 4242 on billing-2, since 2026-11-26T21:00:00.000Z");
    expect(entries.slice(0, 2).map((e) => e.code)).toEqual(['CW30', 'CW23']);
    expect(dry.status).not.toBe('Failed');
    expect(dry.plan.map((p) => [p.sku, p.outcome])).toEqual([['A1', 'planned']]);
  });
});
