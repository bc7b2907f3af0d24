// The Connector admin UI: a small client of the admin API (/admin/api), no framework, no build
// step and no network but this server. The bearer token stays in this tab's sessionStorage and goes
// only in the Authorization header. Everything shown is put in the page as text (never as HTML).

const API = '/admin/api';
const TOKEN_KEY = 'connector.adminToken';
const STORE_KEY = 'connector.store';
const main = document.getElementById('main');
const flashBox = document.getElementById('flash');
const storeSelect = document.getElementById('store');

/** Builds an element: h('td', { class: 'x', onclick }, 'text', child). Strings become text nodes. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const svg = (tag, attrs = {}, ...children) => {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
};

function flash(message, kind = 'ok') {
  flashBox.className = kind;
  flashBox.textContent = message;
}
const clearFlash = () => flash('', '');

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('Your token was refused; sign in again.');
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function describeError(error) {
  const details = Array.isArray(error.body?.details) ? error.body.details.map((d) => `\n  • ${d.path}: ${d.message}`).join('') : '';
  return `${error.body?.code ? `${error.body.code}: ` : ''}${error.message}${details}`;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const badge = (text, cls = text) => h('span', { class: `badge ${cls}` }, text);
const currentStore = () => storeSelect.value;
let stores = [];

// ---------------------------------------------------------------------------------------------
// Sign in, navigation
// ---------------------------------------------------------------------------------------------

function showLogin(message) {
  for (const id of ['nav', 'store-picker', 'logout']) document.getElementById(id).hidden = true;
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: 'admin token', 'data-testid': 'token' });
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        await start();
      },
    },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Paste one of the admin tokens from the config (admin.tokens).'),
    h('div', { class: 'row' }, input, h('button', { type: 'submit', 'data-testid': 'sign-in' }, 'Sign in')),
  );
  main.replaceChildren(form);
  if (message) flash(message, 'err');
  input.focus();
}

async function start() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return showLogin();
  try {
    ({ stores } = await api('GET', '/stores'));
  } catch (error) {
    if (error.status !== 401) flash(describeError(error), 'err');
    return;
  }
  clearFlash();
  for (const id of ['nav', 'store-picker', 'logout']) document.getElementById(id).hidden = false;
  const saved = sessionStorage.getItem(STORE_KEY);
  storeSelect.replaceChildren(...stores.map((s) => h('option', { value: s.account }, s.account)));
  if (saved && stores.some((s) => s.account === saved)) storeSelect.value = saved;
  await route();
}

const PAGES = {
  integrations: integrationsPage,
  inventory: inventoryPage,
  errors: errorsPage,
  'dead-letters': deadLettersPage,
  activity: activityPage,
};

async function route() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return showLogin();
  const page = location.hash.replace(/^#\/?/, '').split('?')[0] || 'integrations';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page);
  const render = PAGES[page] ?? integrationsPage;
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    main.replaceChildren(await render());
  } catch (error) {
    if (error.status !== 401) main.replaceChildren(h('p', { class: 'warning' }, describeError(error)));
  }
}

window.addEventListener('hashchange', () => {
  clearFlash();
  void route();
});
storeSelect.addEventListener('change', () => {
  sessionStorage.setItem(STORE_KEY, storeSelect.value);
  void route();
});
document.getElementById('logout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin();
});

const marketplacesOf = (account) => stores.find((s) => s.account === account)?.integrations.map((i) => i.marketplace) ?? [];

// ---------------------------------------------------------------------------------------------
// Integrations: settings, minimum stock, breaker, pause reason
// ---------------------------------------------------------------------------------------------

async function integrationsPage() {
  const { integrations } = await api('GET', '/integrations');
  const mine = integrations.filter((i) => i.store === currentStore());
  return h('section', {}, h('h1', {}, 'Integrations'), mine.length ? mine.map(integrationCard) : h('p', { class: 'muted' }, 'This store has no integrations.'));
}

function integrationCard(i) {
  const path = `/stores/${encodeURIComponent(i.store)}/integrations/${encodeURIComponent(i.marketplace)}`;
  const enabled = h('input', { type: 'checkbox', checked: i.enabled, 'data-testid': 'enabled' });
  const minimum = h('input', { type: 'number', min: 0, step: 1, value: String(i.minimumStock), 'data-testid': 'minimum-stock' });
  const properties = i.settingsSchema?.properties ?? {};
  const inputs = new Map();
  const fields = Object.entries(properties).map(([name, prop]) => {
    const secret = prop['x-secret'] === true;
    let input;
    if (secret) {
      const state = i.secrets[name];
      input = h('input', { type: 'password', autocomplete: 'new-password', placeholder: state?.set ? `set (${state.source}) — type to replace` : 'not set', 'data-setting': name });
    } else if (Array.isArray(prop.enum)) {
      input = h('select', { 'data-setting': name }, prop.enum.map((v) => h('option', { value: String(v) }, String(v))));
      input.value = String(i.settings[name] ?? prop.default ?? '');
    } else {
      input = h('input', { type: prop.type === 'integer' || prop.type === 'number' ? 'number' : 'text', value: i.settings[name] === undefined ? '' : String(i.settings[name]), 'data-setting': name });
    }
    inputs.set(name, { input, secret, prop });
    const source = secret ? i.secrets[name]?.source : i.sources.settings[name];
    return h('label', { class: 'field', title: prop.description ?? '' }, `${name}${secret ? ' (secret, write-only)' : ''}${source ? ` · ${source}` : ''}`, input);
  });

  const save = async () => {
    const settings = {};
    for (const [name, { input, secret, prop }] of inputs) {
      const raw = input.value;
      if (secret) {
        if (raw !== '') settings[name] = raw;
        continue;
      }
      const current = i.settings[name];
      const value = raw === '' ? undefined : prop.type === 'integer' || prop.type === 'number' ? Number(raw) : raw;
      if (value !== undefined && value !== current) settings[name] = value;
    }
    const body = {};
    if (enabled.checked !== i.enabled) body.enabled = enabled.checked;
    if (Number(minimum.value) !== i.minimumStock) body.minimumStock = Number(minimum.value);
    if (Object.keys(settings).length) body.settings = settings;
    if (!Object.keys(body).length) return flash('Nothing changed.');
    try {
      await api('PATCH', path, body);
      flash(`Saved ${i.store}/${i.marketplace}.`);
      await route();
    } catch (error) {
      flash(describeError(error), 'err');
    }
  };
  const reset = async () => {
    try {
      await api('DELETE', `${path}/overrides`);
      flash(`${i.store}/${i.marketplace} is back to the config file's values.`);
      await route();
    } catch (error) {
      flash(describeError(error), 'err');
    }
  };

  const b = i.breaker;
  return h(
    'div',
    { class: 'card', 'data-integration': i.marketplace },
    h('div', { class: 'row' }, h('h2', { class: 'flush' }, i.marketplace), badge(i.enabled ? 'enabled' : 'disabled', i.enabled ? 'ok' : 'err'), h('span', { class: 'muted' }, `${i.plugin.name}@${i.plugin.version} · ${i.plugin.state}`)),
    i.pause ? h('p', { class: 'warning', 'data-testid': 'pause-reason' }, `Paused: ${i.pause.reason}`) : null,
    i.problem ? h('p', { class: 'warning' }, i.problem.message) : null,
    h(
      'p',
      {},
      'Circuit breaker: ',
      b ? badge(b.state) : badge('closed'),
      b && b.state !== 'closed' ? ` until ${when(b.openUntil)} — ${b.lastError ?? ''}` : '',
      b?.consecutiveFailures ? ` (${b.consecutiveFailures} failures in a row)` : '',
    ),
    i.budgets.length ? h('p', { class: 'muted' }, 'Rate budget: ', i.budgets.map((x) => `${x.operation} ${x.rate}/s × ${x.factor.toFixed(2)}, ${x.granted} granted, ${x.rateLimited} × 429`).join(' · ')) : null,
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'field' }, `Enabled · ${i.sources.enabled}`, enabled),
      h('label', { class: 'field' }, `Minimum stock · ${i.sources.minimumStock}`, minimum),
    ),
    h('h2', {}, 'Settings'),
    h('div', { class: 'row' }, fields),
    h('p', { class: 'muted' }, i.updatedBy ? `Last changed by ${i.updatedBy} at ${when(i.updatedAt)}.` : 'Values come from the config file.'),
    h('div', { class: 'row' }, h('button', { type: 'button', onclick: save, 'data-testid': 'save' }, 'Save'), h('button', { type: 'button', class: 'secondary', onclick: reset }, 'Reset to config')),
  );
}

// ---------------------------------------------------------------------------------------------
// Inventory: stock per marketplace, last sync, minimum-stock warnings
// ---------------------------------------------------------------------------------------------

async function inventoryPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const store = currentStore();
  const marketplace = params.get('marketplace') ?? '';
  const warningsOnly = params.get('warningsOnly') === 'true';
  const query = new URLSearchParams({ limit: '500', ...(marketplace && { marketplace }), ...(warningsOnly && { warningsOnly: 'true' }) });
  const data = await api('GET', `/stores/${encodeURIComponent(store)}/inventory?${query}`);
  const go = () => (location.hash = `#/inventory?${new URLSearchParams({ marketplace: select.value, warningsOnly: String(only.checked) })}`);
  const select = h('select', { onchange: go, 'data-testid': 'inventory-marketplace' }, h('option', { value: '' }, 'all marketplaces'), marketplacesOf(store).map((m) => h('option', { value: m }, m)));
  select.value = marketplace;
  const only = h('input', { type: 'checkbox', checked: warningsOnly, onchange: go });
  return h(
    'section',
    {},
    h('h1', {}, 'Inventory'),
    h('div', { class: 'row' }, select, h('label', {}, only, ' only SKUs with warnings'), h('span', { class: 'muted', 'data-testid': 'inventory-summary' }, `${data.total} SKUs, ${data.warned} with warnings`)),
    data.warned ? h('p', { class: 'warning', 'data-testid': 'warning-banner' }, `${data.warned} SKU${data.warned === 1 ? '' : 's'} reached the minimum stock set for the integration: the marketplace is sent 0 until the stock rises above it.`) : null,
    h(
      'table',
      { 'data-testid': 'inventory' },
      h('thead', {}, h('tr', {}, ['SKU', 'Name', 'Marketplace', 'VTEX stock', 'Stock sent', 'Status', 'Last sync', 'Warnings'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        data.rows.map((r) =>
          h(
            'tr',
            { class: r.warnings.length ? 'warn' : '', 'data-sku': r.skuId, 'data-marketplace': r.marketplace },
            h('td', {}, r.skuId),
            h('td', {}, r.name ?? '—'),
            h('td', {}, r.marketplace),
            h('td', {}, r.vtexStock ?? '—'),
            h('td', {}, r.sentStock ?? '—'),
            h('td', {}, badge(r.status), r.inSync ? '' : h('span', { class: 'muted' }, ' (not yet confirmed)')),
            h('td', {}, when(r.lastAttemptAt)),
            h('td', {}, r.warnings.map((w) => h('div', { class: 'warning', 'data-testid': 'warning' }, w.message))),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Errors: SKUs needing the seller's action (fixes), unmapped categories (map them here)
// ---------------------------------------------------------------------------------------------

async function errorsPage() {
  const store = currentStore();
  const s = encodeURIComponent(store);
  const marketplaces = marketplacesOf(store);
  const [{ skus }, unmapped] = await Promise.all([
    api('GET', `/stores/${s}/skus?status=invalid&status=failed&status=dead&status=pending-category&limit=1000`),
    Promise.all(marketplaces.map(async (m) => ({ marketplace: m, ...(await api('GET', `/stores/${s}/integrations/${encodeURIComponent(m)}/categories/unmapped`)) }))),
  ]);
  const categoryTables = unmapped
    .filter((u) => u.categories.length)
    .map((u) =>
      h(
        'div',
        { class: 'card', 'data-testid': `unmapped-${u.marketplace}` },
        h('h2', { class: 'flush' }, `${u.marketplace}: unmapped VTEX categories`),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ['VTEX category', 'Name', 'SKUs waiting', `${u.marketplace} category`].map((t) => h('th', {}, t)))),
          h('tbody', {}, u.categories.map((c) => categoryRow(store, u.marketplace, c))),
        ),
      ),
    );
  return h(
    'section',
    {},
    h('h1', {}, 'Errors'),
    h('h2', {}, 'Unmapped categories'),
    categoryTables.length ? categoryTables : h('p', { class: 'muted', 'data-testid': 'no-unmapped' }, 'Every category in use is mapped.'),
    h('h2', {}, "SKUs that need the seller's action"),
    skus.length
      ? h(
          'table',
          { 'data-testid': 'error-skus' },
          h('thead', {}, h('tr', {}, ['SKU', 'Marketplace', 'Status', 'What to fix', 'Last attempt'].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            skus.map((k) =>
              h(
                'tr',
                { 'data-sku': k.skuId },
                h('td', {}, k.skuId),
                h('td', {}, k.marketplace),
                h('td', {}, badge(k.status)),
                h('td', {}, k.fixes.length ? h('ul', { class: 'fixes' }, k.fixes.map((f) => h('li', {}, f.field ? `${f.field}: ` : '', f.message ?? JSON.stringify(f)))) : h('span', { class: 'muted' }, '—')),
                h('td', {}, when(k.lastAttemptAt)),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No SKU needs the seller right now.'),
  );
}

function categoryRow(store, marketplace, c) {
  const input = h('input', { type: 'text', placeholder: 'e.g. MLB1055', required: true, 'data-testid': `map-input-${c.vtexCategoryId}` });
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const r = await api('PUT', `/stores/${encodeURIComponent(store)}/integrations/${encodeURIComponent(marketplace)}/category-mappings/${encodeURIComponent(c.vtexCategoryId)}`, {
            marketplaceCategoryId: input.value.trim(),
          });
          flash(`VTEX category ${c.vtexCategoryId} mapped to ${r.marketplaceCategoryId}: ${r.released} SKU${r.released === 1 ? '' : 's'} released.`);
          await route();
          flash(`VTEX category ${c.vtexCategoryId} mapped to ${r.marketplaceCategoryId}: ${r.released} SKU${r.released === 1 ? '' : 's'} released.`);
        } catch (error) {
          flash(describeError(error), 'err');
        }
      },
    },
    input,
    h('button', { type: 'submit', 'data-testid': `map-${c.vtexCategoryId}` }, 'Map'),
  );
  return h('tr', { 'data-category': c.vtexCategoryId }, h('td', {}, c.vtexCategoryId), h('td', {}, c.name ?? '—'), h('td', {}, c.skus), h('td', {}, form));
}

// ---------------------------------------------------------------------------------------------
// Dead letters: list, replay one or all
// ---------------------------------------------------------------------------------------------

async function deadLettersPage() {
  const store = currentStore();
  const { deadLetters } = await api('GET', `/dead-letters?store=${encodeURIComponent(store)}`);
  const replay = async (ids) => {
    try {
      const r = await api('POST', '/dead-letters/replay', { store, ...(ids && { ids }) });
      await route();
      flash(`${r.replayed} dead letter${r.replayed === 1 ? '' : 's'} replayed.`);
    } catch (error) {
      flash(describeError(error), 'err');
    }
  };
  const lastError = (e) => (typeof e === 'string' ? e : (e?.message ?? JSON.stringify(e)));
  return h(
    'section',
    {},
    h('h1', {}, 'Dead letters'),
    deadLetters.length
      ? [
          h('p', {}, h('button', { type: 'button', onclick: () => replay(), 'data-testid': 'replay-all' }, `Replay all ${deadLetters.length}`)),
          h(
            'table',
            { 'data-testid': 'dead-letters' },
            h('thead', {}, h('tr', {}, ['SKU / lot', 'Marketplace', 'Queue', 'Last error', 'Retries', 'Dead since', ''].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              deadLetters.map((d) =>
                h(
                  'tr',
                  { 'data-sku': d.skuId ?? '', 'data-id': d.id },
                  h('td', {}, d.skuId ? `SKU ${d.skuId}` : `lot ${d.lotId ?? '?'}`),
                  h('td', {}, d.marketplace),
                  h('td', {}, h('code', {}, d.queue)),
                  h('td', {}, h('pre', {}, lastError(d.lastError))),
                  h('td', {}, d.retries ?? '—'),
                  h('td', {}, when(d.deadSince)),
                  h('td', {}, h('button', { type: 'button', onclick: () => replay([d.id]), 'data-testid': `replay-${d.skuId ?? d.id}` }, 'Replay')),
                ),
              ),
            ),
          ),
        ]
      : h('p', { class: 'muted', 'data-testid': 'no-dead-letters' }, 'No dead letters.'),
  );
}

// ---------------------------------------------------------------------------------------------
// Activity: notifications in, updates out, errors, 429s over time (inline SVG)
// ---------------------------------------------------------------------------------------------

async function activityPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const hours = Number(params.get('hours') ?? 24);
  const bucketMinutes = hours <= 6 ? 10 : hours <= 24 ? 60 : 360;
  const data = await api('GET', `/stores/${encodeURIComponent(currentStore())}/activity?hours=${hours}&bucketMinutes=${bucketMinutes}`);
  const range = h('select', { onchange: () => (location.hash = `#/activity?hours=${range.value}`) }, [6, 24, 168].map((n) => h('option', { value: String(n) }, n === 168 ? 'last 7 days' : `last ${n} hours`)));
  range.value = String(hours);
  const series = [
    ['notifications', 'Notifications in'],
    ['updates', 'Updates out (delivered)'],
    ['errors', 'Errors'],
    ['rateLimited', 'Marketplace 429s'],
  ];
  return h('section', {}, h('h1', {}, 'Activity'), h('div', { class: 'row' }, range), series.map(([key, title]) => chart(title, key, data.buckets, data[key])));
}

function chart(title, key, buckets, values) {
  const W = 800;
  const H = 150;
  const pad = 24;
  const max = Math.max(1, ...values);
  const bw = (W - pad) / Math.max(1, values.length);
  const bars = values.map((v, i) => {
    const bh = ((H - pad) * v) / max;
    return svg('rect', { class: `bar ${key}`, x: pad + i * bw + 1, y: H - pad - bh, width: Math.max(1, bw - 2), height: bh }, svg('title', {}, `${new Date(buckets[i]).toLocaleString()}: ${v}`));
  });
  const total = values.reduce((a, b) => a + b, 0);
  const last = values.length - 1;
  const labels = [0, Math.floor(values.length / 2), last]
    .filter((i, j, a) => i >= 0 && a.indexOf(i) === j && buckets[i])
    .map((i) => svg('text', { x: i === last ? W : pad + i * bw, y: H - 8, 'text-anchor': i === last ? 'end' : 'start' }, new Date(buckets[i]).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
  return h(
    'div',
    { class: 'chart', 'data-testid': `chart-${key}` },
    h('strong', {}, title), h('span', { class: 'muted' }, ` — ${total} in range, peak ${Math.max(0, ...values)}`),
    svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title }, svg('text', { x: 0, y: 12 }, String(Math.max(0, ...values))), svg('line', { x1: pad, y1: H - pad, x2: W, y2: H - pad, stroke: '#cfd4dc' }), bars, labels),
  );
}

void start();
