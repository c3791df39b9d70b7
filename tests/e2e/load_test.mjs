// Load test on loopback: N concurrent clients each send streaming chat completions back to
// back (a shared system prompt, so prefix reuse is exercised, plus a question of their own)
// for M minutes or R requests in total. Prints p50/p99 latency and time to first token,
// throughput and the server's RSS over time; fails on any error or if RSS keeps growing.
//   node tests/e2e/load_test.mjs --binary build/src/apps/hulumed --model DIR [--clients 8] [--minutes 2 | --requests 200]
//   node tests/e2e/load_test.mjs --url http://127.0.0.1:8080 --pid PID ...   (a running server)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer, stopServer } from './serve_process.mjs';

const { values: o } = parseArgs({
  options: {
    binary: { type: 'string' }, model: { type: 'string' }, url: { type: 'string' }, pid: { type: 'string' },
    clients: { type: 'string', default: '8' }, minutes: { type: 'string' }, requests: { type: 'string' },
    'max-tokens': { type: 'string', default: '32' },
  },
});
const clients = Number(o.clients);
const maxTokens = Number(o['max-tokens']);
const deadline = o.minutes ? Date.now() + Number(o.minutes) * 60000 : Infinity;
const budget = o.requests ? Number(o.requests) : Infinity;
if (deadline === Infinity && budget === Infinity) throw new Error('give --minutes or --requests');

let server = null;
let url = o.url;
let pid = o.pid ? Number(o.pid) : null;
if (!url) {
  server = await startServer(o.binary, o.model, ['--parallel', '2', '--queue', String(clients)]);
  url = server.url;
  pid = server.child.pid;
}

function rssMiB() {
  if (!pid) return NaN;
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]) / 1024;
}

const system = 'You are a careful radiology assistant. Answer briefly and state uncertainty. '.repeat(4);
let started = 0;
const latencies = [];
const firstTokens = [];
const errors = [];
let tokens = 0;

// One streaming request; returns when [DONE] arrives.
async function one(client, n) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      messages: [{ role: 'system', content: system }, { role: 'user', content: `Client ${client}, question ${n}: what next?` }],
      max_tokens: maxTokens, stream: true, stream_options: { include_usage: true }, temperature: 0.7, seed: n,
    }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let first = null;
  let done = false;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!line.startsWith('data: ')) continue;
      if (line === 'data: [DONE]') { done = true; continue; }
      const event = JSON.parse(line.slice(6));
      if (event.error) throw new Error(event.error.message);
      if (first === null && event.choices?.[0]?.delta?.content) first = performance.now() - t0;
      if (event.usage) tokens += event.usage.completion_tokens;
    }
  }
  if (!done) throw new Error('stream ended without [DONE]');
  latencies.push(performance.now() - t0);
  if (first !== null) firstTokens.push(first);
}

async function client(id) {
  for (let n = 0; Date.now() < deadline && started < budget; ++n) {
    ++started;
    await one(id, n).catch((e) => errors.push(e.message));
  }
}

const rss = [];
const sampler = setInterval(() => rss.push(rssMiB()), 1000);
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
rss.push(rssMiB());
const metrics = await (await fetch(`${url}/metrics`)).text();
if (server) await stopServer(server.child);

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const reused = Number(metrics.match(/^hulumed_prompt_tokens_reused_total (\d+)/m)?.[1] ?? 0);
const prompt = Number(metrics.match(/^hulumed_prompt_tokens_total (\d+)/m)?.[1] ?? 0);
// RSS after the first quarter of the run (caches and pools warm) against the end.
const warm = rss[Math.floor(rss.length / 4)];
const last = rss[rss.length - 1];
console.log(`clients ${clients}, ${latencies.length} requests in ${seconds.toFixed(1)} s, ${errors.length} errors`);
console.log(`latency ms   p50 ${pct(latencies, 0.5)?.toFixed(1)}  p99 ${pct(latencies, 0.99)?.toFixed(1)}`);
console.log(`first token  p50 ${pct(firstTokens, 0.5)?.toFixed(1)}  p99 ${pct(firstTokens, 0.99)?.toFixed(1)}`);
console.log(`throughput   ${(latencies.length / seconds).toFixed(2)} req/s, ${(tokens / seconds).toFixed(1)} generated tok/s`);
console.log(`prompt reuse ${reused} of ${prompt} prompt tokens from cached prefixes`);
console.log(`server RSS   MiB start ${rss[0]?.toFixed(1)}  warm ${warm?.toFixed(1)}  max ${Math.max(...rss).toFixed(1)}  end ${last?.toFixed(1)}`);
if (errors.length) console.log(`first errors: ${errors.slice(0, 3).join(' | ')}`);
const growth = last - warm;
const ok = errors.length === 0 && latencies.length > 0 && !(growth > 32 + 0.2 * warm);
console.log(ok ? 'PASS' : `FAIL${growth > 32 + 0.2 * warm ? ` (RSS grew ${growth.toFixed(1)} MiB after warm-up)` : ''}`);
process.exit(ok ? 0 : 1);
