export { buildServer, type ServerOptions } from './app.js';
export { WEBHOOK_BODY_LIMIT } from './routes/webhook.js';
