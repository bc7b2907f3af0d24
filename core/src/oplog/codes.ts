/** VTEX's log statuses (external-marketplace "Catalog logs"). */
export const LOG_STATUSES = ['Success', 'Error', 'Alert', 'Pending'] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

/** The outcome codes of VTEX's "content of the messages" table. */
export type OutcomeCode = 'S1' | 'A1' | 'A2' | 'A3' | 'E1' | 'E2' | 'E3' | 'E4' | 'E5';

export const OUTCOME_CODES: Record<OutcomeCode, { status: LogStatus; http: number; meaning: string }> = {
  S1: { status: 'Success', http: 201, meaning: 'created / updated on the marketplace' },
  A1: { status: 'Alert', http: 400, meaning: 'SKU missing from the simulation' },
  A2: { status: 'Alert', http: 400, meaning: 'SKU inactive' },
  A3: { status: 'Alert', http: 200, meaning: 'a default value was used (field empty in VTEX)' },
  E1: { status: 'Error', http: 400, meaning: 'transformation errors (all listed at once)' },
  E2: { status: 'Error', http: 500, meaning: 'marketplace unavailable' },
  E3: { status: 'Error', http: 400, meaning: 'marketplace rejected the data' },
  E4: { status: 'Error', http: 400, meaning: 'category mapping missing' },
  E5: { status: 'Error', http: 500, meaning: 'mapper unavailable' },
};

/** The `Operation` column, in the words of VTEX's guide ("Catalog change, Offer creation, Price update, Inventory update…"). */
export const Operations = {
  notification: 'Notification',
  catalogChange: 'Catalog change',
  offerCreation: 'Offer creation',
  offerUpdate: 'Offer update',
  offerDeactivation: 'Offer deactivation',
  offerDeletion: 'Offer deletion',
} as const;

export const direction = (marketplace: string) => `VTEX to ${marketplace}`;
