export { buildServer, type ServerOptions, type RouteInfo } from './app.js';
export { ADMIN_API_PREFIX, PUBLIC_ADMIN_PATHS } from './admin/plugin.js';
export { UI_DIR } from './admin/ui.js';
export { WEBHOOK_BODY_LIMIT } from './routes/webhook.js';
