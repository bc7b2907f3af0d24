/**
 * JSON-schema builders for the admin routes: fastify validates params, query and body with them,
 * serialises responses with them (a field missing from a response schema is never sent — secrets
 * cannot slip out through a new column), and @fastify/swagger turns them into the OpenAPI document.
 */
type Schema = Record<string, unknown>;

export const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
export const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
export const num = (extra: Schema = {}): Schema => ({ type: 'number', ...extra });
export const bool = (extra: Schema = {}): Schema => ({ type: 'boolean', ...extra });
export const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });
/** Any JSON value (payloads, snapshots, marketplace answers). */
export const anyValue = (description?: string): Schema => ({ ...(description && { description }) });
export const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
export const dateTime = (extra: Schema = {}): Schema => str({ format: 'date-time', ...extra });

/** A closed object: unknown properties are refused (400 naming them) in requests. */
export function obj(properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema {
  return { type: 'object', additionalProperties: false, properties, ...(required.length && { required }), ...extra };
}

/** An open object whose fields are all serialised (plugin settings, payloads). */
export const freeObject = (description?: string): Schema => ({ type: 'object', additionalProperties: true, ...(description && { description }) });

// Names as the config schema allows them.
export const STORE = str({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'The VTEX account (An).' });
export const MARKETPLACE = str({ pattern: '^[a-z][a-z0-9-]{1,39}$', description: "The plugin's marketplace id, e.g. mercadolivre." });
export const SKU_ID = str({ pattern: '^[0-9]{1,18}$', description: 'VTEX SKU id.' });
export const SKU_STATUSES = ['pending', 'pending-category', 'invalid', 'synced', 'failed', 'dead', 'blocked'];

export const storeParams = obj({ store: STORE }, ['store']);
export const integrationParams = obj({ store: STORE, marketplace: MARKETPLACE }, ['store', 'marketplace']);
/** Routes without query parameters still refuse unknown ones (a misspelt filter is an error, not ignored). */
export const noQuery = obj({});

export const errorBody = obj(
  {
    statusCode: int(),
    code: str({ description: 'A stable CONNECTOR_ERR_… code (docs/errors.md).' }),
    message: str(),
    details: anyValue('For validation errors: [{ path, message }], one per field.'),
  },
  ['statusCode', 'code', 'message'],
);

/** Adds the error answers and the bearer-token requirement to a route schema. */
export function route(schema: Schema & { response?: Record<string, Schema> }, tags: string[]): Schema {
  return {
    tags,
    security: [{ bearerAuth: [] }],
    ...schema,
    response: { ...schema.response, 400: errorBody, 401: errorBody, 404: errorBody, 409: errorBody, 429: errorBody },
  };
}
