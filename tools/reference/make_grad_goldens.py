#!/usr/bin/python3
"""Gradient goldens for `hulumed train grad`: torch autograd through the reference twin
(qwen_ref.QwenRef, float32) on the text samples of testdata/train/grad_text.jsonl, for each
tiny checkpoint; writes testdata/goldens/<model>/train/grad_text.{json,safetensors}.

    /usr/bin/python3.11 tools/reference/make_grad_goldens.py

Labels follow the reference processor (HulumedProcessor._process_text_with_label): each
message is rendered alone with the chat template and tokenized; an assistant message's
targets are its ids from just after the generation prompt `<|im_start|>assistant\\n` up to
and including `<|im_end|>` (its final `\\n` excluded); everything else is ignored. Position t
predicts the label of t + 1, and the loss is the sum of the label-token losses of all samples
over their total count (one batch), as the reference's `num_items_in_batch` path computes it.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from jinja2.sandbox import ImmutableSandboxedEnvironment

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import chat_template, load_model  # noqa: E402
from qwen_ref import KvCache, LlmConfig, QwenRef  # noqa: E402
from safetensors_io import TensorSpec, write_safetensors  # noqa: E402
from tiny_tokenizer import TinyTokenizer  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
IGNORE = -100
ROLES = {"human": "user", "gpt": "assistant", "system": "system"}  # the training format's `from`


def render(template, messages, add_generation_prompt):
    # What transformers' apply_chat_template sets up.
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt)


def label_sample(sample, template, tok):
    generation_prompt = (render(template, [{"role": "user", "content": ""}], True)
                         .replace(render(template, [{"role": "user", "content": ""}], False), ""))
    skip = len(tok.encode(generation_prompt))
    ids, labels = [], []
    for turn in sample["conversations"]:
        message = {"role": ROLES[turn["from"]], "content": turn["value"]}
        message_ids = tok.encode(render(template, [message], False))
        targets = [IGNORE] * len(message_ids)
        if message["role"] == "assistant":
            targets[skip:-1] = message_ids[skip:-1]
        ids += message_ids
        labels += targets
    return ids, labels


def main():
    tok = TinyTokenizer()
    template = chat_template()
    with open(os.path.join(ROOT, "testdata", "train", "grad_text.jsonl")) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    labelled = [label_sample(s, template, tok) for s in samples]
    count = sum(sum(1 for t in labels[1:] if t != IGNORE) for _, labels in labelled)
    for model in ("tiny-qwen2", "tiny-qwen3"):
        cfg, _, w = load_model(os.path.join(ROOT, "testdata", "models", model))
        for t in w.values():
            t.requires_grad_(True)
        ref = QwenRef(LlmConfig.from_json(cfg, w.keys()), w, torch.float32)
        loss = torch.zeros((), dtype=torch.float32)
        for ids, labels in labelled:
            logits = ref.forward_embeds(ref.embed(ids), KvCache(ref.cfg.num_layers))
            targets = torch.tensor(labels[1:])
            keep = targets != IGNORE
            loss = loss + F.cross_entropy(logits[:-1][keep], targets[keep], reduction="sum")
        loss = loss / count
        loss.backward()
        # The LLM's gradients; the vision tower and projector get none from text.
        grads = {name: t.grad for name, t in w.items() if t.grad is not None}
        out_dir = os.path.join(ROOT, "testdata", "goldens", model, "train")
        os.makedirs(out_dir, exist_ok=True)
        specs = [TensorSpec(name, torch.float32, list(g.shape), lambda g=g: g) for name, g in grads.items()]
        specs.append(TensorSpec("loss", torch.float32, [], lambda: loss.detach()))
        write_safetensors(os.path.join(out_dir, "grad_text.safetensors"), specs)
        largest = max(float(g.abs().max()) for g in grads.values())
        summary = {"samples": "testdata/train/grad_text.jsonl", "loss": float(loss), "label_tokens": count,
                   "largest_gradient": largest,
                   "zero_gradient": sorted(name for name in w if w[name].grad is None),
                   "input_ids": [ids for ids, _ in labelled], "labels": [labels for _, labels in labelled]}
        with open(os.path.join(out_dir, "grad_text.json"), "w") as f:
            f.write("{\n" + ",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in summary.items())
                    + "\n}\n")
        print("%s: loss %.6f over %d label tokens, largest gradient %.4g, %d tensors with gradients"
              % (model, float(loss), count, largest, len(grads)))


if __name__ == "__main__":
    main()
