#!/usr/bin/env node
// Times llama.cpp (node-llama-cpp's prebuilt CPU build) the way `hulumed bench` times us:
// a warm-up, then per round a cleared cache, a prefill of P token ids in one batch, and T
// greedy single-token decode steps continuing from the last prompt id.
//
//   node bench/peer/llama_peer.mjs GGUF_DIR_OR_FILE [--threads 2] [--rounds 3] [--pp 512] [--tg 128]
//
// Prompt ids are std::mt19937(7) % min(vocab, 100000), the ids hulumed bench feeds. Our text
// GGUFs carry no tokenizer, so the vocabulary is overridden to dummy tokens of the embedding's
// row count: the compute (embedding rows, every matmul, the full output layer) is unchanged.
// Last line: `peer: pp_tok_s=.. pp_tok_s_min=.. pp_tok_s_max=.. tg_tok_s=.. ... llama_cpp=RELEASE`.
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flags = {threads: 2, rounds: 3, pp: 512, tg: 128};
let target = null;
for (let i = 0; i < argv.length; ++i) {
  const name = argv[i].replace(/^--/, "");
  if (name in flags) flags[name] = Number(argv[++i]);
  else if (!argv[i].startsWith("-") && target === null) target = argv[i];
  else { console.error(`llama_peer: unknown argument ${argv[i]}`); process.exit(1); }
}
if (target === null) { console.error("usage: llama_peer.mjs GGUF [--threads N] [--rounds R] [--pp P] [--tg T]"); process.exit(1); }
if (fs.statSync(target).isDirectory()) {
  const texts = fs.readdirSync(target).filter((f) => f.endsWith(".gguf") && !f.startsWith("mmproj"));
  if (texts.length !== 1) { console.error(`llama_peer: ${target} must hold one text .gguf (found ${texts.length})`); process.exit(1); }
  target = path.join(target, texts[0]);
}

const lib = await import(pathToFileURL(path.join(here, "node_modules", "node-llama-cpp", "dist", "index.js")).href);

// The 32-bit Mersenne Twister, so the ids match the C++ std::mt19937 stream exactly.
function mersenne(seed) {
  const s = new Uint32Array(624);
  s[0] = seed;
  for (let i = 1; i < 624; ++i) s[i] = (Math.imul(1812433253, s[i - 1] ^ (s[i - 1] >>> 30)) + i) >>> 0;
  let k = 624;
  return () => {
    if (k === 624) {
      for (let i = 0; i < 624; ++i) {
        const y = (s[i] & 0x80000000) | (s[(i + 1) % 624] & 0x7fffffff);
        s[i] = s[(i + 397) % 624] ^ (y >>> 1) ^ ((y & 1) * 0x9908b0df);
      }
      k = 0;
    }
    let y = s[k++];
    y ^= y >>> 11; y ^= (y << 7) & 0x9d2c5680; y ^= (y << 15) & 0xefc60000; y ^= y >>> 18;
    return y >>> 0;
  };
}

const info = await lib.readGgufFileInfo(target);
const arch = info.metadata.general.architecture;
const embedding = (info.fullTensorInfo ?? info.tensorInfo).find((t) => t.name === "token_embd.weight");
const vocab = Number(embedding.dimensions[1]);
const llama = await lib.getLlama({gpu: false, build: "never", maxThreads: flags.threads, logLevel: lib.LlamaLogLevel.error});
// node-llama-cpp checks a loaded model by tokenizing a sample text; a dummy vocabulary cannot.
lib.LlamaModel.prototype.tokenize = () => { throw new Error("no tokenizer: ids only"); };
const model = await llama.loadModel({
  modelPath: target, gpuLayers: 0,
  metadataOverrides: {tokenizer: {ggml: {model: "none"}}, [arch]: {vocab_size: vocab}},
});
const context = await model.createContext({
  contextSize: flags.pp + flags.tg, batchSize: flags.pp, sequences: 1,
  threads: {ideal: flags.threads, min: flags.threads},
});
const sequence = context.getSequence();
const next = mersenne(7);
const ids = Array.from({length: flags.pp}, () => next() % Math.min(vocab, 100000));
const seconds = () => Number(process.hrtime.bigint()) / 1e9;

async function round(decodeSteps) {
  await sequence.clearHistory();
  let t = seconds();
  await sequence.evaluateWithoutGeneratingNewTokens(ids);
  const prefill = seconds() - t;
  let steps = 0;
  t = seconds();
  for await (const _ of sequence.evaluate([ids.at(-1)], {temperature: 0, yieldEogToken: true}))
    if (++steps >= decodeSteps) break;
  return {prefill, decode: seconds() - t, steps};
}

await round(1);  // warm-up: faults the mapped weights in
const pp = [], tg = [];
for (let r = 1; r <= flags.rounds; ++r) {
  const {prefill, decode, steps} = await round(flags.tg);
  if (steps !== flags.tg) throw new Error(`decode stopped after ${steps} of ${flags.tg} steps`);
  pp.push(flags.pp / prefill);
  tg.push(flags.tg / decode);
  console.log(`round ${r}/${flags.rounds}: pp${flags.pp} ${pp.at(-1).toFixed(2)} tok/s, tg${flags.tg} ${tg.at(-1).toFixed(2)} tok/s`);
}
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const med = (xs) => { const s = sorted(xs), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const field = (name, xs) => `${name}=${med(xs).toFixed(2)} ${name}_min=${Math.min(...xs).toFixed(2)} ${name}_max=${Math.max(...xs).toFixed(2)}`;
console.log(`peer: ${field("pp_tok_s", pp)} ${field("tg_tok_s", tg)} threads=${flags.threads} llama_cpp=${llama.llamaCppRelease.release}`);
await context.dispose();
await model.dispose();
await llama.dispose();
