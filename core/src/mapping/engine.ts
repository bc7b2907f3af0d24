import { Errors, type FieldProblem } from '../errors/errors.js';
import type { Fix } from '../plugin-api/index.js';
import { isEmpty, parsePath, parseTarget, resolvePath, setPath, type ParsedPath } from './paths.js';
import { CORE_TRANSFORMS, makeResolver, TransformError, type CoreTransform } from './transforms.js';
import {
  CONTEXT_ROOTS,
  type DefaultUsed,
  type FieldMappingRow,
  type MappingContext,
  type MappingResult,
  type TransformRequest,
  type TransformResponse,
  type TransformStep,
} from './types.js';

interface CompiledStep {
  step: TransformStep;
  /** Undefined for a plugin-provided op. */
  core?: CoreTransform;
}

export interface CompiledRow {
  row: FieldMappingRow;
  source?: ParsedPath;
  target: string[];
  steps: CompiledStep[];
}

export interface MappingItem {
  context: MappingContext;
  /**
   * Source areas (`offer`, `category`, or deeper paths) already reported by another check (`offer` when the SKU is missing from the
   * simulation, `category` when its category is unmapped): rows reading them are skipped, so the
   * seller gets one fix per problem, not one per field it empties.
   */
  skipSources?: string[];
}

/** `path` is `area` or inside it: `offer.price` is within `offer`, `categoryId` is not within `category`. */
function within(path: string, area: string): boolean {
  return path === area || path.startsWith(`${area}.`) || path.startsWith(`${area}[`);
}

/** The plugin's batched `transform` handler, for ops the core does not provide. */
export type PluginTransform = (requests: TransformRequest[]) => Promise<TransformResponse[]>;

interface Cursor {
  item: number;
  row: CompiledRow;
  value: unknown;
  step: number;
  defaulted: boolean;
  error?: Fix;
}

/**
 * A plugin's field-mapping table, checked once and ready to run. `run` maps many SKUs at once:
 * every row's pipeline advances through core ops in-process and stops at a plugin op; all the plugin
 * ops waiting at that moment go to the plugin in ONE `transform` call (it may sit behind RPC), and
 * the pipelines resume. A batch costs as many plugin round trips as the longest chain of plugin ops
 * in one row — never one per SKU or per field.
 */
export class CompiledMapping {
  readonly pluginOps: string[];

  constructor(
    readonly rows: CompiledRow[],
    readonly marketplace: string,
    readonly displayName: string,
  ) {
    this.pluginOps = [...new Set(rows.flatMap((r) => r.steps.filter((s) => !s.core).map((s) => s.step.op)))];
  }

  /** Targets of the rows whose source lies in `area` (`offer`: the price and stock fields). */
  targetsFrom(area: string): string[] {
    return this.rows.filter((r) => r.row.source && within(r.row.source, area)).map((r) => r.row.target);
  }

  /** The row that fills `target` (exactly, or the row of a parent path). */
  rowFor(target: string): FieldMappingRow | undefined {
    const t = target.split('.');
    return this.rows.find((r) => r.target.length <= t.length && r.target.every((seg, i) => seg === t[i]))?.row;
  }

  async run(items: MappingItem[], transform?: PluginTransform): Promise<MappingResult[]> {
    const cursors: Cursor[] = [];
    const results: MappingResult[] = items.map(() => ({ payload: {}, errors: [], defaults: [], skipped: [] }));
    const resolvers = items.map((item) => makeResolver(item.context, new Map()));
    items.forEach((item, i) => {
      for (const row of this.rows) {
        if (row.row.source && item.skipSources?.some((p) => within(row.row.source!, p))) {
          results[i].skipped.push(row.row.target);
          continue;
        }
        cursors.push({ item: i, row, value: row.source ? resolvePath(item.context, row.source) : undefined, step: 0, defaulted: false });
      }
    });

    let active = cursors;
    while (active.length) {
      const waiting: Cursor[] = [];
      for (const c of active) {
        this.advance(c, items[c.item].context, resolvers[c.item]);
        if (!c.error && c.step < c.row.steps.length) waiting.push(c);
      }
      if (!waiting.length) break;
      await this.callPlugin(waiting, items, transform);
      active = waiting;
    }

    for (const c of cursors) {
      const result = results[c.item];
      const { row } = c.row;
      if (c.error) {
        result.errors.push(c.error);
        continue;
      }
      if (isEmpty(c.value)) {
        if (row.mandatory) {
          result.errors.push({
            field: row.target,
            rule: 'mandatory',
            message: `${row.vtexField} is empty in VTEX and ${this.displayName} requires it (${row.target}): fill it in ${row.howToFill}.`,
            where: row.howToFill,
          });
        }
        continue;
      }
      if (c.defaulted) result.defaults.push({ vtexField: row.vtexField, target: row.target, value: c.value, where: row.howToFill } satisfies DefaultUsed);
      setPath(result.payload, c.row.target, c.value);
    }
    return results;
  }

  /** Runs core ops until the pipeline ends, fails, or reaches a plugin op. */
  private advance(c: Cursor, context: MappingContext, resolve: (path: string) => unknown) {
    if (c.error) return;
    const env = { context, resolve };
    for (; c.step < c.row.steps.length; c.step++) {
      const { step, core } = c.row.steps[c.step];
      if (!core) return;
      if (isEmpty(c.value) && !core.fillsEmpty) continue;
      try {
        const before = c.value;
        c.value = core.apply(c.value, step, env);
        if (core.isDefault && isEmpty(before) && !isEmpty(c.value)) c.defaulted = true;
      } catch (error) {
        if (!(error instanceof TransformError)) throw error;
        c.error = this.transformFix(c.row.row, step.op, error.message);
        return;
      }
    }
  }

  private async callPlugin(waiting: Cursor[], items: MappingItem[], transform: PluginTransform | undefined) {
    const ops = [...new Set(waiting.map((c) => c.row.steps[c.step].step.op))];
    if (!transform) throw Errors.mapperUnavailable(this.marketplace, `the mapping uses ${ops.join(', ')}, which the core does not provide and the plugin has no transform handler for`);
    const requests: TransformRequest[] = waiting.map((c) => {
      const { op, ...args } = c.row.steps[c.step].step;
      return { op, args, value: c.value, skuId: items[c.item].context.skuId, target: c.row.row.target };
    });
    let responses: TransformResponse[];
    try {
      responses = await transform(requests);
    } catch (error) {
      throw Errors.mapperUnavailable(this.marketplace, `transform(${ops.join(', ')}) failed: ${(error as Error)?.message ?? String(error)}`);
    }
    if (!Array.isArray(responses) || responses.length !== requests.length) {
      throw Errors.mapperUnavailable(this.marketplace, `transform answered ${Array.isArray(responses) ? responses.length : 'no list'} results for ${requests.length} requests`);
    }
    waiting.forEach((c, i) => {
      const r = responses[i];
      const op = c.row.steps[c.step].step.op;
      if (r && typeof r === 'object' && 'error' in r && typeof r.error === 'string') c.error = this.transformFix(c.row.row, op, r.error);
      else if (r && typeof r === 'object' && 'value' in r) c.value = r.value;
      else c.error = this.transformFix(c.row.row, op, 'the plugin answered neither a value nor an error');
      c.step++;
    });
  }

  private transformFix(row: FieldMappingRow, op: string, problem: string): Fix {
    return {
      field: row.target,
      rule: `transform.${op}`,
      message: `${row.vtexField}: ${problem}. Correct it in ${row.howToFill}.`,
      where: row.howToFill,
    };
  }
}

/**
 * Checks a manifest's `fieldMappings` and compiles it. Every problem is reported with its JSON
 * pointer under `pointer` (e.g. `/contributes/marketplace/fieldMappings/2/transform/0`).
 */
export function compileMapping(
  rows: unknown,
  options: { marketplace: string; displayName?: string; pointer?: string; transforms?: Record<string, CoreTransform> },
): { mapping: CompiledMapping; problems: FieldProblem[] } {
  const pointer = options.pointer ?? '/contributes/marketplace/fieldMappings';
  const registry = options.transforms ?? CORE_TRANSFORMS;
  const problems: FieldProblem[] = [];
  const compiled: CompiledRow[] = [];
  if (!Array.isArray(rows) || rows.length === 0) {
    problems.push({ path: pointer, message: 'must list at least one row: the marketplace payload is built only from it' });
    return { mapping: new CompiledMapping([], options.marketplace, options.displayName ?? options.marketplace), problems };
  }
  rows.forEach((raw: unknown, i) => {
    const at = `${pointer}/${i}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ path: at, message: 'must be an object' });
      return;
    }
    const row = raw as FieldMappingRow;
    const before = problems.length;
    for (const key of ['vtexField', 'howToFill', 'vtexApi'] as const) {
      if (typeof row[key] !== 'string' || !row[key].trim()) problems.push({ path: `${at}/${key}`, message: 'must be a non-empty string' });
    }
    for (const key of ['mandatory', 'buyBox'] as const) {
      if (typeof row[key] !== 'boolean') problems.push({ path: `${at}/${key}`, message: 'must be true or false' });
    }
    let target: string[] = [];
    try {
      target = parseTarget(row.target);
    } catch (e) {
      problems.push({ path: `${at}/target`, message: (e as Error).message });
    }
    let source: ParsedPath | undefined;
    if (row.source !== undefined) {
      try {
        source = parsePath(row.source);
        const first = source[0];
        if (first.kind !== 'prop' || !(CONTEXT_ROOTS as readonly string[]).includes(first.name)) {
          throw new Error(`must start with one of ${CONTEXT_ROOTS.join(', ')}`);
        }
      } catch (e) {
        problems.push({ path: `${at}/source`, message: (e as Error).message });
      }
    }
    const steps: CompiledStep[] = [];
    if (row.transform !== undefined && !Array.isArray(row.transform)) problems.push({ path: `${at}/transform`, message: 'must be a list of {"op": …} steps' });
    (Array.isArray(row.transform) ? row.transform : []).forEach((step, j) => {
      if (!step || typeof step !== 'object' || typeof step.op !== 'string' || !step.op) {
        problems.push({ path: `${at}/transform/${j}`, message: 'must be an object with a string "op"' });
        return;
      }
      const core = Object.hasOwn(registry, step.op) ? registry[step.op] : undefined;
      if (core) for (const message of core.check(step)) problems.push({ path: `${at}/transform/${j}`, message: `${step.op}: ${message}` });
      steps.push({ step, core });
    });
    if (row.source === undefined && !steps.some((s) => !s.core || s.core.fillsEmpty)) {
      problems.push({ path: `${at}/source`, message: 'is required unless a transformation makes the value (template, const, default, coalesce or a plugin op)' });
    }
    if (row.description !== undefined && typeof row.description !== 'string') problems.push({ path: `${at}/description`, message: 'must be a string' });
    if (problems.length === before) compiled.push({ row, source, target, steps });
  });
  // One value per payload path: two rows writing `attributes` and `attributes.BRAND` would overwrite each other.
  for (let a = 0; a < compiled.length; a++) {
    for (let b = a + 1; b < compiled.length; b++) {
      const [x, y] = [compiled[a].target, compiled[b].target];
      const n = Math.min(x.length, y.length);
      if (x.slice(0, n).join('.') === y.slice(0, n).join('.')) {
        problems.push({
          path: `${pointer}/${rows.indexOf(compiled[b].row)}/target`,
          message: `"${compiled[b].row.target}" overlaps "${compiled[a].row.target}" (row ${rows.indexOf(compiled[a].row)}): each payload path is written by one row`,
        });
      }
    }
  }
  return { mapping: new CompiledMapping(compiled, options.marketplace, options.displayName ?? options.marketplace), problems };
}
