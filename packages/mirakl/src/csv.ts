// Mirakl's CSV dialect (OF01 offer files, P41 product files, the P44/OF03 error reports): `;`-separated, `"`-quoted,
// a header row naming the columns, UTF-8. csv-stringify and csv-parse do the quoting rules (the same libraries the
// fakes use); only the dialect is set here.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | undefined | null;

/** A Mirakl CSV file: the header, then one line per row (every field quoted; `undefined`/`null` as an empty field). */
export function toMiraklCsv(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const text = (v: CsvValue) => (v === undefined || v === null ? '' : typeof v === 'number' ? decimalText(v) : v);
  return stringify([[...columns], ...rows.map((r) => columns.map((_, i) => text(r[i])))], { delimiter: ';', quoted: true, record_delimiter: '\n' });
}

/** A number as Mirakl reads it: `.` as the decimal separator, never an exponent (`1e-7` would be refused). */
export function decimalText(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(value);
  return /e/i.test(text) ? value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : text;
}

/** One data row of a Mirakl CSV, keyed by column, with its line in the file (the header is line 1). */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

/**
 * Reads a Mirakl CSV (an error report): rows keyed by the header's column names. Ragged rows are read as far as
 * they go (an error report's rows are the import's columns plus `error-line` and `error-message`).
 */
export function parseMiraklCsv(text: string): { columns: string[]; rows: CsvRow[] } {
  const records = parse(text, { delimiter: ';', bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, info: true }) as unknown as {
    record: string[];
    info: { lines: number };
  }[];
  if (records.length === 0) return { columns: [], rows: [] };
  const columns = records[0]!.record.map((c) => c.trim());
  return {
    columns,
    rows: records.slice(1).map(({ record, info }) => ({ line: info.lines, values: Object.fromEntries(columns.map((c, i) => [c, record[i] ?? ''])) })),
  };
}
