// Two `hulumed serve` replicas behind HAProxy with deploy/haproxy.cfg, on loopback: a chat's
// follow-up turns reach the replica that cached its prefix (X-Session-Id affinity), /metrics
// shows what an operator scales on, and when the replica serving a stream is killed mid-answer
// new requests keep being served by the other.
//   node tests/e2e/replicas_test.mjs HULUMED_BINARY MODEL_DIR
// Exits 77 (skipped) only when haproxy is not installed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, freePort, startServer, stopServer } from './serve_process.mjs';

const [binary, model] = process.argv.slice(2);
const haproxyBinary = '/usr/sbin/haproxy';
if (!existsSync(haproxyBinary)) {
  console.log('SKIP: /usr/sbin/haproxy is not installed (Debian package haproxy; scripts/setup.sh installs it)');
  process.exit(77);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function ask(front, messages, session, extra = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (session) headers['X-Session-Id'] = session;
  const r = await fetch(`${front}/v1/chat/completions`, {
    method: 'POST', headers, body: JSON.stringify({ messages, max_tokens: 8, temperature: 0, ...extra }),
  });
  const body = await r.json();
  check(r.ok, `HTTP ${r.status}: ${JSON.stringify(body)}`);
  return body;
}

// Requests a replica is generating or holding in its queue.
async function busyOn(url) {
  const text = await fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '');
  const gauge = (name) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? 0);
  return gauge('hulumed_requests_active') + gauge('hulumed_requests_queued');
}

const args = ['--max-tokens', '4000', '--parallel', '1', '--threads', '1'];
const replicas = [await startServer(binary, model, args), await startServer(binary, model, args)];
const frontPort = await freePort();
const haproxy = spawn(haproxyBinary, ['-db', '-f', path.join(root, 'deploy/haproxy.cfg')], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, HM_FRONT: String(frontPort),
         HM_REPLICA_1: replicas[0].url.replace('http://', ''), HM_REPLICA_2: replicas[1].url.replace('http://', '') },
});
const front = `http://127.0.0.1:${frontPort}`;
try {
  // Both replicas ready behind the balancer.
  for (let i = 0; ; ++i) {
    const ok = await fetch(`${front}/health`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    check(i < 100, 'HAProxy did not route /health within 10 s');
    await sleep(100);
  }
  await sleep(1200);  // two passing checks each (rise 2, inter 500 ms)

  // Affinity: every follow-up turn finds its chat's prefix cached on the replica it reaches.
  for (const session of ['chat-a', 'chat-b', 'chat-c', 'chat-d', 'chat-e']) {
    const first = [{ role: 'user', content: `Session ${session}: describe a normal chest radiograph in detail.` }];
    const a = await ask(front, first, session);
    const follow = [...first, { role: 'assistant', content: a.choices[0].message.content },
                    { role: 'user', content: 'And the heart size?' }];
    const b = await ask(front, follow, session);
    const cached = b.usage.prompt_tokens_details?.cached_tokens ?? 0;
    console.log(`${session}: follow-up prompt ${b.usage.prompt_tokens} tokens, ${cached} cached`);
    check(cached > 0, `${session}: the follow-up turn reached a replica without its prefix`);
  }
  const metrics = await fetch(`${front}/metrics`).then((r) => r.text());
  for (const name of ['hulumed_requests_queued', 'hulumed_requests_active', 'hulumed_slots', 'hulumed_completion_tokens_total'])
    check(metrics.includes(`\n${name} `), `/metrics lacks ${name}`);

  // Streamed answers in flight on both replicas (one stream at a time each, so the rest wait
  // in their queues); the replica holding one of them dies mid-stream.
  const streams = [];
  for (let i = 0; i < 8; ++i) {
    streams.push(fetch(`${front}/v1/chat/completions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Session-Id': `long-${i}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: `Write long report ${i}.` }], max_tokens: 3000,
                             temperature: 1, seed: i, stream: true }),
    }).then(async (r) => {
      const reader = r.body.getReader();
      for (;;) if ((await reader.read()).done) return 'ended';
    }).catch((e) => `broken (${e.message})`));
  }
  let victim = -1;
  for (let i = 0; i < 200 && victim < 0; ++i) {
    for (let k = 0; k < 2 && victim < 0; ++k) if (await busyOn(replicas[k].url)) victim = k;
    if (victim < 0) await sleep(5);
  }
  check(victim >= 0, 'no replica reported a stream in flight');
  replicas[victim].child.kill('SIGKILL');
  const ends = await Promise.all(streams);
  console.log(`killed replica ${victim + 1} with streams in flight; streams: ${ends.join(', ')}`);

  // New requests, with and without sessions (chat-long's included), keep being answered.
  for (let i = 0; i < 8; ++i) {
    const session = i % 2 ? `after-${i}` : (i === 0 ? 'chat-long' : undefined);
    const r = await ask(front, [{ role: 'user', content: `Question ${i} after the failure.` }], session);
    check(r.choices[0].message.content !== undefined, 'no answer');
  }
  console.log('PASS: 8 requests answered after a replica died');
} finally {
  haproxy.kill('SIGTERM');
  for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) await stopServer(r.child);
}
