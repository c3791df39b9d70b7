// A tokenizer learned by `hulumed data tokenizer` read by Hugging Face `tokenizers` (the Rust
// library's Node binding): HF must load the files and give the engine's ids and decodings for
// every line of the tokenizer parity corpus, special tokens included.
//   node tests/e2e/learned_tokenizer_test.mjs HULUMED_BINARY WORK_DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const { corpus } = require('../../tools/text/tokenizer_corpus.js');

const [binary, work] = process.argv.slice(2);
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

// Train on the corpus as assistant answers, with the chat turns around them.
const records = corpus.map((text) => JSON.stringify({ conversations: [
  { from: 'human', value: '<image>\nWhat is shown?' }, { from: 'gpt', value: text }] }));
fs.writeFileSync(path.join(work, 'train.jsonl'), records.join('\n') + '\n');
const tokDir = path.join(work, 'tok');
execFileSync(binary, ['data', 'tokenizer', '--from', path.join(work, 'train.jsonl'), '--vocab', '1500', '--out', tokDir],
             { stdio: ['ignore', 'inherit', 'inherit'] });

const lines = corpus.concat([
  '<|im_start|>user\n<image>\nWhat is shown?<|im_end|>\n<|im_start|>assistant\nA lesion.<|im_end|>\n',
  '<image>,<image>\nTime 1.0s:<|vision_start|><|image_pad|>',
]);
fs.writeFileSync(path.join(work, 'lines.jsonl'), lines.map((text) => JSON.stringify({ text })).join('\n') + '\n');
const engine = execFileSync(binary, ['tokenize', '-m', tokDir, '--jsonl', path.join(work, 'lines.jsonl')], { encoding: 'utf8' })
  .trim().split('\n').map((l) => JSON.parse(l));
fs.writeFileSync(path.join(work, 'ids.jsonl'), engine.map((e) => JSON.stringify({ ids: e.ids })).join('\n') + '\n');
const decoded = execFileSync(binary, ['tokenize', '-m', tokDir, '--jsonl', path.join(work, 'ids.jsonl'), '--decode'],
                             { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));

const hf = Tokenizer.fromFile(path.join(tokDir, 'tokenizer.json'));
let failures = 0;
for (let i = 0; i < lines.length; ++i) {
  const ids = (await hf.encode(lines[i], null, { addSpecialTokens: false })).getIds();
  const same = ids.length === engine[i].ids.length && ids.every((id, k) => id === engine[i].ids[k]);
  const hfDecoded = await hf.decode(ids, false), hfSkip = await hf.decode(ids, true);
  if (!same || hfDecoded !== decoded[i].decoded || hfSkip !== decoded[i].decoded_skip) {
    if (++failures <= 5) console.error(`line ${i + 1} differs: ${JSON.stringify(lines[i]).slice(0, 80)}\n  hf ${ids}\n  engine ${engine[i].ids}`);
  }
}
const size = hf.getVocabSize(true);
console.log(`${lines.length} lines, HF vocabulary ${size}: ${failures} differ`);
if (size <= 1000 || hf.tokenToId('<image>') !== size - 1) throw new Error('unexpected vocabulary');
if (failures) process.exit(1);
fs.rmSync(work, { recursive: true, force: true });
