// Shared helpers of the web page: API calls, readable errors, names, byte offsets, DOM building.

export const STANCES = ['demands', 'proposes', 'accepts', 'rejects', 'threatens', 'asserts'];

// A glyph per stance, shown with its colour so that colour is never the only signal.
export const STANCE_GLYPHS = {
  demands: '!', proposes: '+', accepts: '✓', rejects: '✕', threatens: '▲', asserts: '●',
};

export function stanceGlyph(stance) {
  return el('span', { class: 'glyph', 'aria-hidden': 'true' }, STANCE_GLYPHS[stance] || '?');
}

// A failed API call: the problem+json body (RFC 9457) when there is one.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

const KEY_STORAGE = 'parley.key';

export function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

// Calls the API; answers the parsed JSON, throws ApiError otherwise.
// options: {method, query, body, contentType, key}
export async function api(path, options = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(options.query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { Accept: 'application/json' };
  if (options.contentType) headers['Content-Type'] = options.contentType;
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  let response;
  try {
    response = await fetch(url, { method: options.method || 'GET', headers, body: options.body });
  } catch (error) {
    throw new ApiError(0, { title: 'The service cannot be reached', detail: String(error.message || error) });
  }
  const type = response.headers.get('Content-Type') || '';
  let body = null;
  if (type.includes('json')) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, body || { title: response.statusText || `HTTP ${response.status}` });
  }
  return { status: response.status, body };
}

// A readable box for an error (problem+json fields, then the field errors).
export function errorBox(error, context) {
  const problem = error instanceof ApiError ? error.problem : { title: 'Something went wrong', detail: String(error) };
  const status = error instanceof ApiError && error.status ? ` (${error.status})` : '';
  const box = el('div', { class: 'error', role: 'alert' },
    el('strong', {}, `${context ? context + ': ' : ''}${problem.title || 'Error'}${status}`));
  if (problem.detail && problem.detail !== problem.title) box.append(el('p', {}, problem.detail));
  if (Array.isArray(problem.errors) && problem.errors.length) {
    box.append(el('ul', {}, ...problem.errors.map((e) => el('li', {}, el('code', {}, e.field), ' ', e.message))));
  }
  return box;
}

// Builds an element: el('a', {href: '/', class: 'x'}, 'text', child, ...).
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Every item of a paged list (follows `next`, at most `pages` pages).
export async function listAll(path, query = {}, pages = 20) {
  const items = [];
  let cursor;
  for (let page = 0; page < pages; page++) {
    const { body } = await api(path, { query: { ...query, limit: 200, cursor } });
    items.push(...body.items);
    if (!body.next) break;
    cursor = body.next;
  }
  return items;
}

// Parties and issues by slug, loaded once.
let namesPromise;
export function names() {
  namesPromise ??= Promise.all([listAll('/parties'), listAll('/issues')]).then(([parties, issues]) => ({
    parties: new Map(parties.map((p) => [p.slug, p])),
    issues: new Map(issues.map((i) => [i.slug, i])),
  })).catch((error) => {
    namesPromise = undefined;
    throw error;
  });
  return namesPromise;
}

export function partyName(map, slug) {
  return map?.get(slug)?.name || slug;
}

// Articles by id, fetched once each.
const articles = new Map();
export function article(id) {
  if (!articles.has(id)) {
    const promise = api(`/articles/${id}`).then((r) => r.body);
    promise.catch(() => articles.delete(id));
    articles.set(id, promise);
  }
  return articles.get(id);
}

// Text with UTF-8 byte offsets (as the API gives them): slices by bytes.
const encoder = new TextEncoder();
const decoder = new TextDecoder();
export class ByteText {
  constructor(text) {
    this.text = text;
    this.bytes = encoder.encode(text);
  }
  get length() {
    return this.bytes.length;
  }
  slice(start, end) {
    return decoder.decode(this.bytes.subarray(start, end));
  }
  // The JS string index of a byte offset.
  index(byteOffset) {
    return decoder.decode(this.bytes.subarray(0, byteOffset)).length;
  }
  // The byte offsets of the paragraph (line) around start..end.
  paragraph(start, end) {
    let from = start;
    while (from > 0 && this.bytes[from - 1] !== 0x0a) from--;
    let to = end;
    while (to < this.bytes.length && this.bytes[to] !== 0x0a) to++;
    return [from, to];
  }
}

// The paragraph of `text` around start..end with the evidence in <mark>.
export function evidenceParagraph(text, start, end, className = 'evidence-text') {
  const bytes = text instanceof ByteText ? text : new ByteText(text);
  if (!(start >= 0 && end <= bytes.length && start <= end)) return null;
  const [from, to] = bytes.paragraph(start, end);
  const before = bytes.slice(from, start);
  const after = bytes.slice(end, to);
  return el('p', { class: className },
    before.trimStart(), el('mark', { class: 'evidence' }, bytes.slice(start, end)), after.trimEnd());
}

export function formatDate(date) {
  if (!date) return 'undated';
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export function stanceBadge(stance) {
  return el('span', { class: `badge stance-${stance}` }, stanceGlyph(stance), ' ', stance);
}

// Marks the current page's link in the site header.
export function markNavigation() {
  for (const link of document.querySelectorAll('header.site nav a')) {
    if (link.getAttribute('href') === location.pathname) link.setAttribute('aria-current', 'page');
  }
}
