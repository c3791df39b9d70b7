#!/usr/bin/python3
"""Writes the tiny random Hulu-Med checkpoints under testdata/models/ and their goldens under
testdata/goldens/ (deterministic: fixed seeds), or a real-shape random checkpoint for benchmarks.

    /usr/bin/python3 tools/reference/make_fixtures.py [--out testdata]
    /usr/bin/python3 tools/reference/make_fixtures.py --real 7b OUT_DIR     # or 4b; not committed

Needs Debian's python3-torch and python3-numpy (scripts/setup.sh --reference); no transformers.
"""
import argparse
import dataclasses
import json
import math
import os
import shutil
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cross_check import check_text_goldens, check_vision_goldens  # noqa: E402
from qwen_ref import LlmConfig, QwenRef  # noqa: E402
from safetensors_io import TensorSpec, read_checkpoint, write_checkpoint  # noqa: E402
from vision_goldens import write_vision_goldens  # noqa: E402
from tiny_tokenizer import QWEN3_ADDED, QWEN25_ADDED, QWEN_FIRST_ADDED_ID, TinyTokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_NOTE = "untrained random weights (test fixture)"
N_NEW = 16
MIN_MARGIN = 2e-2  # greedy top1 - top2 in float32 along every golden continuation


@dataclass
class VisionShape:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    patch_size: int = 14
    num_channels: int = 3
    layer_norm_eps: float = 1e-6


@dataclass
class ModelSpec:
    name: str
    model_type: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    max_position_embeddings: int
    tie_word_embeddings: bool
    qwen3: bool  # q_norm/k_norm, no q/k/v bias, explicit head_dim
    dtype: torch.dtype
    vision: VisionShape
    head_dim: Optional[int] = None
    rope_theta: float = 1000000.0
    rms_norm_eps: float = 1e-6
    nested_vision: bool = False  # original release: model.vision_encoder.vision_encoder.*
    max_shard_bytes: Optional[int] = None
    seed: int = 0
    # init scales: large enough that greedy decoding has clear top1/top2 margins
    std: float = 0.15
    embed_std: float = 0.6
    # Rows of embed_tokens / lm_head at and past this id (the padded vocabulary past the
    # tokenizer) are zero, so greedy decoding never picks an id the tokenizer lacks.
    used_vocab: Optional[int] = None

    @property
    def hd(self) -> int:
        return self.head_dim or self.hidden_size // self.num_attention_heads


TINY_TOKENIZER_SIZE = len(TinyTokenizer().id_to_token)
TINY_VISION = VisionShape(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2)

TINY = [
    ModelSpec("tiny-qwen2", "hulumed_qwen2", 64, 128, 2, 4, 2, 320, 512, False, False,
              torch.float32, TINY_VISION, seed=6, used_vocab=TINY_TOKENIZER_SIZE),
    ModelSpec("tiny-qwen3", "hulumed_qwen3", 64, 128, 2, 4, 2, 320, 512, True, True,
              torch.float32, TINY_VISION, head_dim=32, nested_vision=True, seed=4,
              max_shard_bytes=400_000, used_vocab=TINY_TOKENIZER_SIZE),
    # tiny-qwen2's weights (same seed) rounded to bfloat16
    ModelSpec("tiny-qwen2-bf16", "hulumed_qwen2", 64, 128, 2, 4, 2, 320, 512, False, False,
              torch.bfloat16, TINY_VISION, seed=6, used_vocab=TINY_TOKENIZER_SIZE),
]

REAL_VISION = VisionShape(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16)
REAL = {
    "7b": ModelSpec("hulumed-7b-random", "hulumed_qwen2", 3584, 18944, 28, 28, 4, 152064, 32768,
                    False, False, torch.bfloat16, REAL_VISION, seed=7, std=0.02, embed_std=0.02,
                    max_shard_bytes=5_000_000_000),
    "4b": ModelSpec("hulumed-4b-random", "hulumed_qwen3", 2560, 9728, 36, 32, 8, 151936, 40960,
                    True, True, torch.bfloat16, REAL_VISION, head_dim=128, seed=4, std=0.02,
                    embed_std=0.02, max_shard_bytes=5_000_000_000),
}
# Hulu-Med (like VideoLLaMA3, whose code it adapts) appends <image> to Qwen's tokenizer with
# add_tokens, so it takes the id after Qwen's last added token: 151665 (Qwen2.5), 151669 (Qwen3).
REAL_ADDED = {"7b": QWEN25_ADDED + [("<image>", True)], "4b": QWEN3_ADDED + [("<image>", True)]}

# Prompts of the goldens; "chat_long" is the one of >= 40 tokens.
CASES = {
    "chat": "<|im_start|>user\nWhat is the heart?<|im_end|>\n<|im_start|>assistant\n",
    "chat_long": ("<|im_start|>system\nYou are a careful medical assistant.<|im_end|>\n"
                  "<|im_start|>user\nThe chest CT shows a small nodule in the right lung, 6 mm, "
                  "and the patient is a smoker. What should be done next?<|im_end|>\n"
                  "<|im_start|>assistant\n"),
    "plain": "The patient and the doctor",
}
QWEN3_CASES = {"think": CASES["chat"] + "<think>\n\n</think>\n\n"}


# ---------------------------------------------------------------- weights

def tensor_specs(m: ModelSpec) -> List[TensorSpec]:
    """Every tensor of a Hulu-Med checkpoint, in HF state-dict order (which sets the shards).
    Each is drawn from its own generator seeded by (model seed, index), so they can be made
    one at a time in any order."""
    specs: List[TensorSpec] = []

    def add(name, shape, kind, std=None):
        index = len(specs)

        def make():
            g = torch.Generator().manual_seed(m.seed * 1_000_003 + index)
            if kind == "weight":
                t = torch.randn(shape, generator=g) * std
                if m.used_vocab and name in ("model.embed_tokens.weight", "lm_head.weight"):
                    t[m.used_vocab:] = 0
            elif kind == "norm":  # around 1
                t = 1.0 + 0.1 * torch.randn(shape, generator=g)
            else:  # bias
                t = 0.1 * torch.randn(shape, generator=g)
            return t.to(m.dtype)
        specs.append(TensorSpec(name, m.dtype, tuple(shape), make))

    H, I, hd = m.hidden_size, m.intermediate_size, m.hd
    q_dim, kv_dim = m.num_attention_heads * hd, m.num_key_value_heads * hd
    add("model.embed_tokens.weight", (m.vocab_size, H), "weight", m.embed_std)
    for i in range(m.num_hidden_layers):
        p = "model.layers.%d." % i
        for proj, rows in (("q_proj", q_dim), ("k_proj", kv_dim), ("v_proj", kv_dim)):
            add(p + "self_attn.%s.weight" % proj, (rows, H), "weight", m.std)
            if not m.qwen3:
                add(p + "self_attn.%s.bias" % proj, (rows,), "bias")
        add(p + "self_attn.o_proj.weight", (H, q_dim), "weight", m.std)
        if m.qwen3:
            add(p + "self_attn.q_norm.weight", (hd,), "norm")
            add(p + "self_attn.k_norm.weight", (hd,), "norm")
        add(p + "mlp.gate_proj.weight", (I, H), "weight", m.std)
        add(p + "mlp.up_proj.weight", (I, H), "weight", m.std)
        add(p + "mlp.down_proj.weight", (H, I), "weight", m.std)
        add(p + "input_layernorm.weight", (H,), "norm")
        add(p + "post_attention_layernorm.weight", (H,), "norm")
    add("model.norm.weight", (H,), "norm")

    v = m.vision
    D, P, C = v.hidden_size, v.patch_size, v.num_channels
    ve = "model.vision_encoder.vision_encoder." if m.nested_vision else "model.vision_encoder."
    add(ve + "embeddings.patch_embedding.weight", (D, C, P, P), "weight", 1.0 / math.sqrt(C * P * P))
    add(ve + "embeddings.patch_embedding.bias", (D,), "bias")
    for j in range(v.num_hidden_layers):
        p = ve + "encoder.layers.%d." % j
        for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):  # registration order
            add(p + "self_attn.%s.weight" % proj, (D, D), "weight", m.std)
            add(p + "self_attn.%s.bias" % proj, (D,), "bias")
        add(p + "layer_norm1.weight", (D,), "norm")
        add(p + "layer_norm1.bias", (D,), "bias")
        add(p + "mlp.fc1.weight", (v.intermediate_size, D), "weight", m.std)
        add(p + "mlp.fc1.bias", (v.intermediate_size,), "bias")
        add(p + "mlp.fc2.weight", (D, v.intermediate_size), "weight", m.std)
        add(p + "mlp.fc2.bias", (D,), "bias")
        add(p + "layer_norm2.weight", (D,), "norm")
        add(p + "layer_norm2.bias", (D,), "bias")
    add(ve + "post_layernorm.weight", (D,), "norm")
    add(ve + "post_layernorm.bias", (D,), "bias")
    add("model.mm_projector.readout.0.weight", (H, D), "weight", 1.0 / math.sqrt(D))
    add("model.mm_projector.readout.0.bias", (H,), "bias")
    add("model.mm_projector.readout.2.weight", (H, H), "weight", 1.0 / math.sqrt(H))
    add("model.mm_projector.readout.2.bias", (H,), "bias")
    if not m.tie_word_embeddings:
        add("lm_head.weight", (m.vocab_size, H), "weight", m.embed_std)
    return specs


# ---------------------------------------------------------------- json files

def dtype_name(dtype: torch.dtype) -> str:
    return {torch.float32: "float32", torch.bfloat16: "bfloat16"}[dtype]


def config_json(m: ModelSpec, ids: Dict[str, int]) -> dict:
    """The keys of a Hulu-Med config.json: Qwen2/Qwen3 config, plus what hulumed_arch.py,
    encoder.py and projector.py read (vision_encoder, mm_*, image_token_index,
    use_token_compression) and the HF version's vision_encoder_config."""
    v = m.vision
    cfg = {
        "architectures": ["HulumedQwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "hidden_act": "silu",
        "hidden_size": m.hidden_size,
        "image_token_index": ids["<image>"],
        "initializer_range": 0.02,
        "intermediate_size": m.intermediate_size,
        "max_position_embeddings": m.max_position_embeddings,
        "max_window_layers": m.num_hidden_layers,
        "mm_hidden_size": v.hidden_size,
        "mm_projector_type": "mlp2x_gelu",
        "mm_vision_select_feature": "patch",
        "mm_vision_select_layer": -1,
        "model_type": m.model_type,
        "num_attention_heads": m.num_attention_heads,
        "num_hidden_layers": m.num_hidden_layers,
        "num_key_value_heads": m.num_key_value_heads,
        "rms_norm_eps": m.rms_norm_eps,
        "rope_scaling": None,
        "rope_theta": m.rope_theta,
        "sliding_window": None if m.qwen3 else m.max_position_embeddings,
        "tie_word_embeddings": m.tie_word_embeddings,
        "tokenizer_model_max_length": m.max_position_embeddings,
        "tokenizer_padding_side": "right",
        "torch_dtype": dtype_name(m.dtype),
        "transformers_version": "4.51.2",
        "use_cache": True,
        "use_mm_proj": True,
        "use_sliding_window": False,
        "use_token_compression": True,
        "vision_encoder": "ZJU-AI4H/SigLip-NaViT",
        "vision_encoder_config": {
            "attention_dropout": 0.0,
            "hidden_act": "gelu_pytorch_tanh",
            "hidden_size": v.hidden_size,
            "intermediate_size": v.intermediate_size,
            "layer_norm_eps": v.layer_norm_eps,
            "model_type": "hulumed_vision_encoder",
            "num_attention_heads": v.num_attention_heads,
            "num_channels": v.num_channels,
            "num_hidden_layers": v.num_hidden_layers,
            "patch_size": v.patch_size,
        },
        "vocab_size": m.vocab_size,
        "hulumed_fixture": FIXTURE_NOTE,
    }
    if m.qwen3:
        cfg["head_dim"] = m.hd
        cfg["attention_bias"] = False
    return cfg


def generation_config_json(ids: Dict[str, int]) -> dict:
    return {"bos_token_id": ids["<|endoftext|>"], "do_sample": False,
            "eos_token_id": [ids["<|im_end|>"], ids["<|endoftext|>"]],
            "pad_token_id": ids["<|endoftext|>"], "transformers_version": "4.51.2"}


def preprocessor_config_json(v: VisionShape) -> dict:
    # HulumedImageProcessor's settings; SigLIP normalization.
    return {"do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
            "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "HulumedImageProcessor",
            "image_std": [0.5, 0.5, 0.5], "max_tokens": 16384, "min_tokens": 16,
            "patch_size": v.patch_size, "processor_class": "HulumedProcessor", "resample": 3,
            "rescale_factor": 1 / 255}


def write_json(path: str, obj, sort_keys: bool = True):
    """HF's style (indent 2, sorted keys) for checkpoint files."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False, sort_keys=sort_keys)
        f.write("\n")


def write_golden_json(path: str, obj: dict):
    """One key per line, each value on one line, so id lists diff readably."""
    lines = ["  %s: %s" % (json.dumps(k), json.dumps(v, ensure_ascii=False)) for k, v in obj.items()]
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def chat_template() -> str:
    # The engine's own Hulu-Med default template (src/text/chat_template.cc), which renders what
    # the reference's DEFAULT_CHAT_TEMPLATE renders (tools/text goldens check that); one source.
    with open(os.path.join(HERE, "..", "..", "src", "text", "chat_template.cc"), encoding="utf-8") as f:
        source = f.read()
    return source.split('R"TPL(', 1)[1].split(')TPL"', 1)[0]


def write_model_dir(m: ModelSpec, out_dir: str, tok: TinyTokenizer, log=print):
    ids = special_ids(tok)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    write_checkpoint(out_dir, tensor_specs(m), m.max_shard_bytes, log)
    write_json(os.path.join(out_dir, "config.json"), config_json(m, ids))
    write_json(os.path.join(out_dir, "generation_config.json"), generation_config_json(ids))
    write_json(os.path.join(out_dir, "preprocessor_config.json"), preprocessor_config_json(m.vision))
    write_json(os.path.join(out_dir, "tokenizer.json"), tok.tokenizer_json(), sort_keys=False)
    write_json(os.path.join(out_dir, "tokenizer_config.json"),
               tok.tokenizer_config_json(chat_template(), m.max_position_embeddings))


# ---------------------------------------------------------------- goldens

def load_model(model_dir: str):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(model_dir, "generation_config.json")) as f:
        gen = json.load(f)
    w = read_checkpoint(model_dir)
    return cfg, gen, w


def run_case(ref: QwenRef, ids: List[int], eos: List[int]):
    logits, new_ids, margins = ref.generate_greedy(ref.embed(ids), N_NEW, eos)
    return logits.numpy().astype(np.float32), new_ids, margins


def write_goldens(m: ModelSpec, model_dir: str, golden_dir: str, tok: TinyTokenizer, log=print):
    """Goldens are computed from the checkpoint as written (read back from disk)."""
    cfg, gen, w = load_model(model_dir)
    lc = LlmConfig.from_json(cfg, w.keys())
    eos = gen["eos_token_id"]
    if os.path.isdir(golden_dir):
        for f in os.listdir(golden_dir):
            if os.path.isfile(os.path.join(golden_dir, f)):
                os.remove(os.path.join(golden_dir, f))
    os.makedirs(golden_dir, exist_ok=True)
    bf16 = m.dtype == torch.bfloat16
    # The engine's way: stored weights upcast to float32, float32 activations.
    ref32 = QwenRef(lc, w, torch.float32)
    ref16 = QwenRef(lc, w, torch.bfloat16) if bf16 else None
    cases = dict(CASES, **(QWEN3_CASES if m.qwen3 else {}))
    summary = {}
    for case, text in cases.items():
        ids = tok.encode(text)
        logits32, new32, margins32 = run_case(ref32, ids, eos)
        g = {"model": m.name, "case": case, "prompt_text": text, "prompt_ids": ids,
             "n_new": N_NEW, "eos_ids": eos}
        if not bf16:
            g.update({"greedy_ids": new32, "greedy_text": tok.decode(new32),
                      "stopped_on_eos": new32[-1] in eos, "min_margin": min(margins32),
                      "margins": margins32,
                      "logits": {"file": case + ".logits.npy", "shape": list(logits32.shape),
                                 "activations": "float32"}})
            np.save(os.path.join(golden_dir, case + ".logits.npy"), logits32)
            summary[case] = (len(ids), min(margins32), None)
        else:
            logits16, new16, margins16 = run_case(ref16, ids, eos)
            diff = float(np.abs(logits16 - logits32).max())
            g.update({
                # what an engine with float32 activations must reproduce exactly
                "greedy_ids": new32, "greedy_text": tok.decode(new32),
                "stopped_on_eos": new32[-1] in eos, "min_margin": min(margins32),
                "margins": margins32,
                # what HF gives with the model in bfloat16 end to end
                "greedy_ids_bf16_activations": new16, "min_margin_bf16_activations": min(margins16),
                "margins_bf16_activations": margins16,
                "logits": {"file": case + ".logits.npy", "shape": list(logits16.shape),
                           "activations": "bfloat16 (HF: model.to(torch.bfloat16))"},
                "logits_f32": {"file": case + ".f32.logits.npy", "shape": list(logits32.shape),
                               "activations": "float32 (bf16 weights upcast)"},
                "max_abs_diff_bf16_vs_f32_activations": diff,
                "max_abs_logit": float(np.abs(logits32).max()),
            })
            np.save(os.path.join(golden_dir, case + ".logits.npy"), logits16)
            np.save(os.path.join(golden_dir, case + ".f32.logits.npy"), logits32)
            summary[case] = (len(ids), min(margins32), (diff, new16 == new32, min(margins16)))
        write_golden_json(os.path.join(golden_dir, case + ".json"), g)
    return summary


# ---------------------------------------------------------------- main

def special_ids(tok: TinyTokenizer) -> Dict[str, int]:
    return {c: tok.token_id(c) for c in ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>")}


def make_tiny(out: str):
    tok = TinyTokenizer()
    os.makedirs(os.path.join(out, "goldens"), exist_ok=True)
    write_golden_json(os.path.join(out, "goldens", "tiny-tokenizer.json"), tokenizer_goldens(tok))
    ok = True
    for m in TINY:
        model_dir = os.path.join(out, "models", m.name)
        write_model_dir(m, model_dir, tok)
        golden_dir = os.path.join(out, "goldens", m.name)
        summary = write_goldens(m, model_dir, golden_dir, tok)
        with open(os.path.join(model_dir, "preprocessor_config.json")) as f:
            preprocessor = json.load(f)
        cfg, gen, _ = load_model(model_dir)
        vision_report = write_vision_goldens(m.name, model_dir, os.path.join(golden_dir, "vision"), tok,
                                             cfg, gen, preprocessor, m.dtype == torch.bfloat16,
                                             write_golden_json)
        size = sum(os.path.getsize(os.path.join(model_dir, f)) for f in os.listdir(model_dir))
        print("%s: %d bytes" % (m.name, size))
        for case, (n, margin, bf16) in summary.items():
            line = "  %-10s prompt %3d tokens, min greedy margin %.4f" % (case, n, margin)
            if bf16:
                line += "; bf16 vs f32 activations: max |logit diff| %.4f, same greedy %s, " \
                        "min bf16 margin %.4f" % bf16
            print(line)
            ok &= margin > MIN_MARGIN
        for line in vision_report:
            print("  " + line)
    if not ok:
        sys.exit("a greedy margin is below %g: change a seed" % MIN_MARGIN)
    names = [m.name for m in TINY]
    for line in check_text_goldens(out, names) + check_vision_goldens(out, names):
        print(line)


TOKENIZER_CASES = [
    "Hello world", "the cat is in the hat", "I'll see the   patient's 2025 scans,  ok?\n\n",
    "  leading and trailing  ", "tabs\tand\r\nnewlines\n\n\nend", "Café, naïve, ½ and x² (NFC: e\u0301)",
    "名字 and emoji 🫀!", "<|im_start|>user\n<image>\nDescribe it.<|im_end|>\n",
    "<think>\nok\n</think>\n\nDONE'S 'RE", "",
]


def tokenizer_goldens(tok: TinyTokenizer) -> dict:
    """Encodings of the tiny tokenizer (testdata/models/*/tokenizer.json) for the C++ tokenizer."""
    return {"tokenizer": "testdata/models/tiny-qwen2/tokenizer.json",
            "cases": [{"text": t, "ids": tok.encode(t), "decoded": tok.decode(tok.encode(t)),
                       "decoded_skip_special": tok.decode(tok.encode(t), skip_special_tokens=True)}
                      for t in TOKENIZER_CASES]}


def make_real(which: str, out_dir: str, layers: Optional[int]):
    m = REAL[which]
    if layers is not None:  # real widths, fewer decoder layers: quick end-to-end runs
        m = dataclasses.replace(m, name="%s-%dlayers" % (m.name, layers), num_hidden_layers=layers)
    # The tiny byte-level BPE with Qwen's added tokens at Qwen's ids (placeholders below them):
    # a valid tokenizer.json with the real special ids, so the checkpoint runs end to end.
    tok = TinyTokenizer(REAL_ADDED[which], QWEN_FIRST_ADDED_ID)
    specs = tensor_specs(m)
    total = sum(s.nbytes for s in specs)
    free = shutil.disk_usage(os.path.dirname(os.path.abspath(out_dir)) or ".").free
    if total * 1.05 > free:
        sys.exit("%s needs %.1f GB, only %.1f GB free" % (m.name, total / 1e9, free / 1e9))
    print("%s: %d tensors, %.2f GB of %s" % (m.name, len(specs), total / 1e9, dtype_name(m.dtype)))
    write_model_dir(m, out_dir, tok)
    print("wrote", out_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "testdata"),
                    help="testdata directory (default: the repository's)")
    ap.add_argument("--real", nargs=2, metavar=("{7b,4b}", "OUT_DIR"),
                    help="write a real-shape random bf16 checkpoint instead (GBs; never commit it)")
    ap.add_argument("--layers", type=int, help="with --real: keep only this many decoder layers")
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    if args.real:
        if args.real[0] not in REAL:
            ap.error("--real takes 7b or 4b")
        make_real(args.real[0], args.real[1], args.layers)
    else:
        make_tiny(os.path.normpath(args.out))


if __name__ == "__main__":
    main()
