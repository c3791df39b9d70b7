#!/usr/bin/env node
// The side-by-side table from bench/side_by_side.sh's raw outputs:
//   summarize.mjs RAW_DIR ROUNDS THREADS PRESET TYPE...
// Every timed repetition of both engines counts; a figure is "median (min-max)".
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [raw, rounds, threads, preset, ...types] = process.argv.slice(2);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const spread = (xs) => xs.length ? `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})` : "n/a";
const all = (text, re) => [...text.matchAll(re)].map((m) => Number(m[1]));
const read = (f) => fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";

const cpu = os.cpus()[0]?.model ?? "?";
const lines = [
  `# hulumed bench beside llama.cpp, ${new Date().toISOString().slice(0, 16)}Z`,
  "",
  `Machine: ${cpu}, ${os.cpus().length} vCPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${threads} threads each; ` +
    `${rounds} interleaved rounds x 3 repetitions per engine; \`create-model --preset ${preset}\` text GGUF (random weights).`,
  "",
  "| type | llama.cpp prefill pp512 tok/s | hulumed prefill | ratio | llama.cpp decode tg128 tok/s | hulumed decode | ratio | bandwidth during decode GB/s | hulumed share of roof | workers' chunk share |",
  "|---|---|---|---|---|---|---|---|---|---|",
];
const notes = [];
for (const type of types) {
  const peer = read(path.join(raw, `${type}.peer`)), ours = read(path.join(raw, `${type}.hulumed`));
  const ppPeer = all(peer, /pp\d+ ([\d.]+) tok\/s/g), tgPeer = all(peer, /tg\d+ ([\d.]+) tok\/s/g);
  const ppOurs = all(ours, /prefill \d+ tokens ([\d.]+) tok\/s/g), tgOurs = all(ours, /decode \d+ tokens ([\d.]+) tok\/s/g);
  const bw = all(ours, /bandwidth during decode ([\d.]+) GB\/s \(median/g), roof = all(ours, /-> (\d+)% of/g);
  const share = all(ours, /workers ran (\d+)% of decode/g);
  const ratio = (a, b) => a.length && b.length ? (median(a) / median(b)).toFixed(2) : "n/a";
  lines.push(`| ${type} | ${spread(ppPeer)} | ${spread(ppOurs)} | ${ratio(ppOurs, ppPeer)} | ${spread(tgPeer)} | ${spread(tgOurs)} | ` +
    `${ratio(tgOurs, tgPeer)} | ${spread(bw)} | ${spread(roof)}% | ${spread(share)}% |`);
  const foreign = all(peer + ours, /foreign_cpu_percent=(-?\d+)/g);
  notes.push(`${type}: other processes took ${spread(foreign)}% of one core during the runs`);
  for (const m of (peer + ours).matchAll(/^# (busy=.*|FAILED.*)$/gm)) notes.push(`${type}: ${m[1]}`);
  const version = peer.match(/llama_cpp=(\S+)/);
  if (version) notes.push(`${type}: llama.cpp ${version[1]} (node-llama-cpp 3.21.1 prebuilt)`);
}
console.log([...lines, "", ...notes.map((n) => `- ${n}`)].join("\n"));
