import { CORE_TRANSFORMS } from './transforms.js';
import type { FieldMappingRow, TransformStep } from './types.js';

/**
 * The "Transformation" column for a pipeline: each step in words, joined by "; ". A plugin op is
 * described by the manifest's `transforms` declaration when it has one (`pluginOps`: op → words).
 */
export function describeTransform(steps: TransformStep[] | undefined, pluginOps: Record<string, string> = {}): string {
  if (!steps?.length) return 'sent as is';
  return steps
    .map((step) => {
      const core = Object.hasOwn(CORE_TRANSFORMS, step.op) ? CORE_TRANSFORMS[step.op] : undefined;
      if (core) return core.describe(step);
      return Object.hasOwn(pluginOps, step.op) ? `${pluginOps[step.op]} (by the plugin)` : `${step.op} (by the plugin)`;
    })
    .join('; ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The field-mapping table in VTEX's template format (VTEX field | How to fill it in VTEX | VTEX API |
 * Marketplace field | Transformation | Mandatory | BuyBox), as Markdown — for a plugin's README.
 */
export function renderMappingTable(rows: FieldMappingRow[], marketplaceName = 'Marketplace', pluginOps: Record<string, string> = {}): string {
  const header = ['VTEX field', 'How to fill it in VTEX', 'VTEX API', `${marketplaceName} field`, 'Transformation', 'Mandatory', 'BuyBox'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const transformation = row.description ?? describeTransform(row.transform, pluginOps);
    const from = row.source ? ` (\`${row.source}\`)` : '';
    lines.push(
      `| ${[
        cell(row.vtexField) + from,
        cell(row.howToFill),
        `\`${cell(row.vtexApi)}\``,
        `\`${cell(row.target)}\``,
        cell(transformation),
        row.mandatory ? 'Yes' : 'No',
        row.buyBox ? 'Yes' : 'No',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
