import type { AtriaApiRow, AtriaData, AtriaPeriod } from './atriaServer.js';
import type { SandboxCredentials } from './connectwiseServer.js';
import { activeAdditionLines, type CwAddition, type CwState, emptyState } from './cwState.js';
import { seededRandom } from './random.js';

export interface DatasetShares {
  /** Per line: quantity changed since ConnectWise was last updated. */
  changed: number;
  /** Per line: service removed (this month 0, last month > 0). */
  removed: number;
  /** Per line: new service with no addition yet. */
  added: number;
  /** Per line: SKU not in the ConnectWise catalog. */
  unknownProduct: number;
  /** Per line: no SKU in Atria. */
  missingSku: number;
  /** Per customer: no Billing Identifier in Atria. */
  missingIdentifier: number;
  /** Per customer: no agreement of the type in ConnectWise. */
  noAgreement: number;
  /** Per line: reported as two rows (summary groupings) to be summed. */
  splitRows: number;
}

export const DEFAULT_SHARES: DatasetShares = {
  changed: 0.1,
  removed: 0.03,
  added: 0.03,
  unknownProduct: 0.01,
  missingSku: 0.01,
  missingIdentifier: 0.01,
  noAgreement: 0.01,
  splitRows: 0.05,
};

export interface DatasetOptions {
  customers: number;
  skusPerCustomer: number;
  seed?: number;
  /** The run's clock: the period containing it is Open, the three before it Closed; rows are for the latest closed one. */
  now: Date;
  shares?: Partial<DatasetShares>;
}

export interface DatasetSummary {
  customers: number;
  lines: number;
  unchanged: number;
  updates: number;
  zeroes: number;
  creates: number;
  missingIdentifier: number;
  missingSku: number;
  unknownProduct: number;
  noAgreement: number;
  /** Agreements with at least one line to reconcile: the minimum number of additions reads. */
  agreementsWithData: number;
  /** Agreements that get a new addition: each is read once more to verify no duplicate (spec 6.8). */
  agreementsWithCreates: number;
}

/** A summary with every count at 0 but the customers and Atria lines given. */
export const emptySummary = (customers: number, lines: number): DatasetSummary => ({
  customers,
  lines,
  unchanged: 0,
  updates: 0,
  zeroes: 0,
  creates: 0,
  missingIdentifier: 0,
  missingSku: 0,
  unknownProduct: 0,
  noAgreement: 0,
  agreementsWithData: 0,
  agreementsWithCreates: 0,
});

export interface Dataset {
  credentials: SandboxCredentials;
  atriaToken: string;
  agreementType: string;
  state: CwState;
  atria: AtriaData;
  period: AtriaPeriod;
  /** Active additions after a correct run (AllowAtriaCreateAdditions true, either RemovalScope). */
  expected: string[];
  summary: DatasetSummary;
}

export const SANDBOX_CREDENTIALS: SandboxCredentials = {
  companyName: 'sandboxmsp',
  publicKey: 'PubKeySandbox01',
  privateKey: 'PrivKeySandbox01',
  clientId: '5c4a7c59-1d8e-4a52-9a0c-6f1e2d3b4a5c',
};
export const SANDBOX_ATRIA_TOKEN = 'atria-sandbox-token-0001';
export const AGREEMENT_TYPE = 'Hosting and Cloud Services';

const day = (date: Date): string => date.toISOString().slice(0, 10);

/** The generated agreements start billing long before any generated period. */
const AGREEMENTS_START = '2024-01-01T00:00:00Z';

/** Monthly periods starting on the 26th, as in the vendor's example. */
export function periodsAround(now: Date): AtriaPeriod[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const startMonth = now.getUTCDate() >= 26 ? m : m - 1;
  const periods: AtriaPeriod[] = [];
  for (let back = 3; back >= 0; back--) {
    const start = new Date(Date.UTC(y, startMonth - back, 26));
    const end = new Date(Date.UTC(y, startMonth - back + 1, 25));
    periods.push({ startDate: day(start), endDate: day(end), status: back === 0 ? 'Open' : 'Closed' });
  }
  return periods;
}

/**
 * Deterministic ConnectWise and Atria data with a known mix of changes and data problems, and the
 * ConnectWise end state a correct reconciliation must reach, computed from the same draw.
 */
export function generateDataset(options: DatasetOptions): Dataset {
  const shares = { ...DEFAULT_SHARES, ...options.shares };
  const random = seededRandom(options.seed ?? 42);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const state = emptyState();
  const periods = periodsAround(options.now);
  const period = periods[periods.length - 2]!;
  const rows: AtriaApiRow[] = [];
  const summary = emptySummary(options.customers, 0);

  state.agreementTypes.push({ id: 1, name: AGREEMENT_TYPE }, { id: 2, name: 'Managed Services' }, { id: 3, name: 'Block Time' });
  const poolSize = Math.max(options.skusPerCustomer + 10, 40);
  for (let i = 1; i <= poolSize; i++) {
    state.catalog.push(catalogItem(5000 + i, `CLOUD-${String(i).padStart(4, '0')}`, `Cloud service ${i}`, false));
  }
  for (let i = 1; i <= 5; i++) state.catalog.push(catalogItem(6000 + i, `LABOR-${i}`, `Labour block ${i}`, false));
  state.catalog.push(catalogItem(6100, 'RETIRED-1', 'Retired service', true));

  const mappedCodes = new Set<string>();
  let agreementId = 1000;
  let additionId = 1;
  const expectedChanges = new Map<number, number>(); // addition id → new quantity
  const created: CwAddition[] = [];
  const addAddition = (agreement: number, sku: string, quantity: number, extra: Partial<CwAddition> = {}): CwAddition => {
    const item = state.catalog.find((c) => c.identifier === sku)!;
    const addition: CwAddition = {
      id: additionId++,
      agreementId: agreement,
      product: { id: item.id, identifier: item.identifier, description: item.description },
      quantity,
      billCustomer: 'Billable',
      effectiveDate: `${period!.startDate}T00:00:00Z`,
      description: item.description,
      // ConnectWise sets an addition's unit price from the catalog price when it is made.
      unitPrice: item.price,
      ...extra,
    };
    state.additions.push(addition);
    return addition;
  };

  for (let c = 1; c <= options.customers; c++) {
    const code = `C${String(c).padStart(5, '0')}`;
    const identifier = `CUST${String(c).padStart(5, '0')}`;
    const name = `Customer ${c} Ltd`;
    state.companies.push({ id: c, identifier, name });
    const missingIdentifier = random() < shares.missingIdentifier;
    const noAgreement = !missingIdentifier && random() < shares.noAgreement;
    if (missingIdentifier) summary.missingIdentifier++;
    if (noAgreement) summary.noAgreement++;
    const company = { id: c, identifier, name };
    let agreement: number | undefined;
    if (!noAgreement) {
      agreement = ++agreementId;
      // Every 7th agreement runs to a fixed end date; the others have none.
      const ending = c % 7 === 0 ? { endDate: '2027-12-31T00:00:00Z', noEndingDateFlag: false } : { noEndingDateFlag: true };
      state.agreements.push({
        id: agreement,
        name: `${name} cloud`,
        type: { id: 1, name: AGREEMENT_TYPE },
        company,
        contact: { id: 1, name: 'Billing Contact' },
        cancelledFlag: false,
        agreementStatus: 'Active',
        startDate: AGREEMENTS_START,
        billStartDate: AGREEMENTS_START,
        currency: USD,
        ...ending,
      });
    } else {
      state.agreements.push({
        id: ++agreementId,
        name: `${name} managed`,
        type: { id: 2, name: 'Managed Services' },
        company,
        contact: { id: 1, name: 'Billing Contact' },
        cancelledFlag: false,
        agreementStatus: 'Active',
      });
    }
    if (random() < 0.02) {
      state.agreements.push({
        id: ++agreementId,
        name: `${name} old cloud`,
        type: { id: 1, name: AGREEMENT_TYPE },
        company,
        contact: { id: 1, name: 'Billing Contact' },
        cancelledFlag: true,
        agreementStatus: 'Cancelled',
      });
    }
    const mapped = agreement !== undefined && !missingIdentifier;
    if (mapped) {
      summary.agreementsWithData++;
      mappedCodes.add(code);
    }

    const skus = shuffle(
      state.catalog.filter((i) => i.identifier.startsWith('CLOUD-')).map((i) => i.identifier),
      random,
    ).slice(0, options.skusPerCustomer);
    for (const [j, sku] of skus.entries()) {
      summary.lines++;
      const r = random();
      const old = int(1, 40);
      let thisMonth = old;
      let lastMonth = old;
      let rowSku = sku;
      let kind: 'unchanged' | 'changed' | 'removed' | 'added' | 'unknown' | 'noSku';
      let t = shares.changed;
      if (r < t) kind = 'changed';
      else if (r < (t += shares.removed)) kind = 'removed';
      else if (r < (t += shares.added)) kind = 'added';
      else if (r < (t += shares.unknownProduct)) kind = 'unknown';
      else if (r < (t += shares.missingSku)) kind = 'noSku';
      else kind = 'unchanged';

      if (kind === 'changed') thisMonth = old + (random() < 0.5 && old > 1 ? -int(1, old - 1) : int(1, 10));
      if (kind === 'removed') thisMonth = 0;
      if (kind === 'added') lastMonth = 0;
      if (kind === 'unknown') rowSku = `NOPE-${c}-${j}`;
      if (kind === 'noSku') rowSku = '';

      // Some customers get a unit free on their first service: a NoCharge (every 13th) or DoNotBill (every 17th)
      // line beside the Billable one, which then holds one unit less (spec 6.4). Chosen without a random
      // draw, so every other line of a seed stays what it was.
      const freeKind =
        j === 0 && old > 1 && (kind === 'unchanged' || kind === 'removed')
          ? c % 13 === 0
            ? 'NoCharge'
            : c % 17 === 0
              ? 'DoNotBill'
              : undefined
          : undefined;
      if (agreement !== undefined && (kind === 'unchanged' || kind === 'changed' || kind === 'removed')) {
        const addition = addAddition(agreement, sku, freeKind ? old - 1 : old, c % 11 === 0 ? { lessIncluded: 1 } : {});
        if (freeKind) addAddition(agreement, sku, 1, { billCustomer: freeKind, description: `${sku} (free unit)` });
        if (mapped && kind !== 'unchanged') expectedChanges.set(addition.id, thisMonth);
        if (random() < 0.03) addAddition(agreement, sku, int(1, 9), { cancelledDate: `${period!.startDate}T00:00:00Z` });
      }
      if (mapped) {
        if (kind === 'unchanged') summary.unchanged++;
        if (kind === 'changed') summary.updates++;
        if (kind === 'removed') summary.zeroes++;
        if (kind === 'added') {
          summary.creates++;
          const item = state.catalog.find((i) => i.identifier === sku)!;
          created.push({
            id: 0,
            agreementId: agreement!,
            product: { id: item.id, identifier: sku },
            quantity: thisMonth,
            billCustomer: 'Billable',
          });
        }
        if (kind === 'unknown') summary.unknownProduct++;
      }

      const grouping = `Cloud service ${sku.slice(6)} licences`;
      const base = { customerCode: code, customerName: name, customerAccountCode: missingIdentifier ? '' : identifier, productSku: rowSku };
      if (random() < shares.splitRows && thisMonth > 1 && lastMonth > 1) {
        const thisA = int(1, thisMonth - 1);
        const lastA = Math.min(lastMonth - 1, thisA);
        rows.push({ ...base, summaryGrouping: `${grouping} - Users`, lastMonthCount: lastA, thisMonthCount: thisA, resultCount: 0 });
        rows.push({
          ...base,
          summaryGrouping: `${grouping} - Admins`,
          lastMonthCount: lastMonth - lastA,
          thisMonthCount: thisMonth - thisA,
          resultCount: 0,
        });
      } else {
        rows.push({ ...base, summaryGrouping: grouping, lastMonthCount: lastMonth, thisMonthCount: thisMonth, resultCount: 0 });
      }
    }
    if (agreement !== undefined && random() < 0.2) addAddition(agreement, `LABOR-${int(1, 5)}`, int(1, 20));
  }
  for (const row of rows) row.resultCount = rows.length;
  // CW05 is reported per Atria row (a row without SKU cannot be grouped), so it is counted in rows.
  summary.missingSku = rows.filter((r) => r.productSku === '' && mappedCodes.has(r.customerCode)).length;

  summary.agreementsWithCreates = new Set(created.map((a) => a.agreementId)).size;
  const expectedState: CwState = {
    ...state,
    additions: state.additions.map((a) => ({ ...a, quantity: expectedChanges.get(a.id) ?? a.quantity })).concat(created),
  };
  return {
    credentials: SANDBOX_CREDENTIALS,
    atriaToken: SANDBOX_ATRIA_TOKEN,
    agreementType: AGREEMENT_TYPE,
    state,
    atria: { periods, rows: { [period!.endDate]: rows } },
    period,
    expected: activeAdditionLines(expectedState, period!.startDate),
    summary,
  };
}

const USD = { id: 1, currencyCode: 'USD', name: 'US Dollar' };

function catalogItem(id: number, identifier: string, description: string, inactiveFlag: boolean) {
  return {
    id,
    identifier,
    description,
    inactiveFlag,
    subcategory: { id: 1, name: 'Cloud' },
    type: { id: 1, name: 'Service' },
    customerDescription: description,
    price: 5 + (id % 20),
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
