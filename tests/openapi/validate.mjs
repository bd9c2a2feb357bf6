#!/usr/bin/env node
// Checks recorded live responses of parleyd against openapi.yaml.
//
//   node tests/openapi/validate.mjs openapi.yaml responses.jsonl
//   node tests/openapi/validate.mjs --self-test openapi.yaml
//
// Each line of responses.jsonl is one recorded response:
//   {"method": "GET", "path": "/claims/12?limit=2", "status": 200,
//    "headers": {"content-type": "application/json", "etag": "\"...\""},
//    "body": <parsed JSON, a string for non-JSON bodies, or null>}
// Header names are lowercase. For every line the script finds the operation
// (path template and method; HEAD uses its own operation, or GET's), the response for the status
// (exact, then NXX, then default), checks the Content-Type against the
// documented media types, validates the body with ajv (JSON Schema 2020-12,
// which OpenAPI 3.1 schemas are) and checks the documented required headers
// (and Link when the body's `next` is not null). A path that matches no route
// and a method a route does not have are checked against the document's
// `x-parley-router-responses` (404 and 405).
//
// Prints one line per failing response and a final "N passed, M failed";
// exits 1 when anything failed or when there was nothing to check.

import fs from 'node:fs';
import process from 'node:process';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';

const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;

const BASE = 'https://parley.dev/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// ---------------------------------------------------------------- the document

function escapeToken(token) {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapeToken(token) {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointerOf(tokens) {
  return tokens.map((t) => '/' + escapeToken(t)).join('');
}

function getPointer(doc, pointer) {
  if (pointer === '' || pointer === '/') return doc;
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[unescapeToken(decodeURIComponent(raw))];
  }
  return node;
}

class Spec {
  constructor(doc) {
    this.doc = doc;
    this.ajv = new Ajv2020({
      strict: false, // the document carries OpenAPI keywords (example, ...)
      allErrors: true,
      validateFormats: true,
    });
    addFormats(this.ajv);
    const copy = structuredClone(doc);
    copy.$id = BASE;
    this.ajv.addSchema(copy);
    this.validators = new Map();
    this.templates = Object.keys(doc.paths || {}).map((template) => ({
      template,
      segments: template.split('/').slice(1),
    }));
  }

  // Follows local $refs; returns the object and the pointer it lives at.
  deref(pointer) {
    let node = getPointer(this.doc, pointer);
    const seen = new Set();
    while (node && typeof node === 'object' && typeof node.$ref === 'string') {
      if (!node.$ref.startsWith('#')) throw new Error(`external $ref not supported: ${node.$ref}`);
      if (seen.has(node.$ref)) throw new Error(`$ref cycle at ${node.$ref}`);
      seen.add(node.$ref);
      pointer = node.$ref.slice(1);
      node = getPointer(this.doc, pointer);
    }
    return { node, pointer };
  }

  // An ajv validator for the schema at a pointer of the document.
  validator(pointer) {
    let v = this.validators.get(pointer);
    if (!v) {
      const fragment = pointer
        .split('/')
        .map((t) => encodeURIComponent(t))
        .join('/');
      v = this.ajv.compile({ $ref: `${BASE}#${fragment}` });
      this.validators.set(pointer, v);
    }
    return v;
  }

  // The path template a concrete path matches; literal segments win over
  // templated ones, position by position.
  matchPath(path) {
    const segments = path.split('/').slice(1);
    let best = null;
    let bestScore = null;
    for (const t of this.templates) {
      if (t.segments.length !== segments.length) continue;
      const score = [];
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const ts = t.segments[i];
        if (/^\{[^}]+\}$/.test(ts)) {
          if (segments[i] === '') { ok = false; break; }
          score.push(0);
        } else if (ts === segments[i]) {
          score.push(1);
        } else { ok = false; break; }
      }
      if (!ok) continue;
      if (!best || compareScores(score, bestScore) > 0) {
        best = t.template;
        bestScore = score;
      }
    }
    return best;
  }
}

function compareScores(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function formatErrors(errors) {
  return (errors || [])
    .map((e) => {
      const where = e.instancePath || '/';
      let msg = `${where} ${e.message}`;
      if (e.keyword === 'additionalProperties') msg += ` (${e.params.additionalProperty})`;
      if (e.keyword === 'enum') msg += ` (${e.params.allowedValues.join(', ')})`;
      return msg;
    })
    .join('; ');
}

function headerValue(headers, name) {
  const v = headers[name.toLowerCase()];
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

function isJsonMedia(mt) {
  return mt === 'application/json' || mt.endsWith('+json');
}

function isEmptyBody(body) {
  return body === undefined || body === null || body === '';
}

// ------------------------------------------------------------- one response

// Returns a list of problems (empty when the response conforms).
function checkResponse(spec, rec) {
  const problems = [];
  const method = String(rec.method || '').toLowerCase();
  const status = Number(rec.status);
  const headers = {};
  for (const [k, v] of Object.entries(rec.headers || {})) headers[k.toLowerCase()] = v;
  const body = rec.body;
  const rawPath = String(rec.path || '');
  const path = rawPath.split('#')[0].split('?')[0];

  if (!METHODS.includes(method)) return [`unknown method ${rec.method}`];
  if (!Number.isInteger(status)) return [`bad status ${rec.status}`];

  const router = spec.doc['x-parley-router-responses'] || {};
  const isHead = method === 'head';
  let responsePointer = null;

  // The HTTP layer's own answers to malformed HTTP: no Content-Type, the
  // connection closed (see x-parley-router-responses.protocolError).
  const protocol = router.protocolError;
  if (protocol && (protocol.statuses || []).includes(status) &&
      headerValue(headers, 'content-type') === undefined &&
      String(headerValue(headers, 'connection') || '').toLowerCase() === 'close') {
    return [];
  }

  const template = spec.matchPath(path);
  if (!template) {
    if (status === 404 && router.unknownPath) {
      responsePointer = '/x-parley-router-responses/unknownPath';
    } else {
      return [`undocumented path (no template matches ${path})`];
    }
  } else {
    // HEAD has its own operation where the document declares one (headers
    // only); otherwise it is checked against GET's.
    const declaredHead = spec.deref(pointerOf(['paths', template, 'head'])).node;
    const opMethod = isHead && !declaredHead ? 'get' : method;
    const opPointer = pointerOf(['paths', template, opMethod]);
    const op = spec.deref(opPointer).node;
    if (!op) {
      if (status === 405 && router.methodNotAllowed) {
        responsePointer = '/x-parley-router-responses/methodNotAllowed';
      } else {
        return [`undocumented method ${method.toUpperCase()} on ${template}`];
      }
    } else {
      const responses = op.responses || {};
      const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
      if (!key) return [`undocumented status ${status} for ${opMethod.toUpperCase()} ${template}`];
      responsePointer = pointerOf(['paths', template, opMethod, 'responses', key]);
    }
  }

  const { node: response, pointer: resolvedPointer } = spec.deref(responsePointer);
  if (!response) return [`cannot resolve response at ${responsePointer}`];

  // Content type and body.
  const content = response.content || {};
  const mediaTypes = Object.keys(content);
  const ctHeader = headerValue(headers, 'content-type');
  const ct = ctHeader ? ctHeader.split(';')[0].trim().toLowerCase() : undefined;
  if (mediaTypes.length === 0) {
    if (!isEmptyBody(body)) problems.push('body present on a response documented without content');
  } else {
    let chosen;
    if (ct === undefined) {
      if (!isHead) problems.push(`missing content-type (expected ${mediaTypes.join(' or ')})`);
    } else {
      chosen = mediaTypes.find((m) => m.toLowerCase() === ct);
      if (!chosen) {
        chosen = mediaTypes.find((m) => {
          const [type, sub] = m.toLowerCase().split('/');
          return (sub === '*' && ct.startsWith(type + '/')) || m === '*/*';
        });
      }
      if (!chosen) problems.push(`content-type ${ct} not documented (expected ${mediaTypes.join(' or ')})`);
    }
    if (isHead) {
      if (!isEmptyBody(body)) problems.push('HEAD response with a body');
    } else if (chosen && content[chosen] && content[chosen].schema) {
      const schemaPointer = pointerOf([
        ...resolvedPointer.slice(1).split('/').map(unescapeToken),
        'content',
        chosen,
        'schema',
      ]);
      if (isJsonMedia(chosen.toLowerCase())) {
        if (body === undefined) {
          problems.push('missing body');
        } else {
          const validate = spec.validator(schemaPointer);
          if (!validate(body)) problems.push(`body: ${formatErrors(validate.errors)}`);
        }
      } else if (typeof body === 'string') {
        const validate = spec.validator(schemaPointer);
        if (!validate(body)) problems.push(`body: ${formatErrors(validate.errors)}`);
      }
    }
  }

  // Headers.
  const documented = response.headers || {};
  for (const name of Object.keys(documented)) {
    if (name.toLowerCase() === 'content-type') continue;
    const hdrPointer = pointerOf([...resolvedPointer.slice(1).split('/').map(unescapeToken), 'headers', name]);
    const { node: header, pointer: headerPointer } = spec.deref(hdrPointer);
    if (!header) continue;
    const value = headerValue(headers, name);
    let required = header.required === true;
    if (name.toLowerCase() === 'link' && body && typeof body === 'object' && body.next !== null && body.next !== undefined) {
      required = true;
      if (value !== undefined && !/rel="?next"?/.test(value)) problems.push(`header Link without rel="next": ${value}`);
    }
    if (value === undefined) {
      if (required) problems.push(`missing header ${name}`);
      continue;
    }
    if (header.schema) {
      const types = [].concat(spec.deref(pointerOf([...headerPointer.slice(1).split('/').map(unescapeToken), 'schema'])).node.type || []);
      let instance = value;
      if (types.includes('integer') || types.includes('number')) {
        if (!/^-?[0-9]+(\.[0-9]+)?$/.test(value.trim())) {
          problems.push(`header ${name}: "${value}" is not a number`);
          continue;
        }
        instance = Number(value.trim());
      }
      const validate = spec.validator(pointerOf([...headerPointer.slice(1).split('/').map(unescapeToken), 'schema']));
      if (!validate(instance)) problems.push(`header ${name} "${value}": ${formatErrors(validate.errors)}`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------- modes

function loadSpec(file) {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  if (!doc || typeof doc !== 'object' || !doc.paths) throw new Error(`${file}: not an OpenAPI document`);
  return new Spec(doc);
}

function describe(rec) {
  return `${String(rec.method || '?').toUpperCase()} ${rec.path} ${rec.status}`;
}

function runFile(spec, file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let passed = 0;
  let failed = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      failed++;
      console.log(`${file}:${i + 1}: not JSON: ${e.message}`);
      return;
    }
    let problems;
    try {
      problems = checkResponse(spec, rec);
    } catch (e) {
      problems = [`validator error: ${e.message}`];
    }
    if (problems.length) {
      failed++;
      console.log(`${file}:${i + 1}: ${describe(rec)}: ${problems.join('; ')}`);
    } else {
      passed++;
    }
  });
  if (passed + failed === 0) console.log(`${file}: no responses to check`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

const TS = '2025-12-29T10:00:00.123456Z';
const ETAG = '"0123456789abcdef0123456789abcdef"';
const JSON_CT = 'application/json';
const PROBLEM_CT = 'application/problem+json';

function party(extra = {}) {
  return {
    id: 1, slug: 'russia', name: 'Russia', kind: 'state', aliases: ['Kremlin', 'Moscow'],
    affiliation: null, role: null, created_at: TS, updated_at: TS, ...extra,
  };
}

function claim(extra = {}) {
  return {
    id: 12, article_id: null, party: 'russia', speaker: 'dmitry-peskov', issues: ['donbas'],
    stance: 'demands', quote: false, text: 'Ukraine must withdraw from Donbas.', start: null,
    end: null, stated_on: '2025-12-29', origin: 'manual', created_at: TS, updated_at: TS, ...extra,
  };
}

function problem(status, extra = {}) {
  return {
    type: 'https://parley.dev/problems/not-found', title: 'Not found', status,
    detail: 'no such record', errors: [], ...extra,
  };
}

function selfTest(spec) {
  // Every component schema must compile.
  let ok = true;
  for (const name of Object.keys(spec.doc.components?.schemas || {})) {
    try {
      spec.validator(pointerOf(['components', 'schemas', name]));
    } catch (e) {
      ok = false;
      console.log(`NOT OK schema ${name} does not compile: ${e.message}`);
    }
  }
  const r = (method, path, status, headers, body) => ({ method, path, status, headers, body });
  const cases = [
    [true, 'a valid party', r('GET', '/parties/russia', 200, { 'content-type': 'application/json; charset=utf-8', etag: ETAG }, party())],
    [false, 'a party with an extra field', r('GET', '/parties/russia', 200, { 'content-type': JSON_CT, etag: ETAG }, party({ secret: 1 }))],
    [false, 'a party with a wrong kind', r('GET', '/parties/russia', 200, { 'content-type': JSON_CT, etag: ETAG }, party({ kind: 'nation' }))],
    [false, 'a party without role', r('GET', '/parties/russia', 200, { 'content-type': JSON_CT, etag: ETAG }, (({ role, ...p }) => p)(party()))],
    [false, 'a party without its ETag', r('GET', '/parties/russia', 200, { 'content-type': JSON_CT }, party())],
    [false, 'a weak ETag', r('GET', '/parties/russia', 200, { 'content-type': JSON_CT, etag: 'W/' + ETAG }, party())],
    [true, 'a problem body', r('GET', '/parties/atlantis', 404, { 'content-type': PROBLEM_CT }, problem(404))],
    [false, 'a problem as application/json', r('GET', '/parties/atlantis', 404, { 'content-type': JSON_CT }, problem(404))],
    [false, 'a problem without errors', r('GET', '/parties/atlantis', 404, { 'content-type': PROBLEM_CT }, (({ errors, ...p }) => p)(problem(404)))],
    [true, 'a problem with field errors', r('POST', '/parties', 422, { 'content-type': PROBLEM_CT }, problem(422, { errors: [{ field: 'kind', message: 'unknown kind' }] }))],
    [true, '304 with ETag', r('GET', '/parties/russia', 304, { etag: ETAG }, null)],
    [true, 'HEAD like GET, no body', r('HEAD', '/parties/russia', 200, { 'content-type': JSON_CT, etag: ETAG }, null)],
    [true, '201 with Location and ETag', r('POST', '/parties', 201, { 'content-type': JSON_CT, etag: ETAG, location: '/parties/russia' }, party())],
    [false, '201 without Location', r('POST', '/parties', 201, { 'content-type': JSON_CT, etag: ETAG }, party())],
    [true, 'a claim list page with Link', r('GET', '/claims?limit=1', 200, { 'content-type': JSON_CT, link: '</claims?limit=1&cursor=abc>; rel="next"' }, { items: [claim()], next: 'abc', next_url: '/claims?limit=1&cursor=abc' })],
    [false, 'a claim list page without Link', r('GET', '/claims?limit=1', 200, { 'content-type': JSON_CT }, { items: [claim()], next: 'abc', next_url: '/claims?limit=1&cursor=abc' })],
    [true, 'the last page without Link', r('GET', '/claims', 200, { 'content-type': JSON_CT }, { items: [], next: null, next_url: null })],
    [false, 'a claim with a string offset', r('GET', '/claims/12', 200, { 'content-type': JSON_CT, etag: ETAG }, claim({ start: '12', end: 20 }))],
    [false, 'a claim with a bad date', r('GET', '/claims/12', 200, { 'content-type': JSON_CT, etag: ETAG }, claim({ stated_on: '29/12/2025' }))],
    [true, 'sub-collection route over /parties/{slug}', r('GET', '/parties/russia/claims', 200, { 'content-type': JSON_CT }, { items: [claim()], next: null, next_url: null })],
    [true, 'DELETE 204', r('DELETE', '/claims/12', 204, {}, null)],
    [false, 'an undocumented status', r('GET', '/parties', 418, { 'content-type': PROBLEM_CT }, problem(418))],
    [true, '401 with WWW-Authenticate', r('POST', '/claims', 401, { 'content-type': PROBLEM_CT, 'www-authenticate': 'Bearer realm="parley"' }, problem(401))],
    [false, '401 without WWW-Authenticate', r('POST', '/claims', 401, { 'content-type': PROBLEM_CT }, problem(401))],
    [true, '503 with Retry-After', r('GET', '/claims', 503, { 'content-type': PROBLEM_CT, 'retry-after': '2' }, problem(503))],
    [false, '503 without Retry-After', r('GET', '/claims', 503, { 'content-type': PROBLEM_CT }, problem(503))],
    [true, '405 from the router', r('PUT', '/parties', 405, { 'content-type': PROBLEM_CT, allow: 'GET, HEAD, POST, OPTIONS' }, problem(405))],
    [false, '405 without Allow', r('PUT', '/parties', 405, { 'content-type': PROBLEM_CT }, problem(405))],
    [true, '404 for an unknown path', r('GET', '/nowhere', 404, { 'content-type': PROBLEM_CT }, problem(404))],
    [true, 'CORS preflight', r('OPTIONS', '/claims/12', 204, { 'access-control-allow-methods': 'GET, HEAD, PATCH, DELETE, OPTIONS', 'access-control-max-age': '86400' }, null)],
    [true, 'healthz', r('GET', '/healthz', 200, { 'content-type': JSON_CT }, { status: 'ok' })],
    [false, 'healthz as text/html', r('GET', '/healthz', 200, { 'content-type': 'text/html' }, { status: 'ok' })],
    [true, 'readyz 503', r('GET', '/readyz', 503, { 'content-type': PROBLEM_CT, 'retry-after': '2' }, problem(503))],
    [true, 'the description', r('GET', '/openapi.yaml', 200, { 'content-type': 'application/yaml' }, 'openapi: 3.1.0\n')],
    [true, 'an article load', r('POST', '/articles?dry_run=true', 200, { 'content-type': JSON_CT }, {
      article: {
        id: 1, sha256: 'a'.repeat(64), title: null, url: null, published: '2025-12-29', updated: null,
        authors: [], dateline: 'Kyiv', text: 'x', claim_count: 1, created_at: TS, updated_at: TS,
      },
      parties: [party()],
      claims: [claim({ cue: { word: 'said', start: 1, end: 5 }, cameo: '10', confidence: 0.8 })],
    })],
    [true, 'a dry run without ids', r('POST', '/articles?dry_run=true', 200, { 'content-type': JSON_CT }, {
      article: {
        sha256: 'a'.repeat(64), title: null, url: null, published: '2025-12-29', updated: null,
        authors: [], dateline: 'Kyiv', text: 'x', claim_count: 1,
      },
      parties: [party()],
      claims: [(({ id, created_at, updated_at, ...rest }) => rest)(claim({ confidence: 0.697 }))],
    })],
    [false, 'a dry run with a claim id but no article id', r('POST', '/articles?dry_run=true', 200, { 'content-type': JSON_CT }, {
      article: {
        sha256: 'a'.repeat(64), title: null, url: null, published: null, updated: null,
        authors: [], dateline: null, text: 'x', claim_count: 1,
      },
      parties: [],
      claims: [claim()],
    })],
    [true, 'the whole-list CSV export', r('GET', '/claims?format=csv&bom=true', 200,
      { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="claims.csv"' },
      '\ufeffid,article_id,party\r\n')],
    [true, 'HEAD of a list, its own operation', r('HEAD', '/claims?format=csv', 200, { 'content-type': 'text/csv; charset=utf-8' }, null)],
    [false, 'HEAD with a body', r('HEAD', '/claims', 200, { 'content-type': JSON_CT }, { items: [], next: null, next_url: null })],
    [false, 'an article load with origin', r('POST', '/articles', 200, { 'content-type': JSON_CT }, {
      article: {
        id: 1, sha256: 'a'.repeat(64), title: null, url: null, published: null, updated: null,
        authors: [], dateline: null, text: 'x', claim_count: 1, created_at: TS, updated_at: TS,
      },
      parties: [],
      claims: [claim({ origin: 'loader' })],
    })],
  ];
  for (const [expectPass, name, rec] of cases) {
    let problems;
    try {
      problems = checkResponse(spec, rec);
    } catch (e) {
      problems = [`validator error: ${e.message}`];
    }
    const passed = problems.length === 0;
    const good = passed === expectPass;
    if (!good) ok = false;
    const why = problems.length ? ` (${problems.join('; ')})` : '';
    console.log(`${good ? 'ok' : 'NOT OK'} ${expectPass ? 'accepts' : 'rejects'} ${name}${good && expectPass ? '' : why}`);
  }
  console.log(ok ? 'self-test passed' : 'self-test FAILED');
  return ok ? 0 : 1;
}

function main(argv) {
  const usage = 'usage: validate.mjs OPENAPI.yaml RESPONSES.jsonl | validate.mjs --self-test OPENAPI.yaml';
  try {
    if (argv[0] === '--self-test' && argv.length === 2) return selfTest(loadSpec(argv[1]));
    if (argv.length === 2 && !argv[0].startsWith('-')) return runFile(loadSpec(argv[0]), argv[1]);
  } catch (e) {
    console.log(`error: ${e.message}`);
    return 1;
  }
  console.log(usage);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
