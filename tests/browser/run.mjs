#!/usr/bin/env node
// Browser test of the web page: Debian's chromium (playwright-core) against a parleyd on a fresh database loaded with ../shared/corpus.
//
//   node tests/browser/run.mjs --parleyd build/parleyd --parley build/parley \
//        --artifacts build/browser-artifacts [--readme-screenshot docs/screenshot-matrix.png]
//
// Needs DATABASE_URL (a PostgreSQL cluster where it may create and drop a
// database), /usr/bin/chromium (or CHROMIUM) and `npm ci` in tests/browser.
// Exits 0 when every check passes, 1 when one fails, 77 (skipped) when
// chromium, playwright-core or the corpus is missing. Screenshots of every
// page go to the artefacts directory.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const parleyd = path.resolve(option('parleyd', path.join(repo, 'build', 'parleyd')));
const parley = path.resolve(option('parley', path.join(repo, 'build', 'parley')));
const artifacts = path.resolve(option('artifacts', path.join(repo, 'build', 'browser-artifacts')));
const readmeShot = option('readme-screenshot', null);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const corpus = path.join(repo, '..', 'shared', 'corpus');

function skip(message) {
  console.log(`browser: SKIPPED: ${message}`);
  process.exit(SKIP);
}

if (!fs.existsSync(chromiumPath)) skip(`no chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  skip('playwright-core is not installed (cd tests/browser && npm ci)');
}
if (!fs.existsSync(corpus) || !fs.readdirSync(corpus).some((f) => f.endsWith('.txt'))) {
  skip(`no corpus of .txt articles at ${corpus}`);
}
if (!process.env.DATABASE_URL) {
  console.error('browser: DATABASE_URL must name a PostgreSQL cluster to create a test database in');
  process.exit(1);
}
for (const binary of [parleyd, parley]) {
  if (!fs.existsSync(binary)) {
    console.error(`browser: ${binary} does not exist (build first)`);
    process.exit(1);
  }
}

// ------------------------------------------------------------------ checks

let failures = 0;
let passes = 0;
function check(condition, what, detail) {
  if (condition) {
    passes++;
    console.log(`  ok    ${what}`);
  } else {
    failures++;
    console.log(`  FAIL  ${what}${detail !== undefined ? `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
  }
  return condition;
}

// ------------------------------------------------------------------ database and server

// The cluster's URL with another database name (URI or key=value conninfo).
function withDatabase(url, name) {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  }
  return `${url} dbname=${name}`;
}

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout || '', stderr: result.stderr || '', error: result.error };
}

const dbName = `parley_browser_${process.pid}`;
const adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
const dbUrl = withDatabase(process.env.DATABASE_URL, dbName);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chromium-'));
let server = null;
let browser = null;

function psql(sql) {
  const result = run('psql', [adminUrl, '-v', 'ON_ERROR_STOP=1', '-qXc', sql]);
  if (result.status !== 0) throw new Error(`psql ${sql}: ${result.stderr || result.error}`);
}

async function cleanUp() {
  if (browser) await browser.close().catch(() => {});
  if (server && server.pid && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        resolve();
      }, 15000);
      server.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  try {
    psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  } catch (error) {
    console.log(`browser: could not drop ${dbName}: ${error.message}`);
  }
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

// Starts parleyd on a free port (PORT=0) and answers its base URL once it is ready.
async function startServer() {
  server = spawn(parleyd, [], {
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: '0', PARLEY_LOG_LEVEL: 'info', PARLEY_THREADS: '4' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = fs.createWriteStream(path.join(artifacts, 'parleyd.log'));
  let port = null;
  const sawPort = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log.write(chunk);
      const match = /listening on port (\d+)/.exec(chunk.toString());
      if (match && !port) {
        port = Number(match[1]);
        resolve();
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.once('error', (error) => reject(new Error(`parleyd could not start: ${error.message}`)));
    server.once('exit', (code) => reject(new Error(`parleyd exited with ${code}; see ${artifacts}/parleyd.log`)));
    setTimeout(() => reject(new Error('parleyd did not say which port it listens on within 20 s')), 20000);
  });
  await sawPort;
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return base;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('parleyd never became ready');
}

// ------------------------------------------------------------------ the test

// The stances of openapi.yaml's Stance.
const STANCES = ['demands', 'proposes', 'rejects', 'accepts', 'threatens', 'asserts'];

async function csvHref(page) {
  return page.$eval('#download', (a) => a.getAttribute('href')).catch(() => null);
}

// True when the page's CSV link is /claims?format=csv&bom=true with exactly the given filters.
async function checkCsvLink(page, base, filters) {
  const href = await csvHref(page);
  if (!href) return false;
  const url = new URL(href, base);
  const want = { format: 'csv', bom: 'true', ...filters };
  const got = Object.fromEntries(url.searchParams);
  return url.origin === base && url.pathname === '/claims' && url.searchParams.size === Object.keys(want).length &&
    Object.entries(want).every(([name, value]) => got[name] === value);
}

// How a text element lays out: its line boxes, whether its box clips it, and its ellipsis.
async function textLayout(element) {
  return element.evaluate((node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    const style = getComputedStyle(node);
    const vertical = style.writingMode.startsWith('vertical') || style.writingMode.startsWith('sideways');
    const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
    return {
      lines: new Set([...range.getClientRects()].map((r) => Math.round(vertical ? r.left : r.top))).size,
      // The size across the lines (the height of horizontal text, the width of vertical text) in lines.
      across: (vertical ? node.offsetWidth : node.offsetHeight) / lineHeight,
      clipped: node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1,
      ellipsis: style.textOverflow === 'ellipsis',
      text: node.textContent,
    };
  });
}

async function getJson(base, pathAndQuery) {
  const response = await fetch(base + pathAndQuery);
  const body = await response.json().catch(() => null);
  return { status: response.status, body };
}

// Clicks a cell and checks that the panel lists as many claims as the cell counts.
async function checkCellClaims(page, cell, what) {
  await page.click(`button.cell[data-party="${cell.party}"][data-issue="${cell.issue}"]`);
  await page.waitForFunction(() => {
    const status = document.querySelector('#panel .status');
    return status && /claims?( |$)/.test(status.textContent) && !status.textContent.includes('so far');
  });
  const listed = await page.$$eval('#panel article.claim', (articles) => articles.length);
  check(listed === Math.min(cell.claim_count, 50), `${what}: ${cell.party} × ${cell.issue} lists its ${cell.claim_count} claims`, listed);
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  psql(`CREATE DATABASE ${dbName}`);
  const env = { DATABASE_URL: dbUrl };
  let result = run(parley, ['migrate'], env);
  if (result.status !== 0) throw new Error(`parley migrate: ${result.stderr}`);
  result = run(parley, ['key', 'create', 'browser-test'], env);
  const key = (result.stdout.match(/parley_\S+/) || [])[0];
  if (result.status !== 0 || !key) throw new Error(`parley key create: ${result.stderr}`);
  result = run(parley, ['load', corpus], env);
  const loadedByCli = result.status === 0;
  console.log(`browser: parley load ${corpus}: exit ${result.status} ${result.stdout.trim()} ${result.stderr.trim()}`);

  const base = await startServer();
  console.log(`browser: parleyd at ${base}, database ${dbName}`);
  if (!loadedByCli) {
    // The command-line loader could not store: load through the API instead.
    console.log('browser: loading the corpus through POST /articles instead');
    for (const file of fs.readdirSync(corpus).filter((f) => f.endsWith('.txt')).sort()) {
      const response = await fetch(`${base}/articles`, {
        method: 'POST', body: fs.readFileSync(path.join(corpus, file)),
        headers: { 'Content-Type': 'text/plain; charset=utf-8', Authorization: `Bearer ${key}` },
      });
      if (response.status !== 201 && response.status !== 200) throw new Error(`POST /articles ${file}: ${response.status}`);
    }
  }
  const articlesBefore = (await getJson(base, '/articles?limit=200')).body.items;
  check(articlesBefore.length >= 1, `the corpus is loaded (${articlesBefore.length} articles)`);

  // Headers of the page's responses.
  for (const [pagePath, type] of [['/', 'text/html'], ['/load', 'text/html'], ['/docs', 'text/html'],
    ['/static/positions.js', 'text/javascript'], ['/static/parley.css', 'text/css'],
    ['/static/redoc.standalone.js', 'text/javascript']]) {
    const response = await fetch(base + pagePath);
    await response.arrayBuffer();
    const csp = response.headers.get('content-security-policy') || '';
    check(response.status === 200 && (response.headers.get('content-type') || '').startsWith(type) &&
      csp.includes("default-src 'self'") && !/script-src[^;]*unsafe/.test(csp) &&
      response.headers.get('x-content-type-options') === 'nosniff',
    `GET ${pagePath}: 200 ${type}, a CSP without unsafe scripts, nosniff`,
    `${response.status} ${response.headers.get('content-type')} ${csp}`);
  }
  const missing = await fetch(`${base}/static/no-such-file.js`);
  check(missing.status === 404 && (missing.headers.get('content-type') || '').startsWith('application/problem+json'),
    'GET /static/no-such-file.js: 404 problem');

  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = browser.pages()[0] || await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Redoc's footer logo comes from its CDN; the CSP blocks it, and Redoc then hides it.
    // The load page's test sends a wrong key (401) and a blank text (422) on purpose.
    const expected = message.text().includes('cdn.redoc.ly') ||
      (page.url().endsWith('/load') && /status of (401|422)/.test(message.text()));
    if (message.type() === 'error' && !expected) {
      problems.push(`console error on ${page.url()}: ${message.text()}`);
    }
  });
  page.on('requestfailed', (request) => {
    if (!request.url().startsWith('https://cdn.redoc.ly/')) problems.push(`request failed: ${request.url()}`);
  });
  page.setDefaultTimeout(15000);
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

  // ---------------------------------------------------------------- the matrix
  console.log('browser: the positions matrix');
  const positions = await getJson(base, '/positions');
  const positionsMissing = positions.status === 404 && positions.body?.detail === 'no resource at this path';
  await page.goto(`${base}/`);
  if (positionsMissing) {
    console.log('browser: GET /positions does not exist yet: matrix checks skipped, the page shows the problem');
    await page.waitForSelector('#matrix .error');
    check((await page.textContent('#matrix .error')).includes('Not found'), 'the matrix shows the 404 problem readably');
    await shot('matrix');
  } else {
    check(positions.status === 200, 'GET /positions answers 200', positions.status);
    const data = positions.body;
    await page.waitForSelector('table.matrix button.cell');
    await shot('matrix');
    const rows = await page.$$eval('table.matrix tbody th.row .row-name', (ths) => ths.map((th) => th.textContent));
    const columns = await page.$$eval('table.matrix thead th.col', (ths) => ths.map((th) => th.textContent));
    for (const slug of ['russia', 'ukraine', 'united-states']) {
      const party = data.parties.find((p) => p.slug === slug);
      check(party && rows.includes(party.name), `the matrix has a row for ${slug}`, rows);
    }
    check(JSON.stringify(rows) === JSON.stringify(data.parties.map((p) => p.name)), 'rows are the parties of GET /positions, in order');
    check(JSON.stringify(columns) === JSON.stringify(data.issues.map((i) => i.name)), 'columns are the issues of GET /positions, in order');
    check(data.issues.length >= 3 && data.issues.every((i) => i.parent === null), 'columns are top-level issues by default', data.issues.map((i) => i.slug));
    const cells = await page.$$eval('button.cell', (buttons) => buttons.map((b) => ({
      party: b.dataset.party, issue: b.dataset.issue,
      count: (b.querySelector('.count') || b).textContent.trim(),
      glyph: b.querySelector('.glyph')?.textContent.trim() ?? null,
      stance: [...b.classList].find((c) => c.startsWith('stance-')),
    })));
    check(cells.length === data.cells.length, `one button per cell (${cells.length})`, data.cells.length);
    const wrong = data.cells.filter((c) => !cells.some((b) => b.party === c.party && b.issue === c.issue &&
      b.count === String(c.claim_count) && b.stance === `stance-${c.stance}`));
    check(wrong.length === 0, 'each cell shows its claim count in the colour of its latest stance', wrong.slice(0, 3));

    // Colour is not the only signal: the legend gives every stance a glyph, and each cell carries its stance's.
    const legend = await page.$$eval('.legend li', (items) => items.map((li) => ({
      text: li.textContent, glyph: li.querySelector('.glyph')?.textContent.trim() || '',
    })));
    const glyphOf = {};
    for (const stance of STANCES) {
      const item = legend.find((l) => l.text.includes(stance));
      if (item && item.glyph) glyphOf[stance] = item.glyph;
    }
    check(STANCES.every((s) => glyphOf[s]) && new Set(Object.values(glyphOf)).size === STANCES.length,
      `the legend shows every stance with a glyph of its own (${STANCES.map((s) => `${s} ${glyphOf[s] ?? '-'}`).join(', ')})`, legend);
    const unmarked = cells.filter((b) => !b.glyph || b.glyph !== glyphOf[b.stance?.replace('stance-', '')]);
    check(cells.length > 0 && unmarked.length === 0, 'each cell carries the glyph of its stance', unmarked.slice(0, 3));

    // The headings' claim counts are the API's distinct claims per row (/positions party claim_count), not a sum of cells.
    const rowMeta = await page.$$eval('table.matrix tbody th.row .row-meta', (spans) => spans.map((s) => s.textContent));
    const rowCounts = data.parties.filter((p, i) => !(rowMeta[i] || '').includes(`${p.claim_count} claim`));
    check(rowMeta.length === data.parties.length && rowCounts.length === 0, 'each row names the claim_count of GET /positions', rowCounts.slice(0, 3));

    // A click lists the cell's claims with the evidence highlighted.
    const target = data.cells.filter((c) => c.party === 'russia').sort((a, b) => b.claim_count - a.claim_count)[0] || data.cells[0];
    await page.click(`button.cell[data-party="${target.party}"][data-issue="${target.issue}"]`);
    await page.waitForFunction((n) => document.querySelectorAll('#panel article.claim').length >= n &&
      [...document.querySelectorAll('#panel article.claim .evidence-box')].every((b) => !b.textContent.includes('Loading')),
    Math.min(target.claim_count, 50));
    await shot('cell');
    const cards = await page.$$eval('#panel article.claim', (articles) => articles.map((a) => ({
      id: Number(a.dataset.claimId), mark: a.querySelector('mark.evidence')?.textContent ?? null,
    })));
    check(cards.length === target.claim_count, `clicking ${target.party} × ${target.issue} lists its ${target.claim_count} claims`, cards.length);
    let exact = 0;
    for (const card of cards) {
      const claim = (await getJson(base, `/claims/${card.id}`)).body;
      const ok = claim.party === target.party && claim.start !== null && card.mark === claim.text;
      if (!ok) console.log(`        claim ${card.id}: highlighted ${JSON.stringify(card.mark)} vs text ${JSON.stringify(claim.text)}`);
      exact += ok ? 1 : 0;
    }
    check(cards.length > 0 && exact === cards.length, 'each claim\'s highlighted evidence equals the claim\'s text', `${exact}/${cards.length}`);
    check((await page.textContent('#panel-title')).length > 0, 'the panel names the cell', await page.textContent('#panel-title'));

    // The keyboard: arrows move between cells, Enter opens one.
    await page.focus(`button.cell[data-party="${target.party}"][data-issue="${target.issue}"]`);
    const before = await page.textContent('#panel-title');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.dataset?.party);
    check(focused && focused !== target.party, 'ArrowDown moves the focus to another row', focused);
    await page.keyboard.press('Enter');
    await page.waitForFunction((t) => document.getElementById('panel-title').textContent !== t, before);
    check(true, 'Enter on a focused cell lists its claims');

    // Filters: fine issues show sub-issues as columns.
    await page.selectOption('#depth', 'fine');
    const fine = (await getJson(base, '/positions?depth=fine')).body;
    await page.waitForFunction((n) => document.querySelectorAll('table.matrix thead th.col').length === n, fine.issues.length);
    check(page.url().includes('depth=fine'), 'the filter is kept in the address', page.url());
    await checkCellClaims(page, fine.cells.find((c) => fine.issues.find((i) => i.slug === c.issue)?.parent) || fine.cells[0], 'depth=fine');
    await page.selectOption('#depth', 'top');
    await page.waitForFunction((n) => document.querySelectorAll('table.matrix thead th.col').length === n, data.issues.length);
    // Rows of speakers: a person's cell lists that speaker's claims.
    await page.selectOption('#by', 'speaker');
    const speakers = (await getJson(base, '/positions?by=speaker')).body;
    await page.waitForFunction((n) => document.querySelectorAll('table.matrix tbody th.row').length === n, speakers.parties.length);
    const person = speakers.parties.find((p) => p.kind === 'person');
    check(person !== undefined, 'by=speaker has rows of people', speakers.parties.map((p) => p.slug));
    if (person) await checkCellClaims(page, speakers.cells.find((c) => c.party === person.slug), 'by=speaker');
    await page.selectOption('#by', 'party');
    await page.waitForFunction((n) => document.querySelectorAll('table.matrix tbody th.row').length === n, data.parties.length);

    // The CSV link asks for every claim the dates select.
    check(await checkCsvLink(page, base, {}), 'the CSV link asks for all claims with a BOM', await csvHref(page));
    const csvLink = await csvHref(page);
    const csvAnswer = csvLink ? await fetch(new URL(csvLink, base)) : null;
    if (csvAnswer?.status === 200) {
      const bytes = new Uint8Array(await csvAnswer.arrayBuffer());
      check((csvAnswer.headers.get('content-type') || '').startsWith('text/csv') && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf,
        'the CSV link answers text/csv starting with a UTF-8 BOM', csvAnswer.headers.get('content-type'));
    } else {
      console.log(`browser: the CSV link answers ${csvAnswer?.status ?? 'nothing'} (GET /claims?format=csv is not served here yet)`);
      await csvAnswer?.arrayBuffer();
    }
    await page.fill('#since', '2025-01-01');
    await page.fill('#until', '2025-12-31');
    await page.dispatchEvent('#filters', 'change');
    check(await checkCsvLink(page, base, { since: '2025-01-01', until: '2025-12-31' }), 'the CSV link follows the date filters', await csvHref(page));
    await page.click('#filters button:has-text("Reset")');
    check(await page.inputValue('#since') === '' && await page.inputValue('#until') === '' && !page.url().includes('since='),
      'Reset clears the dates', page.url());
    check(await checkCsvLink(page, base, {}), 'Reset takes the dates off the CSV link', await csvHref(page));
    if (await page.inputValue('#since') !== '') {
      // Reset failed (checked above): clear the dates by hand so that the checks below see the whole matrix.
      await page.fill('#since', '');
      await page.fill('#until', '');
      await page.dispatchEvent('#filters', 'change');
    }
    await page.waitForFunction((n) => !document.getElementById('matrix').hasAttribute('aria-busy') &&
      document.querySelectorAll('table.matrix tbody th.row').length === n, data.parties.length);
  }

  // ---------------------------------------------------------------- the screenshot for the README
  if (readmeShot && !positionsMissing) {
    // Taken before the load page adds an article, so it shows the corpus only.
    const small = await browser.newPage();
    await small.setViewportSize({ width: 1280, height: 760 });
    await small.goto(`${base}/`);
    await small.waitForSelector('table.matrix button.cell');
    const first = positions.body.cells.find((c) => c.party === 'russia') || positions.body.cells[0];
    await small.click(`button.cell[data-party="${first.party}"][data-issue="${first.issue}"]`);
    await small.waitForFunction(() => document.querySelector('#panel mark.evidence'));
    await small.evaluate(() => document.activeElement?.blur());
    await small.screenshot({ path: path.resolve(readmeShot) });
    console.log(`browser: wrote ${readmeShot} (${fs.statSync(readmeShot).size} bytes)`);
    await small.close();
  }

  // ---------------------------------------------------------------- a long issue name, a phone's width
  if (!positionsMissing) {
    console.log('browser: a long issue name; 390 px wide');
    const longName = 'Guarantees for the reconstruction of the energy grid and the return of deported children';
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` };
    const issue = await fetch(`${base}/issues`, { method: 'POST', headers, body: JSON.stringify({ name: longName }) });
    const issueBody = await issue.json();
    const claim = await fetch(`${base}/claims`, {
      method: 'POST', headers,
      body: JSON.stringify({ party: 'russia', stance: 'demands', issues: [issueBody.slug], text: 'Russia demands a test of long names.' }),
    });
    check(issue.status === 201 && claim.status === 201, 'an issue with a long name and a claim on it are stored', [issue.status, claim.status]);

    const phone = await browser.newPage();
    phone.setDefaultTimeout(15000);
    phone.on('pageerror', (error) => problems.push(`page error (390 px): ${error.message}`));
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${base}/`);
    await phone.waitForSelector('table.matrix button.cell');
    await phone.screenshot({ path: path.join(artifacts, 'mobile.png') });
    await phone.screenshot({ path: path.join(artifacts, 'mobile-full.png'), fullPage: true });

    const label = phone.locator('table.matrix thead th.col span', { hasText: longName }).first();
    const layout = (await label.count()) ? await textLayout(label) : null;
    check(layout && layout.text === longName && layout.lines >= 2 && layout.across > 1.5 && !layout.clipped && !layout.ellipsis,
      'a long issue name wraps onto more than one line, whole and without an ellipsis', layout);

    const widths = await phone.evaluate(() => {
      const box = document.getElementById('matrix');
      const before = box.scrollLeft;
      box.scrollLeft = 80;
      const scrolled = box.scrollLeft - before;
      box.scrollLeft = before;
      const nav = [...document.querySelectorAll('header.site nav a, header.site .brand')].map((a) => a.getBoundingClientRect());
      return {
        viewport: window.innerWidth,
        page: document.scrollingElement.scrollWidth,
        navRight: Math.max(...nav.map((r) => r.right)),
        navLeft: Math.min(...nav.map((r) => r.left)),
        boxRight: box.getBoundingClientRect().right,
        boxOverflow: getComputedStyle(box).overflowX,
        boxScroll: box.scrollWidth,
        boxClient: box.clientWidth,
        scrolled,
      };
    });
    check(widths.viewport === 390 && widths.page <= widths.viewport, 'at 390 px the page has no horizontal scroll', widths);
    check(widths.navLeft >= 0 && widths.navRight <= widths.viewport, 'at 390 px the navigation fits', widths);
    check(widths.boxRight <= widths.viewport && ['auto', 'scroll'].includes(widths.boxOverflow) &&
      widths.boxScroll > widths.boxClient && widths.scrolled > 0, 'at 390 px the matrix scrolls inside its own box', widths);

    await phone.evaluate(() => {
      const box = document.getElementById('matrix');
      box.scrollLeft = box.scrollWidth;
      box.scrollIntoView();
    });
    await phone.screenshot({ path: path.join(artifacts, 'mobile-scrolled.png') });
    await phone.goto(`${base}/load`);
    await phone.waitForSelector('#article-text');
    await phone.screenshot({ path: path.join(artifacts, 'mobile-load.png'), fullPage: true });
    const loadWidth = await phone.evaluate(() => [document.scrollingElement.scrollWidth, window.innerWidth]);
    check(loadWidth[0] <= loadWidth[1], 'at 390 px the load page has no horizontal scroll', loadWidth);
    await phone.close();
  }

  // ---------------------------------------------------------------- search
  console.log('browser: search');
  const word = 'ceasefire';
  const expected = (await getJson(base, `/claims?q=${word}&limit=50`)).body.items;
  await page.fill('#q', word);
  await page.press('#q', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#panel article.claim').length === n &&
    [...document.querySelectorAll('#panel .evidence-box')].every((b) => !b.textContent.includes('Loading')), expected.length);
  const found = await page.$$eval('#panel article.claim', (articles) => articles.map((a) => Number(a.dataset.claimId)));
  check(expected.length > 0 && found.length === expected.length && expected.every((c) => found.includes(c.id)),
    `the search box finds the claims of GET /claims?q=${word} (${expected.length})`, found);
  check((await page.textContent('#panel-title')).includes(word), 'the panel says what was searched');
  check(await checkCsvLink(page, base, { q: word }), 'the CSV link follows the search', await csvHref(page));
  await shot('search');

  // ---------------------------------------------------------------- load
  console.log('browser: the load page');
  const article = 'MOSCOW, Feb 3 (Reuters) - Kremlin spokesman Dmitry Peskov said on Tuesday that Russia rejects any ' +
    'ceasefire that would freeze the front line before a settlement on Donbas.\n\nUkrainian President Volodymyr ' +
    'Zelensky said Ukraine demands security guarantees from its allies before any deal is signed, and that Kyiv ' +
    'will not give up the Donbas.\n';
  await page.goto(`${base}/load`);
  await page.setInputFiles('#file', { name: 'browser-test.txt', mimeType: 'text/plain', buffer: Buffer.from(article) });
  await page.waitForFunction(() => document.getElementById('article-text').value.length > 0);
  check((await page.inputValue('#article-text')) === article, 'choosing a file fills the text');
  const published = '2024-02-03';
  const sourceUrl = 'https://example.org/news/browser-test';
  const hasFields = check(await page.locator('#published[type="date"]').count() === 1 && await page.locator('#url').count() === 1,
    'the load page has a date field and a URL field');
  if (hasFields) {
    await page.fill('#published', published);
    await page.fill('#url', sourceUrl);
  }
  await page.click('#preview');
  await page.waitForSelector('dialog#key-dialog[open]');
  check(true, 'a write asks for the key');
  await shot('load-key');
  await page.fill('#key', 'parley_wrong_key');
  await page.press('#key', 'Enter');
  await page.waitForFunction(() => document.getElementById('key-dialog').open &&
    document.getElementById('key-why').textContent.includes('refused'));
  check(true, 'a refused key is asked for again');
  await page.fill('#key', key);
  await page.press('#key', 'Enter');
  await page.waitForSelector('#result-body .notice, #result-body .error');
  const dryRun = await (await fetch(`${base}/articles?dry_run=true`, {
    method: 'POST', body: article, headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${key}` },
  })).json();
  const previewClaims = await page.$$eval('ol.loaded-claims > li', (lis) => lis.length);
  const previewMarks = await page.$$eval('mark.claim-mark', (marks) => marks.length);
  const previewMentions = await page.$$eval('.party-mention', (spans) => spans.map((s) => s.textContent));
  check(dryRun.claims.length > 0 && previewClaims === dryRun.claims.length, `the preview lists the dry run's ${dryRun.claims.length} claims`, previewClaims);
  check(previewMarks === dryRun.claims.length, 'the preview highlights each claim in the text', previewMarks);
  check(previewMentions.includes('Peskov') || previewMentions.includes('Dmitry Peskov'), 'the preview marks the parties in the text', previewMentions);
  check((await page.textContent('#result-title')).includes('nothing stored'), 'the preview says nothing was stored');
  const afterPreview = (await getJson(base, '/articles?limit=200')).body.items;
  check(afterPreview.length === articlesBefore.length, 'the dry run stores nothing');
  await shot('load-preview');
  check(await page.evaluate(() => sessionStorage.getItem('parley.key') !== null), 'the key is kept in sessionStorage');

  await page.click('#store');
  await page.waitForFunction(() => document.getElementById('result-title').textContent.startsWith('Stored as article'));
  const storedId = Number((await page.textContent('#result-title')).match(/\d+/)[0]);
  const afterStore = (await getJson(base, '/articles?limit=200')).body.items;
  check(afterStore.length === articlesBefore.length + 1 && afterStore.some((a) => a.id === storedId && a.sha256 === createHash('sha256').update(article).digest('hex')),
    `storing adds article ${storedId}, and GET /articles shows it`);
  const stored = (await getJson(base, `/articles/${storedId}`)).body;
  check(stored.published === published && stored.url === sourceUrl, 'the article is stored with the date and URL typed on the page',
    { published: stored.published, url: stored.url });
  await shot('load-stored');

  // The same bytes again: "Already stored"; then a blank text: the server's problem, and no stale title.
  await page.click('#store');
  await page.waitForFunction(() => document.getElementById('result-title').textContent.startsWith('Already stored'));
  const blank = '   \n\t \n';
  await page.fill('#article-text', blank);
  if (hasFields) {
    await page.fill('#published', '');
    await page.fill('#url', '');
  }
  await page.click('#preview');
  await page.waitForSelector('#result-body .error');
  const blankAnswer = await (await fetch(`${base}/articles?dry_run=true`, {
    method: 'POST', body: blank, headers: { 'Content-Type': 'text/plain; charset=utf-8', Authorization: `Bearer ${key}` },
  })).json();
  const blankShown = { title: await page.textContent('#result-title'), body: await page.textContent('#result-body') };
  check(typeof blankAnswer.detail === 'string' && blankShown.body.includes(blankAnswer.detail) && !blankShown.title.includes('Already stored'),
    `a whitespace-only text shows the server's problem ("${blankAnswer.detail}"), not "Already stored"`, blankShown);
  await shot('load-blank');

  // ---------------------------------------------------------------- docs
  console.log('browser: /docs');
  await page.goto(`${base}/docs`);
  await page.waitForSelector('#redoc h1');
  const title = await page.textContent('#redoc h1');
  check(title.includes('Parley API'), 'Redoc renders the API title', title);
  check(await page.locator('#redoc [role="menu"], #redoc .menu-content').count() > 0, 'Redoc renders its menu');
  await page.waitForTimeout(500);
  await shot('docs');

  check(problems.length === 0, 'no page errors, console errors or failed requests', problems);
}

let crashed = false;
try {
  await main();
} catch (error) {
  crashed = true;
  console.log(`browser: FAIL: ${error.stack || error}`);
}
await cleanUp();
console.log(`browser: ${passes} passed, ${failures} failed${crashed ? ', stopped early' : ''}; screenshots in ${artifacts}`);
process.exit(failures || crashed ? 1 : 0);
