// @connector/fakes: stand-ins for the external systems, as real HTTP servers (see each fake's header).
export { FakeVtex, type FakeVtexOptions, type CatalogSku, type SeedOptions, type VtexCounters, type NotificationFlags, type NotifyOptions, ean13 } from './vtex/index.js';
export {
  FakeMercadoLivre,
  type FakeMercadoLivreOptions,
  type FakeMlItem,
  type FakeMlAttribute,
  type FakeMlPicture,
  type FakeMlStatus,
  type MlCause,
  type MlCounters,
  MAX_PICTURES,
  MAX_TITLE_LENGTH,
} from './mercadolivre/index.js';
export type { FaultControls } from './http.js';
export {
  FakeFeedMarketplace,
  type FakeFeedMarketplaceOptions,
  type FakeFeed,
  type FakeProduct,
  type FakeOffer,
  type FeedCounters,
  type FeedMessage,
  type FeedResult,
} from './feed-marketplace/index.js';
