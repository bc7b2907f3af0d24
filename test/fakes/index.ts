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
  FakeMagalu,
  type FakeMagaluOptions,
  type MagaluCounters,
  type MagaluCondition,
  type MagaluDetail,
  type MagaluIdentifier,
  type MagaluPrice,
  type MagaluSku,
  type MagaluSkuStatus,
  type MagaluStock,
  MAGALU_SCOPES,
  MAGALU_SKU_LIMITS,
} from './magalu/index.js';
export {
  FakeNetshoes,
  type FakeNetshoesOptions,
  type NetshoesCounters,
  type NetshoesCatalog,
  type NetshoesProduct,
  type NetshoesReview,
  type NetshoesStatus,
  DEFAULT_NETSHOES_CATALOG,
} from './netshoes/index.js';
export {
  FakeSkyhub,
  type FakeSkyhubOptions,
  type SkyhubCounters,
  type SkyhubBrand,
  type SkyhubCategory,
  type SkyhubLists,
  type SkyhubProduct,
  type SkyhubStatus,
  type SkyhubVariation,
  DEFAULT_SKYHUB_BRANDS,
  DEFAULT_SKYHUB_CATEGORIES,
} from './skyhub/index.js';
export {
  FakeCasasBahia,
  type FakeCasasBahiaOptions,
  type CasasBahiaCounters,
  type ViaAttribute,
  type ViaCategory,
  type ViaErrorEntry,
  type ViaImportedSku,
  type ViaSellerItem,
  type ViaSkuStatus,
  type ViaViolation,
  DEFAULT_VIA_CATEGORIES,
  VIA_MAX_IMAGES,
  VIA_SITES,
} from './casasbahia/index.js';
export { isValidGtin } from './http.js';
