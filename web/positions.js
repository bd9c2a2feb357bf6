// The positions page: draws GET /positions as a party-by-issue grid and lists a cell's claims (or a search's).
import {
  api, article, ByteText, el, errorBox, evidenceParagraph, formatDate, markNavigation, names, partyName,
  stanceBadge, stanceGlyph, STANCES,
} from './api.js';

const form = document.getElementById('filters');
const matrixBox = document.getElementById('matrix');
const summary = document.getElementById('matrix-summary');
const panel = document.getElementById('panel');
const panelTitle = document.getElementById('panel-title');
const panelBody = document.getElementById('panel-body');
const searchForm = document.getElementById('search');
const legend = document.getElementById('legend');
const downloadLink = document.getElementById('download');

const FILTERS = ['since', 'until', 'depth', 'by'];
let positions = null; // the last GET /positions answer
let selected = null; // the selected cell's button
let loadSerial = 0;

function filters() {
  const values = {};
  for (const name of FILTERS) values[name] = form.elements[name].value;
  return values;
}

// The filters as query parameters (defaults left out).
function filterQuery() {
  const f = filters();
  return {
    since: f.since || undefined,
    until: f.until || undefined,
    depth: f.depth !== 'top' ? f.depth : undefined,
    by: f.by !== 'party' ? f.by : undefined,
  };
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) form.elements[name].value = value;
  }
  const q = params.get('q');
  if (q) searchForm.elements.q.value = q;
}

// The address keeps the filters and the search; the CSV link asks /claims for the claims they select
// (the dates and the search: `depth` and `by` only shape the matrix).
function writeUrl() {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filterQuery())) if (value) params.set(name, value);
  const q = searchForm.elements.q.value.trim();
  if (q) params.set('q', q);
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);

  const csv = new URLSearchParams({ format: 'csv', bom: 'true' });
  for (const name of ['since', 'until', 'q']) if (params.get(name)) csv.set(name, params.get(name));
  downloadLink.href = `/claims?${csv}`;
}

// ------------------------------------------------------------------ matrix

async function loadMatrix() {
  const serial = ++loadSerial;
  const f = filters();
  if (f.since && f.until && f.since > f.until) {
    matrixBox.replaceChildren(errorBox(new Error('"From" is after "To": no claim can match.'), 'Dates'));
    summary.textContent = '';
    return;
  }
  matrixBox.setAttribute('aria-busy', 'true');
  try {
    const { body } = await api('/positions', { query: filterQuery() });
    if (serial !== loadSerial) return;
    positions = body;
    drawMatrix(body);
  } catch (error) {
    if (serial !== loadSerial) return;
    positions = null;
    summary.textContent = '';
    matrixBox.replaceChildren(errorBox(error, 'The positions could not be loaded'));
  } finally {
    if (serial === loadSerial) matrixBox.removeAttribute('aria-busy');
  }
}

function cellLabel(party, issue, cell) {
  const counts = STANCES.filter((s) => cell.counts?.[s]).map((s) => `${cell.counts[s]} ${s}`).join(', ');
  return `${party.name} on ${issue.name}: latest stance ${cell.stance} (${formatDate(cell.stated_on)}); ` +
    `${cell.claim_count} claim${cell.claim_count === 1 ? '' : 's'}${counts ? ` (${counts})` : ''}`;
}

function drawMatrix(data) {
  const parties = data.parties || [];
  const issues = data.issues || [];
  const cells = new Map((data.cells || []).map((c) => [`${c.party}\u0000${c.issue}`, c]));
  const total = parties.reduce((sum, p) => sum + (p.claim_count || 0), 0);
  summary.textContent = parties.length
    ? `${parties.length} ${filters().by === 'speaker' ? 'speakers' : 'parties'} × ${issues.length} issues · ${total} claims`
    : '';
  if (!parties.length || !issues.length) {
    matrixBox.replaceChildren(el('p', { class: 'empty-note' },
      'No claims match these filters. Widen the dates, or load an article.'));
    return;
  }
  const head = el('tr', {},
    el('th', { class: 'corner', scope: 'col' }, filters().by === 'speaker' ? 'Speaker' : 'Party'),
    ...issues.map((issue) => el('th', { class: 'col', scope: 'col', title: issueTitle(issue) },
      el('div', {}, el('span', {}, issue.name)))));
  const rows = parties.map((party, row) => el('tr', {},
    el('th', { scope: 'row', class: 'row' },
      el('span', { class: 'row-name' }, party.name),
      el('span', { class: 'row-meta' }, `${party.kind} · ${party.claim_count} claim${party.claim_count === 1 ? '' : 's'}`)),
    ...issues.map((issue, column) => {
      const cell = cells.get(`${party.slug}\u0000${issue.slug}`);
      if (!cell) return el('td', { class: 'empty' }, el('span', { class: 'sr-only' }, 'no claims'));
      return el('td', {}, el('button', {
        type: 'button',
        class: `cell stance-${cell.stance}`,
        tabindex: row === 0 && column === firstColumn(parties[0], issues, cells) ? '0' : '-1',
        'aria-label': cellLabel(party, issue, cell),
        title: cellLabel(party, issue, cell),
        dataset: { party: party.slug, issue: issue.slug, row, column },
        onclick: (event) => selectCell(event.currentTarget, party, issue, cell),
      }, stanceGlyph(cell.stance), el('span', { class: 'count' }, String(cell.claim_count))));
    })));
  const table = el('table', { class: 'matrix', 'aria-label': 'Latest stance of each party on each issue' },
    el('thead', {}, head), el('tbody', {}, rows));
  table.addEventListener('keydown', onMatrixKey);
  matrixBox.replaceChildren(table);
  // Every row has a cell; make sure exactly one button is in the tab order.
  const buttons = table.querySelectorAll('button.cell');
  if (buttons.length && !table.querySelector('button.cell[tabindex="0"]')) buttons[0].tabIndex = 0;
  selected = null;
}

function firstColumn(party, issues, cells) {
  return issues.findIndex((issue) => cells.has(`${party.slug}\u0000${issue.slug}`));
}

function issueTitle(issue) {
  return `${issue.name}${issue.parent ? ` (under ${issue.parent})` : ''}: ${issue.claim_count} claims`;
}

// Arrow keys move between cells (skipping empty ones); Home/End along a row.
function onMatrixKey(event) {
  const current = event.target.closest('button.cell');
  if (!current) return;
  const row = Number(current.dataset.row);
  const column = Number(current.dataset.column);
  const table = event.currentTarget;
  const at = (r, c) => table.querySelector(`button.cell[data-row="${r}"][data-column="${c}"]`);
  const rowCount = positions.parties.length;
  const columnCount = positions.issues.length;
  let target = null;
  const scan = (dr, dc) => {
    for (let r = row + dr, c = column + dc; r >= 0 && r < rowCount && c >= 0 && c < columnCount; r += dr, c += dc) {
      const found = at(r, c);
      if (found) return found;
    }
    return null;
  };
  // Up and down: the nearest row with a cell in this column, else the nearest cell in that row.
  const nearestInRow = (dr) => {
    for (let r = row + dr; r >= 0 && r < rowCount; r += dr) {
      const same = at(r, column);
      if (same) return same;
      const cellsOfRow = [...table.querySelectorAll(`button.cell[data-row="${r}"]`)];
      if (cellsOfRow.length) {
        return cellsOfRow.reduce((best, b) =>
          Math.abs(b.dataset.column - column) < Math.abs(best.dataset.column - column) ? b : best);
      }
    }
    return null;
  };
  switch (event.key) {
    case 'ArrowRight': target = scan(0, 1); break;
    case 'ArrowLeft': target = scan(0, -1); break;
    case 'ArrowDown': target = nearestInRow(1); break;
    case 'ArrowUp': target = nearestInRow(-1); break;
    case 'Home': target = table.querySelector(`button.cell[data-row="${row}"]`); break;
    case 'End': target = [...table.querySelectorAll(`button.cell[data-row="${row}"]`)].pop(); break;
    default: return;
  }
  event.preventDefault();
  if (target) focusCell(target);
}

function focusCell(button) {
  for (const other of button.closest('table').querySelectorAll('button.cell[tabindex="0"]')) other.tabIndex = -1;
  button.tabIndex = 0;
  button.focus();
}

// ------------------------------------------------------------------ claims

function selectCell(button, party, issue, cell) {
  if (selected) selected.removeAttribute('aria-current');
  selected = button;
  button.setAttribute('aria-current', 'true');
  focusCell(button);
  const f = filters();
  const counts = el('p', { class: 'counts' },
    ...STANCES.filter((s) => cell.counts?.[s]).map((s) => el('span', { class: 'count' }, stanceBadge(s), ` ${cell.counts[s]}`)));
  const range = f.since || f.until ? ` · ${f.since ? formatDate(f.since) : '…'} to ${f.until ? formatDate(f.until) : 'today'}` : '';
  panelTitle.textContent = `${party.name} on ${issue.name}`;
  const intro = el('div', { class: 'panel-intro' },
    el('p', { class: 'muted' }, `Latest: `, stanceBadge(cell.stance), ` on ${formatDate(cell.stated_on)} · ${cell.claim_count} claim${cell.claim_count === 1 ? '' : 's'}${range}`),
    counts);

  // The claims behind the cell: rows are claim parties (by=party) or speakers (by=speaker);
  // an issue column is the issue with its sub-issues unless depth=fine.
  const base = { issue: issue.slug, since: f.since || undefined, until: f.until || undefined, sort: '-stated_on' };
  const queries = [];
  let keep = () => true;
  if (f.by === 'speaker') {
    queries.push({ ...base, speaker: party.slug });
    if (party.kind !== 'person') {
      queries.push({ ...base, party: party.slug });
      keep = (c) => c.speaker === party.slug || (c.party === party.slug && !c.speaker);
    }
  } else {
    queries.push({ ...base, party: party.slug });
  }
  const exact = f.depth === 'fine' ? (c) => c.issues.includes(issue.slug) : () => true;
  showClaims({ intro, queries, keep: (c) => keep(c) && exact(c), expected: cell.claim_count });
}

async function search(event) {
  event.preventDefault();
  const q = searchForm.elements.q.value.trim();
  writeUrl();
  if (!q) {
    searchForm.elements.q.focus();
    return;
  }
  if (selected) selected.removeAttribute('aria-current');
  selected = null;
  const f = filters();
  panelTitle.textContent = `Claims matching “${q}”`;
  const range = f.since || f.until ? `Between ${f.since ? formatDate(f.since) : 'the start'} and ${f.until ? formatDate(f.until) : 'today'}` : '';
  showClaims({
    intro: range ? el('p', { class: 'muted' }, range) : null,
    queries: [{ q, since: f.since || undefined, until: f.until || undefined }],
    keep: () => true,
  });
}

// Fills the panel with the claims of `queries` (merged, newest statement first), a page at a time.
async function showClaims({ intro, queries, keep, expected }) {
  const serial = ++showClaims.serial;
  const list = el('div', { class: 'claims', 'aria-live': 'polite', 'aria-busy': 'true' });
  const status = el('p', { class: 'muted status' }, 'Loading claims…');
  panelBody.replaceChildren(...[intro, status, list].filter(Boolean));
  panel.scrollIntoView({ block: 'nearest' });
  const cursors = queries.map(() => undefined);
  const done = queries.map(() => false);
  const seen = new Set();
  let shown = 0;
  let map;
  const more = el('button', { type: 'button', class: 'secondary more' }, 'Show more claims');
  const loadPage = async () => {
    more.disabled = true;
    try {
      map ??= (await names()).parties;
      const pages = await Promise.all(queries.map((query, i) => done[i] ? null
        : api('/claims', { query: { ...query, limit: 50, cursor: cursors[i] } })));
      if (serial !== showClaims.serial) return;
      const claims = [];
      pages.forEach((page, i) => {
        if (!page) return;
        cursors[i] = page.body.next;
        done[i] = !page.body.next;
        for (const claim of page.body.items) {
          if (!seen.has(claim.id) && keep(claim)) {
            seen.add(claim.id);
            claims.push(claim);
          }
        }
      });
      claims.sort((a, b) => (b.stated_on || '').localeCompare(a.stated_on || '') || b.id - a.id);
      for (const claim of claims) list.append(claimCard(claim, map));
      shown += claims.length;
      const finished = done.every(Boolean);
      status.textContent = shown === 0 && finished ? 'No claims found.'
        : `${shown} claim${shown === 1 ? '' : 's'}${finished ? '' : ' so far'}` +
          (finished && expected !== undefined && expected !== shown ? ` (the matrix counts ${expected})` : '');
      if (finished) more.remove();
      else if (!more.isConnected) panelBody.append(more);
    } catch (error) {
      if (serial !== showClaims.serial) return;
      status.replaceWith(errorBox(error, 'The claims could not be loaded'));
    } finally {
      list.removeAttribute('aria-busy');
      more.disabled = false;
    }
  };
  more.addEventListener('click', loadPage);
  await loadPage();
}
showClaims.serial = 0;

function claimCard(claim, map) {
  const party = map.get(claim.party);
  const speaker = claim.speaker ? map.get(claim.speaker) : null;
  const who = el('span', { class: 'who' },
    el('strong', {}, speaker ? speaker.name : partyName(map, claim.party)),
    speaker?.role ? el('span', { class: 'muted' }, ` ${speaker.role}`) : null,
    speaker ? el('span', { class: 'party' }, ` · ${party?.name || claim.party}`) : null);
  const evidence = el('div', { class: 'evidence-box' }, el('p', { class: 'muted' }, 'Loading the article…'));
  const card = el('article', { class: 'claim', dataset: { claimId: claim.id } },
    el('header', {}, stanceBadge(claim.stance), who,
      el('time', { datetime: claim.stated_on || '' }, formatDate(claim.stated_on))),
    evidence,
    el('footer', {},
      el('ul', { class: 'chips', 'aria-label': 'Issues' }, ...claim.issues.map((slug) => el('li', {}, slug))),
      claim.quote ? el('span', { class: 'quoted' }, 'direct quote') : null));
  fillEvidence(claim, evidence, card.querySelector('footer'));
  return card;
}

async function fillEvidence(claim, box, footer) {
  if (claim.article_id == null || claim.start == null || claim.end == null) {
    box.replaceChildren(el('blockquote', { class: 'claim-text' }, claim.text));
    return;
  }
  try {
    const record = await article(claim.article_id);
    const text = new ByteText(record.text);
    const paragraph = evidenceParagraph(text, claim.start, claim.end);
    if (!paragraph) throw new Error('the claim\'s offsets are outside the article');
    box.replaceChildren(paragraph);
    const mark = paragraph.querySelector('mark');
    mark.dataset.claimId = claim.id;
    if (mark.textContent !== claim.text) {
      box.append(el('p', { class: 'claim-text-note' }, el('span', { class: 'muted' }, 'Claim as recorded: '), claim.text));
    }
    const source = [record.title, record.dateline, record.published && formatDate(record.published),
      record.authors?.length ? `by ${record.authors.join(', ')}` : null].filter(Boolean).join(' · ');
    const details = el('details', { class: 'article' },
      el('summary', {}, `Article ${record.id}${source ? ` — ${source}` : ''}`));
    details.addEventListener('toggle', () => {
      if (details.open && details.childElementCount === 1) details.append(wholeArticle(text, claim));
    }, { once: false });
    footer.append(details);
    if (record.url) footer.append(el('a', { href: record.url, rel: 'noopener noreferrer', class: 'source' }, 'source'));
  } catch (error) {
    box.replaceChildren(el('blockquote', { class: 'claim-text' }, claim.text), errorBox(error, 'The article could not be loaded'));
  }
}

// The whole article, one paragraph per line, with the claim's evidence marked.
function wholeArticle(text, claim) {
  const box = el('div', { class: 'article-text' });
  let from = 0;
  while (from < text.length) {
    let to = from;
    while (to < text.length && text.bytes[to] !== 0x0a) to++;
    if (claim.start >= from && claim.end <= to && to > from) {
      box.append(evidenceParagraph(text, claim.start, claim.end, ''));
    } else {
      const line = text.slice(from, to).trim();
      if (line) box.append(el('p', {}, line));
    }
    from = to + 1;
  }
  return box;
}

// ------------------------------------------------------------------ start

readUrl();
writeUrl();
markNavigation();
legend.replaceChildren(...STANCES.map((stance) => el('li', { dataset: { stance } },
  el('span', { class: `glyph stance-${stance}`, 'aria-hidden': 'true' }, stanceGlyph(stance).textContent), stance)));
form.addEventListener('change', () => {
  writeUrl();
  loadMatrix();
});
form.addEventListener('submit', (event) => event.preventDefault());
document.getElementById('reset-filters').addEventListener('click', () => {
  form.reset(); // the button is not called "reset": form.reset would name it instead of the method
  writeUrl();
  loadMatrix();
});
searchForm.addEventListener('submit', search);
loadMatrix();
if (searchForm.elements.q.value.trim()) searchForm.requestSubmit();
