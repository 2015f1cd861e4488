import type { ConnectWiseGateway } from '../gateways/connectwise/ConnectWiseGateway.js';
import { type Catalog, type MappedCustomer, type PendingEntry, skuKey } from './types.js';

/**
 * Finds the catalog product of every SKU that matters (the mapped customers' SKUs, plus every SKU
 * billed this period when those make additions managed) in bulk, and reports lines that cannot be
 * billed: no SKU (CW05), or a SKU with no active catalog item (CW06).
 */
export async function lookupProducts(
  mapped: readonly MappedCustomer[],
  managedSkus: ReadonlyMap<string, string>,
  gateway: ConnectWiseGateway,
): Promise<{ catalog: Catalog; entries: PendingEntry[] }> {
  // Lower case → the SKU as Atria spells it: sent as given, matched case-insensitively.
  const wanted = new Map<string, string>(managedSkus);
  for (const { customer } of mapped) for (const [key, line] of customer.lines) if (!wanted.has(key)) wanted.set(key, line.sku);

  const catalog: Catalog = new Map();
  const { found, refused } = await gateway.findCatalogItems([...wanted.values()]);
  const refusedReasons = new Map(refused.map((r) => [skuKey(r.value), r.reason]));
  for (const item of found) {
    const key = skuKey(item.identifier);
    // Two active items with one identifier: the lowest id wins, as ConnectWise lists them.
    if (wanted.has(key) && (!catalog.has(key) || catalog.get(key)!.id > item.id)) catalog.set(key, item);
  }

  const entries: PendingEntry[] = [];
  for (const { customer } of mapped) {
    for (const grouping of customer.linesWithoutSku) {
      entries.push({
        code: 'CW05',
        params: { customerCode: customer.code, customerName: customer.name, lineDescription: grouping },
        details: { customer: customer.code },
      });
    }
    for (const [key, line] of customer.lines) {
      if (catalog.has(key)) continue;
      const reason = refusedReasons.get(key);
      entries.push({
        code: 'CW06',
        params: { customerCode: customer.code, customerName: customer.name, lineDescription: line.groupings.join('; '), sku: line.sku },
        details: {
          customer: customer.code,
          sku: line.sku,
          suffix: reason && ` The SKU was ${reason}.`,
          data: reason ? { reason } : undefined,
        },
      });
    }
  }
  return { catalog, entries };
}
