// Renders each case of testdata/text/template_goldens.jsonl with @huggingface/jinja into
// template_goldens_js.jsonl ({name, expected_js} or {name, error_js}), recording where the
// JS engine and Python Jinja2 (transformers) agree. A separate file because JSON.parse
// would turn the float 1.0 of the Python goldens into the integer 1. Run after
// make_template_goldens.py.
//   node tools/text/make_template_goldens.js
"use strict";
const fs = require("fs");
const path = require("path");
const { Template } = require("@huggingface/jinja");

const root = path.resolve(__dirname, "../..");
const file = path.join(root, "testdata/text/template_goldens.jsonl");
const rows = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
let agree = 0;
const out = [];
for (const row of rows) {
  // The Hulu-Med cases are checked against the reference template, which lives outside
  // the repo; ours is the one they must match.
  const source = row.template === "hulumed_default"
    ? null
    : fs.readFileSync(path.join(root, "testdata/text/chat_templates", row.template), "utf8");
  if (!source) continue;
  const result = { name: row.name };
  try {
    const ctx = { messages: row.messages, add_generation_prompt: row.add_generation_prompt,
                  image_token: "<image>", ...row.extra };
    result.expected_js = new Template(source).render(ctx);
    if (result.expected_js === row.expected) ++agree;
  } catch (e) {
    result.error_js = String(e.message);
  }
  out.push(JSON.stringify(result));
}
fs.writeFileSync(file.replace(".jsonl", "_js.jsonl"), out.join("\n") + "\n");
console.log(`${rows.length} cases; @huggingface/jinja identical to Jinja2 on ${agree}`);
