import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { Errors } from '@connector/core';

/** server/ui: the admin UI's three files (HTML, one ES module, one stylesheet), served as they are. */
export const UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../ui');

const ASSETS: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/** Nothing but this server: no inline code, no other origin, not framable. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The admin web UI at /admin. The page and its assets hold no data (they are public, like a login
 * page); everything the UI shows comes from the admin API with the bearer token the user enters.
 * Files are read once at start (a few KB).
 */
export const adminUi: FastifyPluginAsync = async (app) => {
  const files = new Map<string, Buffer>();
  for (const name of ['index.html', ...Object.keys(ASSETS)]) files.set(name, readFileSync(join(UI_DIR, name)));
  const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' };

  app.get('/admin', async (_request, reply) => reply.headers(headers).type('text/html; charset=utf-8').send(files.get('index.html')));
  app.get<{ Params: { file: string } }>('/admin/assets/:file', async (request, reply) => {
    const type = ASSETS[request.params.file];
    if (!type) throw Errors.adminNotFound(`/admin/assets/${request.params.file}`);
    return reply.headers(headers).type(type).send(files.get(request.params.file));
  });
};
