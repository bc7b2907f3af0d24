// SellerCenter's two answer formats (Format=XML, the default, or JSON) from one object tree, and parsing of the XML
// request bodies (fast-xml-parser). In JSON a repeated element that occurs once comes out as an object, not an array,
// as SellerCenter's XML-to-JSON conversion does (clients must accept both).
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export type Format = 'XML' | 'JSON';

const builder = new XMLBuilder({ format: true, indentBy: '  ', suppressEmptyNode: true });

/** Arrays of one element become the element; empty arrays become "" (an empty element). */
function collapse(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? '' : value.length === 1 ? collapse(value[0]) : value.map(collapse);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, collapse(v)]));
  return value;
}

export function render(root: Record<string, unknown>, format: Format): { body: string; contentType: string } {
  if (format === 'JSON') return { body: JSON.stringify(collapse(root)), contentType: 'application/json; charset=utf-8' };
  return { body: `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(root) as string}`, contentType: 'text/xml; charset=utf-8' };
}

/** Elements that may repeat in request bodies: always arrays after parsing. */
const REPEATED = new Set(['Request.Product', 'Request.ProductImage', 'Request.ProductImage.Images.Image', 'Request.Product.Images.Image']);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (_name, jpath) => REPEATED.has(String(jpath)),
});

/** Parses a request body; throws with the parser's reason when the XML is malformed. */
export function parseRequestXml(text: string): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  return parser.parse(text) as Record<string, unknown>;
}
