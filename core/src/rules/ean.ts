/**
 * GTIN check digit (EAN-8, UPC-A, EAN-13, GTIN-14): from the right, digits are weighted 3, 1, 3…;
 * the check digit tops the sum up to a multiple of ten.
 */
export function isValidGtin(value: unknown): boolean {
  const code = typeof value === 'number' ? String(value) : value;
  if (typeof code !== 'string' || !/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(code)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}
