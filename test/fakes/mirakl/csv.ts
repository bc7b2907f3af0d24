// Mirakl's CSV dialect: `;`-separated, `"`-quoted, a header row naming the columns (csv-parse / csv-stringify do the
// quoting rules; only the dialect is set here).
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export interface CsvTable {
  columns: string[];
  /** Data rows keyed by column, with their line number in the file (the header is line 1). */
  rows: { line: number; values: Record<string, string> }[];
}

/** Parses a Mirakl CSV file; throws an Error whose message says what is wrong (bad quoting, ragged rows, no header). */
export function parseCsv(text: string): CsvTable {
  const records = parse(text, { delimiter: ';', bom: true, skip_empty_lines: true, relax_column_count: false, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  if (records.length === 0) throw new Error('the file is empty: a header row naming the columns is required');
  const columns = records[0]!.record.map((c) => c.trim());
  const blank = columns.findIndex((c) => c === '');
  if (blank >= 0) throw new Error(`header column ${blank + 1} has no name`);
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate) throw new Error(`column "${duplicate}" appears twice in the header`);
  return {
    columns,
    rows: records.slice(1).map(({ record, info }) => ({ line: info.lines, values: Object.fromEntries(columns.map((c, i) => [c, record[i] ?? ''])) })),
  };
}

/** A Mirakl-style CSV: every field quoted, `;`-separated. */
export function toCsv(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return stringify([columns as string[], ...(rows as (string | number)[][])], { delimiter: ';', quoted: true });
}
