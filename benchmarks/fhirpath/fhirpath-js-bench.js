// The fhirpath.js side of `bench fhirpath` (FhirServer/Cli/FhirPathBenchCommand.cs), run by it as a child process:
//
//     node fhirpath-js-bench.js <peer folder> <work.json>
//
// <peer folder> is where fhirpath.js is installed (a copy of ../shared/peers after `npm install`); nothing of it is
// copied here. <work.json> names the workloads, written by the C# side:
//     { "workloads": [ { "name": "...", "expressions": [ { "expression": "...", "types": ["Patient", ...] } ],
//                        "files": ["a.json", ...] | "ndjson": "patients.ndjson" } ] }
// Each workload evaluates each of its expressions on each resource whose resourceType is in "types" (every
// resource when "types" is absent). Resources are parsed once, before any measurement, as the C# side does.
//
// Protocol on stdout/stdin, one JSON object per line:
//   → {"ready":true,"version":"5.2.2","workloads":[{"name","resources","evaluations","items","excluded":[{"expression","error"}]}]}
//   ← "run <i> [<passes>]"   → {"ms": <elapsed>, "cpuMs": <process CPU time>, "items": <count of one pass>}
//                               passes of workload i (default 1), timed here (hrtime, process.cpuUsage)
//   ← "quit"
// An expression that throws on any resource (fhirpath.js refuses it, or needs async resolve()) is excluded and
// reported, so that both engines measure the same set.
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { createRequire } = require('module');

const [peerDir, workFile] = process.argv.slice(2);
if (!peerDir || !workFile) {
  console.error('usage: node fhirpath-js-bench.js <peer folder> <work.json>');
  process.exit(2);
}
const peerRequire = createRequire(path.join(path.resolve(peerDir), 'package.json'));
const fhirpath = peerRequire('fhirpath');
const r4 = peerRequire('fhirpath/fhir-context/r4');

const firstLine = err => String((err && err.message) || err).split('\n')[0].slice(0, 160);

const work = JSON.parse(fs.readFileSync(workFile, 'utf8'));
const workloads = work.workloads.map(w => {
  const resources = w.ndjson
    ? fs.readFileSync(w.ndjson, 'utf8').split('\n').filter(l => l.trim().length > 0).map(l => JSON.parse(l))
    : w.files.map(f => JSON.parse(fs.readFileSync(f, 'utf8')));
  const excluded = [];
  const compiled = [];
  for (const e of w.expressions) {
    let fn;
    try {
      fn = fhirpath.compile(e.expression, r4);
    } catch (err) {
      excluded.push({ expression: e.expression, error: firstLine(err) });
      continue;
    }
    const types = e.types ? new Set(e.types) : null;
    const targets = resources.filter(r => !types || types.has(r.resourceType));
    try {
      for (const r of targets) fn(r);
    } catch (err) {
      excluded.push({ expression: e.expression, error: firstLine(err) });
      continue;
    }
    compiled.push({ fn, targets });
  }
  // One pass: every kept expression on every resource it applies to, resource by resource as an indexer would;
  // resources with the same expressions share one list of them (one per type, as the C# side does).
  const byResource = new Map();
  compiled.forEach((c, index) => {
    for (const r of c.targets) {
      if (!byResource.has(r)) byResource.set(r, []);
      byResource.get(r).push(index);
    }
  });
  const shared = new Map();
  const plan = resources.filter(r => byResource.has(r)).map(r => {
    const indexes = byResource.get(r);
    const key = indexes.join(',');
    if (!shared.has(key)) shared.set(key, indexes.map(i => compiled[i].fn));
    return [r, shared.get(key)];
  });
  const run = () => {
    let items = 0;
    for (const [r, fns] of plan) for (const fn of fns) items += fn(r).length;
    return items;
  };
  const evaluations = plan.reduce((n, [, fns]) => n + fns.length, 0);
  return { name: w.name, resources: resources.length, evaluations, excluded, run, items: run() };
});

const send = o => process.stdout.write(JSON.stringify(o) + '\n');
send({
  ready: true,
  version: fhirpath.version,
  workloads: workloads.map(w => ({ name: w.name, resources: w.resources, evaluations: w.evaluations, items: w.items, excluded: w.excluded })),
});

readline.createInterface({ input: process.stdin }).on('line', line => {
  const [command, arg, passesArg] = line.trim().split(/\s+/);
  if (command === 'quit') process.exit(0);
  if (command !== 'run') return send({ error: `unknown command ${command}` });
  const w = workloads[+arg];
  if (!w) return send({ error: `no workload ${arg}` });
  const passes = Math.max(1, +(passesArg || 1));
  let items = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) items = w.run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  send({ ms, cpuMs: (used.user + used.system) / 1000, items });
});
