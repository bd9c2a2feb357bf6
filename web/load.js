// The load page: sends an article to POST /articles (dry run, then for real) and shows its parties and claims in the text.
import {
  api, ApiError, ByteText, el, errorBox, formatDate, markNavigation, names, stanceBadge, storedKey, storeKey,
} from './api.js';

const form = document.getElementById('load-form');
const textarea = document.getElementById('article-text');
const publishedInput = document.getElementById('published');
const urlInput = document.getElementById('url');
const fileInput = document.getElementById('file');
const sizeNote = document.getElementById('size');
const previewButton = document.getElementById('preview');
const storeButton = document.getElementById('store');
const resultBox = document.getElementById('result');
const resultTitle = document.getElementById('result-title');
const resultBody = document.getElementById('result-body');
const dialog = document.getElementById('key-dialog');
const keyInput = document.getElementById('key');
const keyWhy = document.getElementById('key-why');
const keyState = document.getElementById('key-state');
const KEY_WHY = keyWhy.innerHTML;

function showKeyState() {
  keyState.hidden = !storedKey();
}

// Asks for a key in a modal dialog; answers it, or null when cancelled.
function askKey(reason) {
  if (reason) keyWhy.textContent = reason;
  else keyWhy.innerHTML = KEY_WHY;
  keyInput.value = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const key = dialog.returnValue === 'ok' ? keyInput.value.trim() : '';
      resolve(key || null);
    }, { once: true });
    dialog.showModal();
    keyInput.focus();
  });
}

function updateSize() {
  const bytes = new TextEncoder().encode(textarea.value).length;
  sizeNote.textContent = bytes ? `${bytes.toLocaleString('en')} bytes` : '';
}

async function readFile() {
  const file = fileInput.files[0];
  if (!file) return;
  try {
    textarea.value = await file.text();
    updateSize();
  } catch (error) {
    resultTitle.textContent = 'The file could not be read';
    resultBody.replaceChildren(errorBox(error, file.name));
  }
}

// The request body: the bare text, or JSON when a date or URL is given (they override the extractor's).
function articleBody() {
  const text = textarea.value;
  const published = publishedInput.value;
  const url = urlInput.value.trim();
  if (!published && !url) return { body: text, contentType: 'text/plain; charset=utf-8' };
  const fields = { text };
  if (url) fields.url = url;
  if (published) fields.published = published;
  return { body: JSON.stringify(fields), contentType: 'application/json' };
}

// Sends the article. Blank text goes to the server too: its problem says what is wrong.
async function send(dryRun) {
  if (!form.reportValidity()) return;
  const { body, contentType } = articleBody();
  let key = storedKey();
  let reason = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!key) {
      key = await askKey(reason);
      if (!key) {
        resultTitle.textContent = 'Nothing sent';
        resultBody.replaceChildren(el('p', { class: 'notice info' }, 'An API key is needed to preview or store an article.'));
        return;
      }
      storeKey(key);
      showKeyState();
    }
    previewButton.disabled = storeButton.disabled = true;
    resultBody.setAttribute('aria-busy', 'true');
    try {
      const answer = await api('/articles', {
        method: 'POST', query: { dry_run: dryRun ? 'true' : undefined }, body, contentType, key,
      });
      await showResult(answer.body, answer.status, dryRun);
      return;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        storeKey(null);
        showKeyState();
        key = null;
        reason = 'That key was refused. Enter a valid API key.';
        continue;
      }
      // The title must not go on describing an earlier result ("Already stored as article 7").
      resultTitle.textContent = dryRun ? 'The preview failed' : 'The article was not stored';
      resultBody.replaceChildren(errorBox(error));
      return;
    } finally {
      previewButton.disabled = storeButton.disabled = false;
      resultBody.removeAttribute('aria-busy');
    }
  }
}

async function showResult(result, status, dryRun) {
  const { article, parties, claims } = result;
  let known = new Map();
  try {
    known = (await names()).parties;
  } catch {
    // names are a nicety here: slugs do
  }
  const byslug = new Map([...known, ...parties.map((p) => [p.slug, p])]);
  const nameOf = (slug) => byslug.get(slug)?.name || slug;

  let notice;
  if (dryRun) {
    resultTitle.textContent = 'Preview: nothing stored yet';
    notice = el('p', { class: 'notice info', role: 'status' },
      `The loader finds ${claims.length} claim${claims.length === 1 ? '' : 's'} by ${parties.length} part${parties.length === 1 ? 'y' : 'ies'}. `,
      'Nothing was stored: press ', el('strong', {}, 'Store article'), ' to keep them.');
  } else if (status === 201) {
    resultTitle.textContent = `Stored as article ${article.id}`;
    notice = el('p', { class: 'notice', role: 'status' },
      `Article ${article.id} is stored with ${claims.length} claim${claims.length === 1 ? '' : 's'}. `,
      el('a', { href: '/' }, 'See the positions'), '.');
  } else {
    resultTitle.textContent = `Already stored as article ${article.id}`;
    notice = el('p', { class: 'notice info', role: 'status' },
      `These exact bytes are article ${article.id} already: nothing new was created. `,
      el('a', { href: '/' }, 'See the positions'), '.');
  }

  const meta = el('div', { class: 'result-meta' },
    article.title ? el('span', {}, el('strong', {}, article.title)) : null,
    article.dateline ? el('span', {}, article.dateline) : null,
    article.published ? el('span', {}, `published ${formatDate(article.published)}`) : el('span', {}, 'no date found'),
    article.authors?.length ? el('span', {}, `by ${article.authors.join(', ')}`) : null,
    article.url ? el('a', { href: article.url, rel: 'noopener noreferrer', class: 'source' }, 'source') : null,
    el('span', {}, `${new TextEncoder().encode(article.text).length.toLocaleString('en')} bytes`));

  const bytes = new ByteText(article.text);
  const claimRanges = [];
  claims.forEach((claim, i) => {
    if (claim.start == null || claim.end == null || claim.end > bytes.length) return;
    const range = { start: bytes.index(claim.start), end: bytes.index(claim.end), n: i + 1, claim };
    if (claimRanges.every((r) => range.end <= r.start || range.start >= r.end)) claimRanges.push(range);
  });
  const mentions = partyMentions(article.text, parties);

  const partyList = el('ul', { class: 'parties-found', 'aria-label': 'Parties found' },
    ...parties.map((p) => el('li', {}, p.name, ' ', el('span', { class: 'muted' },
      p.kind === 'person' ? `${p.role || 'person'}${p.affiliation ? `, ${nameOf(p.affiliation)}` : ''}` : p.kind))));

  const claimList = el('ol', { class: 'loaded-claims' }, ...claims.map((claim, i) => el('li', { id: `claim-${i + 1}` },
    stanceBadge(claim.stance), ' ',
    el('strong', {}, claim.speaker ? nameOf(claim.speaker) : nameOf(claim.party)),
    claim.speaker ? ` (${nameOf(claim.party)})` : '',
    ' · ', claim.issues.length ? claim.issues.join(', ') : 'no issue',
    el('div', { class: 'meta' },
      formatDate(claim.stated_on),
      claim.quote ? ' · direct quote' : '',
      typeof claim.confidence === 'number' ? ` · confidence ${claim.confidence.toFixed(2)}` : '',
      claim.cue?.word ? ` · cue “${claim.cue.word}”` : '',
      ' · ', el('a', { href: `#claim-mark-${i + 1}` }, 'show in the text')))));

  resultBody.replaceChildren(notice, meta,
    el('h3', {}, 'Parties'), parties.length ? partyList : el('p', { class: 'muted' }, 'None found.'),
    el('h3', {}, 'The text'), markedText(article.text, claimRanges, mentions),
    el('h3', {}, 'Claims'), claims.length ? claimList : el('p', { class: 'muted' }, 'None found.'));
  resultBox.focus();
}

// Where the parties' names and aliases occur (whole words), longest first, without overlaps.
function partyMentions(text, parties) {
  const found = [];
  for (const party of parties) {
    for (const term of [party.name, ...(party.aliases || [])]) {
      if (!term || term.length < 2) continue;
      const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu');
      for (const match of text.matchAll(pattern)) {
        found.push({ start: match.index, end: match.index + match[0].length, party });
      }
    }
  }
  found.sort((a, b) => a.start - b.start || (b.end - b.start) - (a.end - a.start));
  const kept = [];
  for (const m of found) if (!kept.length || m.start >= kept[kept.length - 1].end) kept.push(m);
  return kept;
}

// The article, one paragraph per line, claims in <mark> (numbered) and party names underlined.
function markedText(text, claims, mentions) {
  const box = el('div', { class: 'marked-text', 'aria-label': 'Article text with claims highlighted' });
  let position = 0;
  for (const line of text.split('\n')) {
    const from = position;
    const to = position + line.length;
    position = to + 1;
    if (!line.trim()) continue;
    const points = new Set([from, to]);
    for (const r of [...claims, ...mentions]) {
      if (r.end > from && r.start < to) {
        points.add(Math.max(r.start, from));
        points.add(Math.min(r.end, to));
      }
    }
    const sorted = [...points].sort((a, b) => a - b);
    const paragraph = el('p');
    let mark = null;
    let markClaim = null;
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i];
      const b = sorted[i + 1];
      const claim = claims.find((c) => c.start <= a && c.end >= b);
      const mention = mentions.find((m) => m.start <= a && m.end >= b);
      const piece = text.slice(a, b);
      const node = mention
        ? el('span', { class: 'party-mention', title: `${mention.party.name} (${mention.party.kind})` }, piece)
        : document.createTextNode(piece);
      if (!claim) {
        mark = markClaim = null;
        paragraph.append(node);
        continue;
      }
      if (claim !== markClaim) {
        mark = el('mark', {
          class: 'claim-mark', id: `claim-mark-${claim.n}`, tabindex: '-1',
          title: `Claim ${claim.n}: ${claim.claim.stance}`,
        });
        markClaim = claim;
        paragraph.append(mark);
      }
      mark.append(node);
      if (b === claim.end) mark.append(el('sup', { 'aria-label': `claim ${claim.n}` }, String(claim.n)));
    }
    box.append(paragraph);
  }
  return box;
}

markNavigation();
showKeyState();
document.getElementById('forget-key').addEventListener('click', () => {
  storeKey(null);
  showKeyState();
});
fileInput.addEventListener('change', readFile);
textarea.addEventListener('input', updateSize);
form.addEventListener('submit', (event) => {
  event.preventDefault();
  send(true);
});
storeButton.addEventListener('click', () => send(false));
