/**
 * Amazon's issues (Listings Items answers and processing-report entries) worded for the seller: Amazon's own message
 * and code, and where in VTEX the attribute it names comes from.
 */
import type { AmazonIssue } from './sp-api.js';

/** Amazon attribute → where the seller fixes it in VTEX (the mapping table's "How to fill it"). */
const WHERE: Record<string, string> = {
  item_name: 'the product and SKU name (Catalog > Products and SKUs)',
  brand: 'the brand (Catalog > Brands)',
  condition_type: 'the integration setting conditionType',
  product_description: 'the product description (Catalog > Products and SKUs)',
  externally_assigned_product_identifier: 'the EAN (Catalog > SKU > EAN/UPC)',
  part_number: 'the manufacturer code or reference id (Catalog > SKU)',
  main_product_image_locator: 'the SKU images (Catalog > SKU > Images)',
  item_package_weight: 'the SKU weight (Catalog > SKU > dimensions)',
  item_package_dimensions: 'the SKU dimensions (Catalog > SKU > dimensions)',
  purchasable_offer: "the SKU's price in the trade policy (Prices)",
  list_price: "the SKU's list price in the trade policy (Prices)",
  fulfillment_availability: "the SKU's stock (Inventory)",
};

function where(attribute: string | undefined): string | undefined {
  if (!attribute) return undefined;
  const base = attribute.split('.')[0]!;
  if (WHERE[base]) return WHERE[base];
  if (base.startsWith('other_product_image_locator_')) return WHERE.main_product_image_locator;
  return `the SKU specification mapped to "${base}" (integration setting specificationAttributes), or the product type in the category mapping`;
}

/** One issue for the seller: `Amazon: <message> (code 90220; fix in VTEX: the brand (Catalog > Brands))`. */
export function describeIssue(issue: AmazonIssue): string {
  const attribute = issue.attributeName ?? issue.attributeNames?.[0];
  const fix = where(attribute);
  return `${issue.message.trim()} (Amazon code ${issue.code}${fix ? `; in VTEX: ${fix}` : ''})`;
}

/** The ERROR issues of one listing, every one of them, as one message. */
export function describeIssues(issues: readonly AmazonIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'ERROR');
  return `Amazon refused the listing: ${errors.map(describeIssue).join('; ')}`;
}

/** The message of a whole feed Amazon could not process (FATAL), shown on every item of the lot. */
export function describeFatal(feedId: string, issues: readonly AmazonIssue[], max = 5): string {
  const messages = [...new Set(issues.map((i) => i.message.trim()))];
  const shown = messages.slice(0, max).join('; ');
  const more = messages.length > max ? ` … and ${messages.length - max} more` : '';
  return `Amazon could not process feed ${feedId} (FATAL), nothing in it was applied: ${shown || 'no reason given'}${more}`;
}
