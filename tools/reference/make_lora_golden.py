#!/usr/bin/python3
"""LoRA golden for the trainer and `run --lora`: torch autograd through the reference twin
(qwen_ref.QwenRef, float32) with every decoder projection of tiny-qwen2 replaced by
W + (alpha / r) · B A, A and B the only leaves. Same samples, labels and loss as grad_text
(make_grad_goldens.py). Writes testdata/goldens/tiny-qwen2/train/lora/, and lora_vision/: the
same for the grad_image sample (make_grad_goldens.py) with every vision-encoder projection
(q/k/v/out_proj, fc1, fc2) and the decoder's q_proj adapted and the projector trained in full
(PEFT's modules_to_save; its gradients under the checkpoint names), the rest frozen; and
lora_vision_volume/: the same on the grad_volume sample (merge size 2, token reduction):
- adapter_config.json, adapter_model.safetensors: the adapter in PEFT's format (A, B fixed
  random draws; B nonzero, so A gets a gradient too);
- grads.safetensors: the gradient of every lora_A/lora_B tensor under its PEFT name, the loss,
  and `logits`, the adapted model's logits over the first sample's ids;
- grads.json: loss, label count, largest gradient (lora/: the first sample's ids).

    /usr/bin/python3.11 tools/reference/make_lora_golden.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import chat_template, load_model  # noqa: E402
from make_grad_goldens import (IMAGE_MESSAGES, ROLES, VOLUME_MESSAGES, ROOT, count_labels, label_loss, label_messages,  # noqa: E402
                               media_loss)
from qwen_ref import KvCache, LlmConfig, QwenRef  # noqa: E402
from safetensors_io import TensorSpec, write_safetensors  # noqa: E402
from tiny_tokenizer import TinyTokenizer  # noqa: E402

MODEL = "tiny-qwen2"
RANK, ALPHA = 4, 8.0
KINDS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
VISION_KINDS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "mlp.fc1", "mlp.fc2")


def adapt(w, modules, gen):
    """W + (alpha / r) B A for each module, A and B fixed random leaves (B nonzero, so A gets a
    gradient too). Returns module -> (A, B)."""
    lora = {}
    for module in modules:
        out, inp = w[module + ".weight"].shape
        a = (torch.randn(RANK, inp, generator=gen) * 0.1).requires_grad_(True)
        b = (torch.randn(out, RANK, generator=gen) * 0.1).requires_grad_(True)
        lora[module] = (a, b)
        w[module + ".weight"] = w[module + ".weight"] + (ALPHA / RANK) * (b @ a)
    return lora


def write_adapter(out_dir, lora, loss, count, target_modules, extra_tensors=(), extra_json=None, saved=None):
    os.makedirs(out_dir, exist_ok=True)
    name = "base_model.model.%s.lora_%s.weight"
    adapter, grads = [], []
    for module, (a, b) in lora.items():
        for part, t in (("A", a), ("B", b)):
            adapter.append(TensorSpec(name % (module, part), torch.float32, list(t.shape), lambda t=t: t.detach()))
            grads.append(TensorSpec(name % (module, part), torch.float32, list(t.shape), lambda t=t: t.grad))
    for tensor_name, t in (saved or {}).items():  # modules_to_save: the tensor itself, and its gradient
        adapter.append(TensorSpec("base_model.model." + tensor_name, torch.float32, list(t.shape),
                                  lambda t=t: t.detach()))
        grads.append(TensorSpec(tensor_name, torch.float32, list(t.shape), lambda t=t: t.grad))
    grads.append(TensorSpec("loss", torch.float32, [], lambda: loss.detach()))
    grads.extend(extra_tensors)
    write_safetensors(os.path.join(out_dir, "adapter_model.safetensors"), adapter, {"format": "pt"})
    write_safetensors(os.path.join(out_dir, "grads.safetensors"), grads)
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": RANK, "lora_alpha": ALPHA, "lora_dropout": 0.0,
              "target_modules": target_modules, "bias": "none", "fan_in_fan_out": False}
    if saved:
        config["modules_to_save"] = ["mm_projector"]
    with open(os.path.join(out_dir, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    trained = [t for ab in lora.values() for t in ab] + list((saved or {}).values())
    largest = max(float(t.grad.abs().max()) for t in trained)
    with open(os.path.join(out_dir, "grads.json"), "w") as f:
        json.dump({"loss": float(loss), "label_tokens": count, "largest_gradient": largest, **(extra_json or {})}, f,
                  indent=1)
    print("%s: loss %.6f over %d label tokens, largest gradient %.4g" % (out_dir, float(loss), count, largest))


def vision_golden(template, tok, case_name, messages, out_name):
    cfg, _, w = load_model(os.path.join(ROOT, "testdata", "models", MODEL))
    layers = cfg["vision_encoder_config"]["num_hidden_layers"]
    modules = ["model.vision_encoder.encoder.layers.%d.%s" % (i, k) for i in range(layers) for k in VISION_KINDS]
    modules += ["model.layers.%d.self_attn.q_proj" % i for i in range(cfg["num_hidden_layers"])]
    lora = adapt(w, modules, torch.Generator().manual_seed(12))
    projector = {k: w[k].requires_grad_(True) for k in w if k.startswith("model.mm_projector.")}
    loss, _, count = media_loss(MODEL, cfg, w, template, tok, case_name, messages)
    loss.backward()
    write_adapter(os.path.join(ROOT, "testdata", "goldens", MODEL, "train", out_name), lora, loss, count,
                  sorted({k.split(".")[-1] for k in VISION_KINDS}), saved=projector)


def main():
    tok, template = TinyTokenizer(), chat_template()
    with open(os.path.join(ROOT, "testdata", "train", "grad_text.jsonl")) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    labelled = [label_messages([{"role": ROLES[t["from"]], "content": t["value"]} for t in s["conversations"]],
                               template, tok) for s in samples]
    count = count_labels(labelled)
    cfg, _, w = load_model(os.path.join(ROOT, "testdata", "models", MODEL))
    modules = ["model.layers.%d.%s" % (i, kind) for i in range(cfg["num_hidden_layers"]) for kind in KINDS]
    lora = adapt(w, modules, torch.Generator().manual_seed(11))
    ref = QwenRef(LlmConfig.from_json(cfg, w.keys()), w, torch.float32)
    loss = torch.zeros((), dtype=torch.float32)
    first_logits = None
    for ids, labels in labelled:
        logits = ref.forward_embeds(ref.embed(ids), KvCache(ref.cfg.num_layers))
        first_logits = logits.detach() if first_logits is None else first_logits
        loss = loss + label_loss(logits, labels)
    loss = loss / count
    loss.backward()
    write_adapter(os.path.join(ROOT, "testdata", "goldens", MODEL, "train", "lora"), lora, loss, count,
                  [k.split(".")[-1] for k in KINDS],
                  [TensorSpec("logits", torch.float32, list(first_logits.shape), lambda: first_logits)],
                  {"first_sample_ids": labelled[0][0]})
    vision_golden(template, tok, "image", IMAGE_MESSAGES, "lora_vision")
    vision_golden(template, tok, "volume", VOLUME_MESSAGES, "lora_vision_volume")


if __name__ == "__main__":
    main()
