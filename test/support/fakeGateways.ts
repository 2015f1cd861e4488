import type {
  AdditionSummary,
  AgreementSummary,
  CatalogItemSummary,
  ConnectWiseGateway,
  Lookup,
  NewAddition,
} from '../../src/gateways/connectwise/ConnectWiseGateway.js';
import type { AtriaGateway, AtriaRow, BillingPeriod } from '../../src/gateways/atria/AtriaGateway.js';
import { emptyStats, type RequestStats } from '../../src/gateways/connectwise/requestStats.js';
import { ConnectWiseError } from '../../src/gateways/connectwise/errors.js';
import type { CwState } from '../../scripts/sandbox/cwState.js';

/**
 * An in-memory ConnectWiseGateway over the same state shape the sandbox serves: stage tests run
 * without HTTP, and every call is counted by method so tests can assert the request plan.
 */
export class FakeConnectWise implements ConnectWiseGateway {
  readonly stats: RequestStats = emptyStats();
  readonly calls: Record<string, number> = {};
  failAdditionsFor = new Set<number>();
  unreadableAdditionsFor = new Set<number>();
  private nextId = 90000;

  constructor(readonly state: CwState) {}

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    this.stats.requests++;
  }

  async findAgreementType(name: string) {
    this.count('findAgreementType');
    return this.state.agreementTypes.find((t) => t.name.toLowerCase() === name.toLowerCase());
  }

  async listAgreementTypeNames(): Promise<string[]> {
    this.count('listAgreementTypeNames');
    return this.state.agreementTypes.map((t) => t.name);
  }

  async listAgreements(typeName: string, identifiers: readonly string[]): Promise<Lookup<AgreementSummary>> {
    this.count('listAgreements');
    const wanted = new Set(identifiers.map((i) => i.toLowerCase()));
    const found = this.state.agreements
      .filter(
        (a) =>
          a.type.name?.toLowerCase() === typeName.toLowerCase() &&
          !a.cancelledFlag &&
          wanted.has(String(a.company.identifier).toLowerCase()),
      )
      .map((a) => ({
        id: a.id,
        name: a.name,
        companyIdentifier: String(a.company.identifier),
        companyName: String(a.company.name ?? ''),
        cancelledFlag: a.cancelledFlag,
        agreementStatus: a.agreementStatus,
        billStartDate: a.billStartDate,
        startDate: a.startDate,
        currency: a.currency?.currencyCode,
      }));
    return { found, refused: [] };
  }

  async findCatalogItems(identifiers: readonly string[]): Promise<Lookup<CatalogItemSummary>> {
    this.count('findCatalogItems');
    const wanted = new Set(identifiers.map((i) => i.toLowerCase()));
    const found = this.state.catalog
      .filter((c) => !c.inactiveFlag && wanted.has(c.identifier.toLowerCase()))
      .map((c) => ({ id: c.id, identifier: c.identifier, description: c.description, price: c.price }));
    return { found, refused: [] };
  }

  async listAdditions(agreementId: number): Promise<AdditionSummary[]> {
    this.count('listAdditions');
    if (this.failAdditionsFor.has(agreementId)) throw new Error(`additions of ${agreementId} unavailable`);
    if (this.unreadableAdditionsFor.has(agreementId))
      throw new ConnectWiseError(
        'unreadable',
        'GET',
        `/finance/agreements/${agreementId}/additions`,
        'the response body is not valid JSON',
      );
    return this.state.additions
      .filter((a) => a.agreementId === agreementId)
      .map((a) => ({
        id: a.id,
        productId: a.product.id,
        productIdentifier: a.product.identifier,
        quantity: a.quantity,
        description: a.description ?? '',
        cancelledDate: a.cancelledDate,
        billCustomer: a.billCustomer,
        unitPrice: a.unitPrice,
      }));
  }

  async serverVersion(): Promise<string | undefined> {
    return 'v2025.8.1';
  }

  async settleLostWrites(): Promise<void> {
    // In memory nothing lands late.
  }

  async updateAdditionQuantity(agreementId: number, additionId: number, quantity: number): Promise<void> {
    this.count('updateAdditionQuantity');
    const addition = this.state.additions.find((a) => a.id === additionId && a.agreementId === agreementId);
    if (!addition) throw new Error(`no addition ${additionId}`);
    addition.quantity = quantity;
  }

  async createAddition(agreementId: number, addition: NewAddition): Promise<AdditionSummary> {
    this.count('createAddition');
    const product = this.state.catalog.find((c) => c.id === addition.productId)!;
    const created = {
      id: this.nextId++,
      agreementId,
      product: { id: product.id, identifier: product.identifier },
      quantity: addition.quantity,
      billCustomer: 'Billable' as const,
      description: addition.description,
      effectiveDate: addition.effectiveDate,
    };
    this.state.additions.push(created);
    return {
      id: created.id,
      productId: product.id,
      productIdentifier: product.identifier,
      quantity: addition.quantity,
      description: addition.description,
      unitPrice: product.price ?? 0,
    };
  }
}

export class FakeAtria implements AtriaGateway {
  constructor(
    readonly periods: BillingPeriod[],
    readonly rows: Record<string, AtriaRow[]>,
  ) {}
  async listPeriods(): Promise<BillingPeriod[]> {
    return this.periods;
  }
  async fetchRows(period: BillingPeriod): Promise<AtriaRow[]> {
    return this.rows[period.endDate] ?? [];
  }
}
