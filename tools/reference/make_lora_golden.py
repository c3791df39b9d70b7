#!/usr/bin/python3
"""LoRA golden for the trainer and `run --lora`: torch autograd through the reference twin
(qwen_ref.QwenRef, float32) with every decoder projection of tiny-qwen2 replaced by
W + (alpha / r) · B A, A and B the only leaves. Same samples, labels and loss as grad_text
(make_grad_goldens.py). Writes testdata/goldens/tiny-qwen2/train/lora/:
- adapter_config.json, adapter_model.safetensors: the adapter in PEFT's format (A, B fixed
  random draws; B nonzero, so A gets a gradient too);
- grads.safetensors: the gradient of every lora_A/lora_B tensor under its PEFT name, the loss,
  and `logits`, the adapted model's logits over the first sample's ids;
- grads.json: loss, label count, largest gradient.

    /usr/bin/python3.11 tools/reference/make_lora_golden.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import chat_template, load_model  # noqa: E402
from make_grad_goldens import ROLES, ROOT, count_labels, label_loss, label_messages  # noqa: E402
from qwen_ref import KvCache, LlmConfig, QwenRef  # noqa: E402
from safetensors_io import TensorSpec, write_safetensors  # noqa: E402
from tiny_tokenizer import TinyTokenizer  # noqa: E402

MODEL = "tiny-qwen2"
RANK, ALPHA = 4, 8.0
KINDS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")


def main():
    tok, template = TinyTokenizer(), chat_template()
    with open(os.path.join(ROOT, "testdata", "train", "grad_text.jsonl")) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    labelled = [label_messages([{"role": ROLES[t["from"]], "content": t["value"]} for t in s["conversations"]],
                               template, tok) for s in samples]
    count = count_labels(labelled)
    cfg, _, w = load_model(os.path.join(ROOT, "testdata", "models", MODEL))
    gen = torch.Generator().manual_seed(11)
    lora = {}  # module -> (A, B), leaves
    for i in range(cfg["num_hidden_layers"]):
        for kind in KINDS:
            module = "model.layers.%d.%s" % (i, kind)
            out, inp = w[module + ".weight"].shape
            a = (torch.randn(RANK, inp, generator=gen) * 0.1).requires_grad_(True)
            b = (torch.randn(out, RANK, generator=gen) * 0.1).requires_grad_(True)
            lora[module] = (a, b)
            w[module + ".weight"] = w[module + ".weight"] + (ALPHA / RANK) * (b @ a)
    ref = QwenRef(LlmConfig.from_json(cfg, w.keys()), w, torch.float32)
    loss = torch.zeros((), dtype=torch.float32)
    first_logits = None
    for ids, labels in labelled:
        logits = ref.forward_embeds(ref.embed(ids), KvCache(ref.cfg.num_layers))
        first_logits = logits.detach() if first_logits is None else first_logits
        loss = loss + label_loss(logits, labels)
    loss = loss / count
    loss.backward()

    out_dir = os.path.join(ROOT, "testdata", "goldens", MODEL, "train", "lora")
    os.makedirs(out_dir, exist_ok=True)
    name = "base_model.model.%s.lora_%s.weight"
    adapter, grads = [], []
    for module, (a, b) in lora.items():
        for part, t in (("A", a), ("B", b)):
            adapter.append(TensorSpec(name % (module, part), torch.float32, list(t.shape), lambda t=t: t.detach()))
            grads.append(TensorSpec(name % (module, part), torch.float32, list(t.shape), lambda t=t: t.grad))
    grads.append(TensorSpec("loss", torch.float32, [], lambda: loss.detach()))
    grads.append(TensorSpec("logits", torch.float32, list(first_logits.shape), lambda: first_logits))
    write_safetensors(os.path.join(out_dir, "adapter_model.safetensors"), adapter, {"format": "pt"})
    write_safetensors(os.path.join(out_dir, "grads.safetensors"), grads)
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": RANK, "lora_alpha": ALPHA, "lora_dropout": 0.0,
              "target_modules": [k.split(".")[-1] for k in KINDS], "bias": "none", "fan_in_fan_out": False}
    with open(os.path.join(out_dir, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    largest = max(float(t.grad.abs().max()) for ab in lora.values() for t in ab)
    with open(os.path.join(out_dir, "grads.json"), "w") as f:
        json.dump({"loss": float(loss), "label_tokens": count, "largest_gradient": largest,
                   "first_sample_ids": labelled[0][0]}, f, indent=1)
    print("%s lora: loss %.6f over %d label tokens, largest gradient %.4g" % (MODEL, float(loss), count, largest))


if __name__ == "__main__":
    main()
