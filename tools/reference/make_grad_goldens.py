#!/usr/bin/python3
"""Gradient goldens for the trainer and `hulumed train grad`: torch autograd through the
reference twin (qwen_ref.QwenRef, vision_ref.VisionRef; float32), for each tiny checkpoint:
- grad_text: the text samples of testdata/train/grad_text.jsonl, as one batch;
- grad_image: one image (the pixel rows of goldens/<model>/vision/image, merge size 1) and a
  question about it, the image tokens' embeddings replaced as `embed * 0 + feature`;
- grad_volume: the 4-slice volume of goldens/<model>/vision/volume (merge size 2, bilinear
  downsample) with its float32 token-reduction mask: dropped tokens leave ids and labels, and
  the mask itself is data (no gradient flows through the selection).
Writes testdata/goldens/<model>/train/<case>.{json,safetensors}: ids, labels, loss and the
full float32 gradient of every tensor that gets one.

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

import numpy as np
import torch
import torch.nn.functional as F
from jinja2.sandbox import ImmutableSandboxedEnvironment

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import chat_template, load_model  # noqa: E402
from qwen_ref import KvCache, LlmConfig, QwenRef  # noqa: E402
from safetensors_io import TensorSpec, write_safetensors  # noqa: E402
from tiny_tokenizer import TinyTokenizer  # noqa: E402
from vision_ref import VisionRef  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
IGNORE = -100
IMAGE = "<image>"
IMAGE_ID = 301  # the tiny tokenizer's <image>, config.json image_token_index
IMAGE_MESSAGES = [
    {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is shown in this image?"}]},
    {"role": "assistant", "content": "A small test pattern."},
]
VOLUME_MESSAGES = [
    {"role": "user", "content": [{"type": "video", "num_frames": 4}, {"type": "text", "text": "Describe this CT volume."}]},
    {"role": "assistant", "content": "Four slices."},
]
ROLES = {"human": "user", "gpt": "assistant", "system": "system"}  # the training format's `from`


def render(template, messages, add_generation_prompt):
    # What transformers' apply_chat_template sets up.
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt)


def label_messages(messages, template, tok, image_tokens=()):
    generation_prompt = (render(template, [{"role": "user", "content": ""}], True)
                         .replace(render(template, [{"role": "user", "content": ""}], False), ""))
    skip = len(tok.encode(generation_prompt))
    ids, labels, image = [], [], 0
    for message in messages:
        chunks = render(template, [message], False).split(IMAGE)
        prompt = chunks[0]
        for chunk in chunks[1:]:  # each placeholder repeated once per visual token
            prompt += IMAGE * image_tokens[image] + chunk
            image += 1
        message_ids = tok.encode(prompt)
        targets = [IGNORE] * len(message_ids)
        if message["role"] == "assistant":
            targets[skip:-1] = message_ids[skip:-1]
        ids += message_ids
        labels += targets
    assert image == len(image_tokens)
    return ids, labels


def write_golden(out_dir, case, w, labelled, loss, count, samples_note):
    # The tensors that got a gradient; the others (the vision tower on text) get none.
    grads = {name: t.grad for name, t in w.items() if t.grad is not None}
    specs = [TensorSpec(name, torch.float32, list(g.shape), lambda g=g: g) for name, g in grads.items()]
    specs.append(TensorSpec("loss", torch.float32, [], lambda: loss.detach()))
    write_safetensors(os.path.join(out_dir, case + ".safetensors"), specs)
    largest = max(float(g.abs().max()) for g in grads.values())
    summary = {"samples": samples_note, "loss": float(loss), "label_tokens": count, "largest_gradient": largest,
               "zero_gradient": sorted(name for name in w if w[name].grad is None),
               "input_ids": [ids for ids, _ in labelled], "labels": [labels for _, labels in labelled]}
    with open(os.path.join(out_dir, case + ".json"), "w") as f:
        f.write("{\n" + ",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v)) for k, v in summary.items())
                + "\n}\n")
    print("%s/%s: loss %.6f over %d label tokens, largest gradient %.4g, %d tensors with gradients"
          % (os.path.basename(os.path.dirname(out_dir)), case, float(loss), count, largest, len(grads)))


def leaf_weights(model):
    cfg, _, w = load_model(os.path.join(ROOT, "testdata", "models", model))
    for t in w.values():
        t.requires_grad_(True)
    return cfg, w


def label_loss(logits, labels):
    """Σ cross entropy of position t against labels[t + 1], over labelled positions only."""
    targets = torch.tensor(labels[1:])
    keep = targets != IGNORE
    return F.cross_entropy(logits[:-1][keep], targets[keep], reduction="sum")


def count_labels(labelled):
    return sum(sum(1 for t in labels[1:] if t != IGNORE) for _, labels in labelled)


def text_golden(model, template, tok, out_dir):
    with open(os.path.join(ROOT, "testdata", "train", "grad_text.jsonl")) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    labelled = [label_messages([{"role": ROLES[t["from"]], "content": t["value"]} for t in s["conversations"]],
                               template, tok) for s in samples]
    count = count_labels(labelled)
    cfg, w = leaf_weights(model)
    ref = QwenRef(LlmConfig.from_json(cfg, w.keys()), w, torch.float32)
    loss = torch.zeros((), dtype=torch.float32)
    for ids, labels in labelled:
        loss = loss + label_loss(ref.forward_embeds(ref.embed(ids), KvCache(ref.cfg.num_layers)), labels)
    loss = loss / count
    loss.backward()
    write_golden(out_dir, "grad_text", w, labelled, loss, count, "testdata/train/grad_text.jsonl")


def media_loss(model, cfg, w, template, tok, case_name, messages):
    """The loss (mean over label tokens) of one media sample: the pixel rows of
    goldens/<model>/vision/<case_name> with `messages`, through the twin over weights `w`.
    Returns (loss, labelled, count)."""
    vision_dir = os.path.join(ROOT, "testdata", "goldens", model, "vision")
    with open(os.path.join(vision_dir, case_name + ".json")) as f:
        case = json.load(f)
    pixels = torch.from_numpy(np.load(os.path.join(vision_dir, case["pixels"]["file"])))
    (t, h, wd), m = case["grid"], case["merge_size"]
    per_frame = (h // m) * (wd // m)
    # One <image> per frame for images and videos alike (the processor's grid_sizes).
    ids, labels = label_messages(messages, template, tok, [per_frame] * t if case["modal"] == "video"
                                 else [t * per_frame])
    keep = [True] * (t * per_frame) if case["modal"] == "image" else [bool(k) for k in case["kept_mask"]["f32"]]
    # Token reduction drops the image tokens of dropped visual tokens, and their labels.
    slot = 0
    kept_ids, kept_labels = [], []
    for i, l in zip(ids, labels):
        if i == IMAGE_ID:
            slot += 1
            if not keep[slot - 1]:
                continue
        kept_ids.append(i)
        kept_labels.append(l)
    labelled = [(kept_ids, kept_labels)]
    count = count_labels(labelled)
    ref = QwenRef(LlmConfig.from_json(cfg, w.keys()), w, torch.float32)
    vision = VisionRef(cfg, w, torch.float32)
    _, features = vision.encode(pixels, [tuple(case["grid"])], [m])
    visual = vision.project(features)[torch.tensor(keep)]
    ids, labels = labelled[0]
    slots = torch.tensor(ids) == cfg["image_token_index"]
    x = ref.embed(ids)
    placed = torch.zeros_like(x).index_copy(0, torch.nonzero(slots)[:, 0], visual)
    x = torch.where(slots[:, None], x * 0.0 + placed, x)  # the reference's splice
    return label_loss(ref.forward_embeds(x, KvCache(ref.cfg.num_layers)), labels) / count, labelled, count


def media_golden(model, template, tok, out_dir, case_name, messages):
    cfg, w = leaf_weights(model)
    loss, labelled, count = media_loss(model, cfg, w, template, tok, case_name, messages)
    loss.backward()
    write_golden(out_dir, "grad_" + case_name, w, labelled, loss, count,
                 "goldens/<model>/vision/%s pixels with the messages of make_grad_goldens.py" % case_name)


def main():
    tok = TinyTokenizer()
    template = chat_template()
    for model in ("tiny-qwen2", "tiny-qwen3"):
        out_dir = os.path.join(ROOT, "testdata", "goldens", model, "train")
        os.makedirs(out_dir, exist_ok=True)
        text_golden(model, template, tok, out_dir)
        media_golden(model, template, tok, out_dir, "image", IMAGE_MESSAGES)
        media_golden(model, template, tok, out_dir, "volume", VOLUME_MESSAGES)


if __name__ == "__main__":
    main()
