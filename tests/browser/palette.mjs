#!/usr/bin/env node
// Checks the page's stance colours (web/parley.css) for colour-blind readers and for the contrast of the cells' text.
//
//   node tests/browser/palette.mjs [web/parley.css] [web/api.js]
//
// Every pair of stance colours must stay apart by at least MIN_DELTA_E
// (CIEDE2000) in normal vision and under a simulation of protanopia,
// deuteranopia and tritanopia (Machado, Oliveira and Fernandes 2009, severity
// 1.0, applied to linear sRGB), and each stance's text colour (`--stance-X-ink`)
// must reach WCAG's 4.5:1 on its background (`--stance-X`). The stances are
// those of web/api.js's STANCES. Exits 0 when the palette passes, 1 otherwise;
// the colour maths is checked against published reference values first.

import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const MIN_DELTA_E = 10; // CIEDE2000; about 2.3 is "just noticeable", 10 reads as a different colour at a glance
const MIN_CONTRAST = 4.5; // WCAG 2 AA for text of normal size

// Machado et al. 2009, table of simulation matrices, severity 1.0 (linear RGB).
const SIMULATIONS = {
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};

export function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => v / 255);
}
const toLinear = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const fromLinear = (c) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
const clamp = (c) => Math.min(1, Math.max(0, c));

// sRGB (0..1) as seen with the given deficiency, in sRGB again.
export function simulate(rgb, matrix) {
  const linear = rgb.map(toLinear);
  return matrix.map((row) => fromLinear(clamp(row[0] * linear[0] + row[1] * linear[1] + row[2] * linear[2])));
}

// sRGB (0..1) to CIELAB, D65 white.
export function lab(rgb) {
  const [r, g, b] = rgb.map(toLinear);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

// CIEDE2000 (Sharma, Wu and Dalal 2005), kL = kC = kH = 1.
export function deltaE2000([l1, a1, b1], [l2, a2, b2]) {
  const rad = Math.PI / 180;
  const chromaMean = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const g = 0.5 * (1 - Math.sqrt(chromaMean ** 7 / (chromaMean ** 7 + 25 ** 7)));
  const a1p = (1 + g) * a1;
  const a2p = (1 + g) * a2;
  const c1p = Math.hypot(a1p, b1);
  const c2p = Math.hypot(a2p, b2);
  const hue = (b, a) => {
    if (a === 0 && b === 0) return 0;
    const degrees = Math.atan2(b, a) / rad;
    return degrees < 0 ? degrees + 360 : degrees;
  };
  const h1p = hue(b1, a1p);
  const h2p = hue(b2, a2p);
  let hueDifference = 0;
  if (c1p * c2p !== 0) {
    hueDifference = h2p - h1p;
    if (hueDifference > 180) hueDifference -= 360;
    else if (hueDifference < -180) hueDifference += 360;
  }
  const deltaL = l2 - l1;
  const deltaC = c2p - c1p;
  const deltaH = 2 * Math.sqrt(c1p * c2p) * Math.sin((hueDifference * rad) / 2);
  const lightnessMean = (l1 + l2) / 2;
  const chromaMeanP = (c1p + c2p) / 2;
  let hueMean = h1p + h2p;
  if (c1p * c2p !== 0) {
    if (Math.abs(h1p - h2p) > 180) hueMean += hueMean < 360 ? 360 : -360;
    hueMean /= 2;
  }
  const t = 1 - 0.17 * Math.cos((hueMean - 30) * rad) + 0.24 * Math.cos(2 * hueMean * rad) +
    0.32 * Math.cos((3 * hueMean + 6) * rad) - 0.2 * Math.cos((4 * hueMean - 63) * rad);
  const rotation = 30 * Math.exp(-(((hueMean - 275) / 25) ** 2));
  const rc = 2 * Math.sqrt(chromaMeanP ** 7 / (chromaMeanP ** 7 + 25 ** 7));
  const sl = 1 + (0.015 * (lightnessMean - 50) ** 2) / Math.sqrt(20 + (lightnessMean - 50) ** 2);
  const sc = 1 + 0.045 * chromaMeanP;
  const sh = 1 + 0.015 * chromaMeanP * t;
  const rt = -Math.sin(2 * rotation * rad) * rc;
  return Math.sqrt((deltaL / sl) ** 2 + (deltaC / sc) ** 2 + (deltaH / sh) ** 2 + rt * (deltaC / sc) * (deltaH / sh));
}

// WCAG 2 contrast ratio of two sRGB colours.
export function contrast(first, second) {
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map(toLinear);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

// The colour maths against published values; answers the list of mismatches.
function selfTest() {
  const wrong = [];
  // Pairs 1, 7, 17 and 25 of Sharma, Wu and Dalal's CIEDE2000 test data.
  for (const [first, second, expected] of [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, 0, 0], [50, -1, 2], 2.3669],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
  ]) {
    const got = deltaE2000(first, second);
    if (Math.abs(got - expected) > 1e-4) wrong.push(`CIEDE2000 ${first} / ${second}: ${got.toFixed(4)}, expected ${expected}`);
  }
  // sRGB red is L* 53.24, a* 80.09, b* 67.20; white to black is 21:1.
  const red = lab([1, 0, 0]);
  if ([53.24, 80.09, 67.2].some((v, i) => Math.abs(red[i] - v) > 0.01)) wrong.push(`Lab of #ff0000: ${red}`);
  if (Math.abs(contrast([1, 1, 1], [0, 0, 0]) - 21) > 1e-9) wrong.push('contrast of white on black is not 21');
  // Each simulation keeps greys grey (its rows sum to 1).
  for (const [name, matrix] of Object.entries(SIMULATIONS)) {
    const grey = simulate([0.5, 0.5, 0.5], matrix);
    if (grey.some((v) => Math.abs(v - 0.5) > 1e-4)) wrong.push(`${name} changes grey: ${grey}`);
  }
  return wrong;
}

// The stances of web/api.js and their colours in the stylesheet.
export function readPalette(cssText, apiText) {
  const list = /export const STANCES = \[([^\]]*)\]/.exec(apiText);
  if (!list) throw new Error('web/api.js has no `export const STANCES = [...]`');
  const stances = [...list[1].matchAll(/'([a-z]+)'/g)].map((m) => m[1]);
  const palette = {};
  for (const stance of stances) {
    const colour = new RegExp(`--stance-${stance}:\\s*(#[0-9a-fA-F]{6})\\b`).exec(cssText);
    const ink = new RegExp(`--stance-${stance}-ink:\\s*(#[0-9a-fA-F]{6})\\b`).exec(cssText);
    if (!colour || !ink) throw new Error(`the stylesheet lacks --stance-${stance} or --stance-${stance}-ink as #rrggbb`);
    palette[stance] = { colour: colour[1], ink: ink[1] };
  }
  return palette;
}

// Answers the list of failures of a palette ({stance: {colour, ink}}), printing every measure.
export function checkPalette(palette) {
  const failures = [];
  const stances = Object.keys(palette);
  for (const [vision, matrix] of [['normal vision', null], ...Object.entries(SIMULATIONS)]) {
    const seen = Object.fromEntries(stances.map((s) => {
      const rgb = hexToRgb(palette[s].colour);
      return [s, lab(matrix ? simulate(rgb, matrix) : rgb)];
    }));
    let closest = { distance: Infinity };
    for (let i = 0; i < stances.length; i++) {
      for (let j = i + 1; j < stances.length; j++) {
        const distance = deltaE2000(seen[stances[i]], seen[stances[j]]);
        if (distance < MIN_DELTA_E) failures.push(`${vision}: ${stances[i]} and ${stances[j]} are ${distance.toFixed(1)} apart (minimum ${MIN_DELTA_E})`);
        if (distance < closest.distance) closest = { distance, pair: `${stances[i]}/${stances[j]}` };
      }
    }
    console.log(`palette: ${vision}: closest pair ${closest.pair}, CIEDE2000 ${closest.distance.toFixed(1)}`);
  }
  for (const stance of stances) {
    const ratio = contrast(hexToRgb(palette[stance].colour), hexToRgb(palette[stance].ink));
    console.log(`palette: ${stance} ${palette[stance].colour}, text ${palette[stance].ink}: contrast ${ratio.toFixed(2)}:1`);
    if (ratio < MIN_CONTRAST) failures.push(`${stance}: text contrast ${ratio.toFixed(2)}:1 (minimum ${MIN_CONTRAST}:1)`);
  }
  return failures;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const cssPath = process.argv[2] || path.join(repo, 'web', 'parley.css');
  const apiPath = process.argv[3] || path.join(repo, 'web', 'api.js');
  const broken = selfTest();
  if (broken.length) {
    for (const line of broken) console.log(`palette: FAIL (colour maths): ${line}`);
    process.exit(1);
  }
  let failures;
  try {
    failures = checkPalette(readPalette(fs.readFileSync(cssPath, 'utf8'), fs.readFileSync(apiPath, 'utf8')));
  } catch (error) {
    failures = [error.message];
  }
  for (const line of failures) console.log(`palette: FAIL: ${line}`);
  console.log(failures.length ? `palette: ${failures.length} failure(s)` : 'palette: every stance colour passes');
  process.exit(failures.length ? 1 : 0);
}
