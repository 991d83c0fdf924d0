// The FHIR.js side of `validation` (benchmarks/FhirServer.Benchmarks/ValidateBenchCommand.cs), run by it as a child
// process:
//
//     node fhirjs-validate-bench.js <peer folder> <examples folder> <seconds> <per-file.tsv>
//
// <peer folder> is where the npm package `fhir` (FHIR.js) is installed (a copy of ../shared/peers after
// `npm install`). FHIR.js validates against the base R4 definitions it bundles (no profiles, no invariants): every
// *.json of the folder is read and parsed once (JSON.parse, outside the timing), validated once cold (the first
// validation builds the validator's model), once more as pass 1, then over and over for <seconds> seconds (warm),
// and again for <seconds> seconds with JSON.parse of the bytes included. Prints one JSON line with the figures; the
// error count of each file goes to <per-file.tsv> (name, errors, first messages).
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const [peerDir, folder, secondsArg, tsv] = process.argv.slice(2);
if (!peerDir || !folder || !secondsArg || !tsv) {
  console.error('usage: node fhirjs-validate-bench.js <peer folder> <examples folder> <seconds> <per-file.tsv>');
  process.exit(2);
}
const seconds = Number(secondsArg);
const peerRequire = createRequire(path.join(path.resolve(peerDir), 'package.json'));

const names = fs.readdirSync(folder).filter(f => f.endsWith('.json')).sort();
const texts = names.map(f => fs.readFileSync(path.join(folder, f), 'utf8'));
const resources = texts.map(t => JSON.parse(t));

const now = () => Number(process.hrtime.bigint()) / 1e6;
const isError = m => m.severity === 'error' || m.severity === 'fatal';
let t = now();
const { Fhir } = peerRequire('fhir');
const version = peerRequire('fhir/package.json').version;
const fhir = new Fhir();
const setupMs = now() - t;
t = now();
fhir.validate(resources[0], {});
const coldMs = now() - t;

t = now();
const rows = [];
let filesWithErrors = 0, errors = 0;
for (let i = 0; i < resources.length; i++) {
  const messages = fhir.validate(resources[i], {}).messages.filter(isError);
  if (messages.length > 0) filesWithErrors++;
  errors += messages.length;
  rows.push(`${names[i]}\t${messages.length}\t${messages.slice(0, 3).map(m => `${m.location}: ${m.message}`).join(' | ')}`);
}
const pass1PerSec = resources.length / ((now() - t) / 1000);
fs.writeFileSync(tsv, rows.join('\n') + '\n');

const loop = fn => {
  let n = 0;
  const start = now();
  do { for (let i = 0; i < resources.length; i++, n++) fn(i); } while (now() - start < seconds * 1000);
  return n / ((now() - start) / 1000);
};
const warmPerSec = loop(i => fhir.validate(resources[i], {}));
const warmWithParsePerSec = loop(i => fhir.validate(JSON.parse(texts[i]), {}));
console.log(JSON.stringify({
  version, files: resources.length, setupMs, coldMs, pass1PerSec, warmPerSec, warmWithParsePerSec, filesWithErrors, errors,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
}));
