/**
 * `@connector/mirakl`: the Mirakl seller (shop) API for Connector plugins — one library for every marketplace that
 * runs on Mirakl (Carrefour, Centauro, …), each on its own instance URL. Plugins import it next to
 * `@connector/core/plugin`; it depends on nothing else of the connector.
 *
 * - `MiraklClient`: P41/P42/P44 product imports, OF01/OF24 offer imports with OF02/OF03, OF21 offers, over ctx.http.
 * - `miraklHandlers(ctx, spec)`: the plugin's handlers (submitFeed, checkFeed, fetchRemoteState, deactivate) given the
 *   operator's product columns.
 * - `toMiraklCsv` / `parseMiraklCsv`: Mirakl's CSV dialect.
 */
export {
  MiraklClient,
  multipartBody,
  type MiraklClientOptions,
  type MiraklImportMode,
  type MiraklOffer,
  type MiraklOfferImport,
  type MiraklOfferJson,
  type MiraklProductImport,
  type MiraklReportLine,
} from './client.js';
export { decimalText, parseMiraklCsv, toMiraklCsv, type CsvRow, type CsvValue } from './csv.js';
export {
  feedRef,
  field,
  imageColumns,
  isWithdrawal,
  messagesBySku,
  miraklHandlers,
  OFFER_COLUMNS,
  offerFile,
  offerLine,
  parseFeedRef,
  productFile,
  type MiraklPluginSpec,
  type ProductColumn,
} from './feed.js';
