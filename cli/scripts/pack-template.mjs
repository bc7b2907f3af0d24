// prepack: the published @connector/cli carries plugin-template/ (what `connector plugin new` copies).
// npm leaves .gitignore files out of packages, so the template's travels as `gitignore`; the
// scaffolder renames it back.
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const source = resolve(import.meta.dirname, '../../plugin-template');
const target = resolve(import.meta.dirname, '../plugin-template');
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true, filter: (src) => !['node_modules', 'dist'].includes(basename(src)) && !src.endsWith('.tsbuildinfo') });
if (existsSync(join(target, '.gitignore'))) renameSync(join(target, '.gitignore'), join(target, 'gitignore'));
console.log(`copied ${source} to ${target}`);
