import { relative } from 'node:path';
import type { CommandModule } from 'yargs';
import { scaffoldPlugin, type PluginStyle } from '../plugin-authoring/scaffold.js';

interface NewArgs {
  id: string;
  dir?: string;
  'display-name'?: string;
  style: PluginStyle;
}

export const newCommand: CommandModule<object, NewArgs> = {
  command: 'new <id>',
  describe: 'Create a marketplace plugin from the template: manifest, code, a fake of the marketplace, tests, README',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true, describe: 'Marketplace id: 2–40 lowercase letters, digits and dashes (e.g. acme)' })
      .option('dir', { type: 'string', describe: 'Target folder (default: plugins/<id> inside the Connector repository, ./<id> elsewhere); must be empty' })
      .option('display-name', { type: 'string', describe: 'Name shown to operators and in the README (default: from the id)' })
      .option('style', { choices: ['item', 'feed'] as const, default: 'item' as const, describe: 'item: one API call per item; feed: lots submitted and polled' }) as never,
  handler: (args) => {
    const started = performance.now();
    const result = scaffoldPlugin({ id: args.id, dir: args.dir, displayName: args['display-name'], style: args.style });
    const at = relative(process.cwd(), result.dir) || '.';
    const lines = [
      `Created ${result.packageName} (${result.displayName}, ${result.style} style) in ${at} — ${result.files.length} files, ${Math.round(performance.now() - started)} ms.`,
      `It depends on @connector/core ${result.coreDependency}.`,
      '',
      'Next steps:',
    ];
    if (result.workspaceRoot) {
      const root = relative(process.cwd(), result.workspaceRoot) || '.';
      lines.push(
        `  cd ${root}`,
        '  npm install                                # links the new workspace package (and adds it to package-lock.json)',
        `  npx tsc -b                                 # builds it with the rest (tsconfig.json references plugins/${result.id})`,
        `  npx vitest run plugins/${result.id}            # its tests, against its fake marketplace`,
        `  node cli/dist/bin.js plugin validate plugins/${result.id}`,
      );
    } else {
      lines.push(
        `  cd ${at}`,
        '  npm install          # installs and builds dist/',
        '  npm test             # type-checks and runs the tests against the fake marketplace (test/)',
        '  npm run validate     # connector plugin validate: the checks the runtime runs at load',
      );
    }
    lines.push(
      '',
      'Then make it yours: the API calls in src/, the manifest (contributes.marketplace in package.json: mapping table,',
      'rules, limits, settings, allowedHosts), the fake in test/. `npm run docs` rewrites the README tables;',
      'docs/plugin-authoring.md in the Connector repository walks through it, up to npm publish.',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
