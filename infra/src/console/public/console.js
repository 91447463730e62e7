// The console's page: polls the server's JSON every ~2 s and redraws each
// section. Plain DOM: every value goes in through textContent or an attribute,
// never as HTML, so nothing a message carries can become markup.

const POLL_MS = 2_000;
const TIMELINE_POLL_MS = 3_000;

/** An element with attributes (`class`, `data-*`, …) and children (strings become text). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const table = (head, rows) => [
  h(
    'thead',
    {},
    h(
      'tr',
      {},
      head.map((c) => h('th', {}, c)),
    ),
  ),
  h('tbody', {}, rows),
];

const replace = (id, ...children) => document.getElementById(id).replaceChildren(...children.flat());

/** Time of day, UTC, to the millisecond. */
const clock = (iso) => (iso ? new Date(iso).toISOString().slice(11, 23) : '-');

const duration = (ms) =>
  ms === null || ms === undefined ? '-' : ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;

const ago = (seconds) =>
  seconds < 1 ? '<1 s' : seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;

const cut = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Only http(s) endpoints become links; a database URL is shown without its (development) credentials. */
const endpointCell = (endpoint) =>
  /^https?:\/\//.test(endpoint)
    ? h('a', { href: endpoint, target: '_blank', rel: 'noreferrer' }, endpoint)
    : endpoint.replace(/\/\/[^@/]*@/, '//');

const stateBadge = (state) => h('span', { class: `state ${state}`, 'data-state': state }, state);

/** A payload in a line or two: its top-level fields as name=value, ids last (the rest says more at a glance). */
function payloadSummary(payload) {
  if (payload === null || typeof payload !== 'object') return cut(String(payload ?? ''), 100);
  const isId = ([name]) => /(Id|By)$/.test(name);
  const field = ([name, value]) =>
    Array.isArray(value)
      ? `${name}=[${value.length}]`
      : value !== null && typeof value === 'object'
        ? `${name}={…}`
        : `${name}=${value}`;
  const fields = Object.entries(payload);
  return cut([...fields.filter((f) => !isId(f)), ...fields.filter(isId)].map(field).join('  '), 100);
}

/** Polls `url` and hands the JSON to `render`; an error answer is shown in the section instead. */
function poll(sectionId, url, render, onError = () => undefined) {
  const section = document.getElementById(sectionId);
  const error = section.querySelector('.error');
  const tick = async () => {
    try {
      const response = await fetch(url, { cache: 'no-store' });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
      render(body);
      error.hidden = true;
      section.classList.remove('stale');
    } catch (e) {
      error.textContent = `cannot read ${url}: ${e.message}`;
      error.hidden = false;
      section.classList.add('stale');
      onError();
    } finally {
      setTimeout(tick, POLL_MS);
    }
  };
  void tick();
}

function renderStatus(status) {
  const components = Object.entries(status.components);
  const running = components.filter(([, c]) => c.state === 'running').length;
  const health = document.getElementById('health');
  health.dataset.healthy = String(status.healthy);
  health.textContent = `${status.healthy ? 'healthy' : 'unhealthy'} · ${running}/${components.length} running`;
  document.getElementById('updated').textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;

  const rows = [];
  for (const [name, c] of components) {
    rows.push(
      h(
        'tr',
        { 'data-component': name },
        h('td', {}, h('strong', {}, name)),
        h('td', {}, stateBadge(c.state)),
        h('td', {}, endpointCell(c.endpoint)),
        h('td', { class: 'muted' }, componentDetail(c)),
      ),
    );
    const instances = c.instances ?? [];
    if (instances.length > 1) {
      for (const i of instances) {
        rows.push(
          h(
            'tr',
            { class: 'instance', 'data-instance': i.name },
            h('td', {}, `└ ${i.name}`),
            h('td', {}, stateBadge(i.state)),
            h('td', {}, endpointCell(i.endpoint)),
            h('td', { class: 'muted' }, i.pid ? `pid ${i.pid}` : ''),
          ),
        );
      }
    }
  }
  replace('services', table(['component', 'state', 'endpoint', ''], rows));
}

function componentDetail(c) {
  if (c.connectors) {
    const connectors = Object.entries(c.connectors);
    const notRunning = connectors.filter(([, state]) => state !== 'RUNNING');
    const all = connectors.map(([name, state]) => `${name}: ${state}`).join('\n');
    if (notRunning.length === 0) {
      return h('span', { class: 'chip ok', title: all }, `${connectors.length} connectors RUNNING`);
    }
    return notRunning.map(([name, state]) => h('span', { class: 'chip bad', title: all }, `${name} ${state}`));
  }
  if (Array.isArray(c.instances)) return `${c.instances.length} instance${c.instances.length === 1 ? '' : 's'}`;
  if (Array.isArray(c.nodes) && c.nodes.length > 1) return `${c.nodes.length} nodes`;
  if (c.ui) return h('a', { href: c.ui, target: '_blank', rel: 'noreferrer' }, 'mail UI');
  return c.pid ? `pid ${c.pid}` : '';
}

function renderTopics(topics) {
  const rows = topics.map((t) =>
    h(
      'tr',
      { 'data-topic': t.topic },
      h('td', {}, h('strong', {}, t.topic)),
      h('td', { class: 'num' }, t.messages.toLocaleString('en')),
      h(
        'td',
        {},
        t.partitions.map((p) =>
          h(
            'span',
            { class: 'chip', title: `partition ${p.partition}: ${p.low}–${p.high}` },
            `${p.partition}: ${p.high}`,
          ),
        ),
      ),
    ),
  );
  replace('topics', table(['topic', 'messages', 'partition: end offset'], rows));
}

function renderLag(lags) {
  const byGroupTopic = new Map();
  for (const l of lags) {
    const key = `${l.group} ${l.topic}`;
    if (!byGroupTopic.has(key)) byGroupTopic.set(key, { group: l.group, topic: l.topic, partitions: [] });
    byGroupTopic.get(key).partitions.push(l);
  }
  const total = lags.reduce((sum, l) => sum + l.messages, 0);
  document.getElementById('lag-total').textContent = `${total.toLocaleString('en')} waiting in all`;
  const rows = [...byGroupTopic.values()].map(({ group, topic, partitions }) => {
    const waiting = partitions.reduce((sum, p) => sum + p.messages, 0);
    const oldest = Math.max(0, ...partitions.map((p) => p.seconds));
    return h(
      'tr',
      { class: waiting > 0 ? 'lagging' : '', 'data-group': group, 'data-topic': topic },
      h('td', {}, group),
      h('td', {}, topic),
      h('td', { class: 'num' }, waiting.toLocaleString('en')),
      h('td', { class: 'num' }, waiting > 0 ? ago(oldest) : '-'),
      h(
        'td',
        {},
        partitions
          .sort((a, b) => a.partition - b.partition)
          .map((p) =>
            h(
              'span',
              { class: `chip ${p.messages > 0 ? 'warn' : ''}`, title: `committed ${p.committed}, end ${p.end}` },
              `${p.partition}: ${p.messages}`,
            ),
          ),
      ),
    );
  });
  replace('lag', rows.length ? table(['group', 'topic', 'lag', 'age', 'partition: lag'], rows) : []);
}

function renderEvents({ following, events }) {
  document.getElementById('events-note').textContent = following
    ? `newest first · ${events.length} since the console started`
    : 'joining the topics…';
  const rows = events.map((e) =>
    h(
      'tr',
      { 'data-event': e.eventId ?? `${e.topic}/${e.partition}/${e.offset}` },
      h('td', { class: 'mono' }, clock(e.appendedAt)),
      h('td', {}, e.topic),
      h('td', {}, e.type ?? h('em', {}, e.undecodable ?? '?')),
      h(
        'td',
        { class: 'mono' },
        e.key ? h('button', { class: 'link', type: 'button', 'data-order': e.key }, e.key) : '-',
      ),
    ),
  );
  replace('events', table(['time (UTC)', 'topic', 'type', 'key'], rows));
}

function renderDeadLetters({ readAt, services }) {
  document.getElementById('dead-letters-read').textContent = `read ${clock(readAt).slice(0, 8)} UTC`;
  replace(
    'dead-letters',
    services.map((s) =>
      h(
        'div',
        { class: 'dlq', 'data-service': s.service },
        h(
          'div',
          { class: 'dlq-head' },
          h('strong', {}, s.service),
          h('span', { class: 'muted' }, s.topic),
          h(
            'span',
            { class: `count ${s.count > 0 ? 'warn' : ''}` },
            `${s.count} dead letter${s.count === 1 ? '' : 's'}`,
          ),
        ),
        s.last.length
          ? h(
              'ul',
              {},
              s.last.map((d) =>
                h(
                  'li',
                  {},
                  h('span', { class: 'mono' }, d.failedAt.replace('T', ' ').slice(0, 19)),
                  ' ',
                  h('strong', {}, d.eventType ?? '?'),
                  ' ',
                  h('span', { class: 'chip bad' }, d.code ?? 'no code'),
                  ' ',
                  h('span', { class: 'muted' }, cut(d.reason ?? '', 90)),
                ),
              ),
            )
          : null,
      ),
    ),
  );
}

// The timeline: fetched on search and then again every few seconds, so an
// order still in flight shows its steps as they happen.
let timelineOrder;
let timelineTimer;

async function showTimeline(orderId) {
  clearTimeout(timelineTimer);
  timelineOrder = orderId;
  const section = document.getElementById('timeline-panel');
  const error = section.querySelector('.error');
  if (!orderId) return;
  try {
    const response = await fetch(`/api/orders/${encodeURIComponent(orderId)}/timeline`, { cache: 'no-store' });
    const body = await response.json();
    if (orderId !== timelineOrder) return; // another search came meanwhile
    if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
    renderTimeline(orderId, body);
    error.hidden = true;
  } catch (e) {
    if (orderId !== timelineOrder) return;
    error.textContent = e.message;
    error.hidden = false;
    document.getElementById('timeline-summary').textContent = '';
    replace('timeline');
  }
  timelineTimer = setTimeout(() => void showTimeline(orderId), TIMELINE_POLL_MS);
}

function renderTimeline(orderId, steps) {
  const last = steps.at(-1);
  document.getElementById('timeline-summary').textContent =
    `${orderId}: ${steps.length} events over ${duration(last.sinceStartMs)}; last: ${last.type ?? '?'}`;
  const rows = steps.map((s, i) =>
    h(
      'tr',
      { 'data-step': i + 1, 'data-type': s.type ?? '' },
      h('td', { class: 'num' }, i + 1),
      h('td', { class: 'num' }, duration(s.sinceStartMs)),
      h('td', { class: 'num' }, i === 0 ? '-' : `+${duration(s.sincePreviousMs)}`),
      h('td', { class: 'num' }, duration(s.relayMs)),
      h('td', {}, h('strong', {}, s.type ?? `(${s.undecodable})`), h('div', { class: 'muted small' }, s.topic)),
      h('td', { class: 'payload', title: JSON.stringify(s.payload) }, payloadSummary(s.payload)),
    ),
  );
  replace('timeline', table(['#', 'since start', 'step', 'relay', 'type · topic', 'payload'], rows));
}

function search(orderId) {
  const id = orderId.trim();
  document.getElementById('order-search').value = id;
  history.replaceState(null, '', id ? `#order=${encodeURIComponent(id)}` : '#');
  void showTimeline(id);
}

document.getElementById('order-form').addEventListener('submit', (event) => {
  event.preventDefault();
  search(document.getElementById('order-search').value);
});
document.getElementById('events').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-order]');
  if (button) search(button.dataset.order);
});

poll('services-panel', '/api/status', renderStatus, () => {
  const health = document.getElementById('health');
  health.dataset.healthy = 'unknown';
  health.textContent = 'status unknown';
});
poll('topics-panel', '/api/topics', renderTopics);
poll('lag-panel', '/api/lag', renderLag);
poll('events-panel', '/api/events', renderEvents);
poll('dead-letters-panel', '/api/dead-letters', renderDeadLetters);

const fromHash = new URLSearchParams(location.hash.slice(1)).get('order');
if (fromHash) search(fromHash);
