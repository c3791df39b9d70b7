"""Qwen2 / Qwen3 decoder forward in plain torch, with Hugging Face's numerics (transformers
4.51, eager attention), so a checkpoint run here in float32 or bfloat16 gives what
`HulumedQwen2ForCausalLM` gives with `torch_dtype` float32 or bfloat16.

Where HF's dtype handling matters, it is kept:
- RMSNorm: computed in float32, cast back to the activation dtype, then times the weight.
- RoPE: inv_freq = 1 / theta ** (arange(0, d, 2) / d) in float32, angle = float32(pos *
  inv_freq), cos/sin cast to the activation dtype; rotate-half pairing (i with i + d/2).
- Attention: scores = (q @ k^T) * d^-0.5 in the activation dtype, additive causal mask of
  finfo.min, softmax in float32 then cast back, GQA with q head j using kv head j // group.
- Qwen3: q_norm / k_norm (RMSNorm over head_dim, per head) before RoPE; no q/k/v bias.
- Generation: prefill, then one token at a time against a k/v cache (k after RoPE), greedy
  argmax with ties to the lowest id, as `generate(do_sample=False)` does.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F


@dataclass
class LlmConfig:
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    vocab_size: int
    rms_norm_eps: float
    rope_theta: float
    tie_word_embeddings: bool
    qk_norm: bool  # Qwen3

    @staticmethod
    def from_json(cfg: dict, weight_names) -> "LlmConfig":
        # Qwen3 is recognised by its q_norm weights, not by model_type (SPEC section 9).
        qk_norm = "model.layers.0.self_attn.q_norm.weight" in weight_names
        head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
        return LlmConfig(cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"],
                         cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim,
                         cfg["vocab_size"], cfg["rms_norm_eps"], cfg["rope_theta"],
                         cfg.get("tie_word_embeddings", False), qk_norm)


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    dtype = x.dtype
    h = x.to(torch.float32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return weight * h.to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(positions: torch.Tensor, head_dim: int, theta: float, dtype: torch.dtype):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = positions.float()[:, None] * inv_freq[None, :]  # [T, d/2], float32 like HF
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


class KvCache:
    def __init__(self, n_layers: int):
        self.k: List[Optional[torch.Tensor]] = [None] * n_layers  # [kv_heads, S, head_dim]
        self.v: List[Optional[torch.Tensor]] = [None] * n_layers

    @property
    def length(self) -> int:
        return 0 if self.k[0] is None else self.k[0].shape[1]

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        if self.k[layer] is None:
            self.k[layer], self.v[layer] = k, v
        else:
            self.k[layer] = torch.cat((self.k[layer], k), dim=1)
            self.v[layer] = torch.cat((self.v[layer], v), dim=1)
        return self.k[layer], self.v[layer]


class QwenRef:
    """Weights `w` are HF tensor names -> tensors; they are cast to the activation dtype, as
    `model.to(dtype)` does (bf16 weights with float32 activations: pass dtype=float32)."""

    def __init__(self, cfg: LlmConfig, w: Dict[str, torch.Tensor], dtype: torch.dtype):
        self.cfg, self.dtype = cfg, dtype
        self.w = {k: v.to(dtype) for k, v in w.items()
                  if k.startswith("model.layers.") or k in ("model.embed_tokens.weight",
                                                            "model.norm.weight", "lm_head.weight")}
        if cfg.tie_word_embeddings:
            assert "lm_head.weight" not in self.w
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]

    def embed(self, ids: List[int]) -> torch.Tensor:
        return self.w["model.embed_tokens.weight"][torch.tensor(ids, dtype=torch.long)]

    def _linear(self, x, name, bias=False):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"] if bias else None)

    def _attention(self, i: int, x: torch.Tensor, cos, sin, cache: KvCache, start: int):
        c, p = self.cfg, "model.layers.%d.self_attn." % i
        T = x.shape[0]
        bias = not c.qk_norm
        q = self._linear(x, p + "q_proj", bias).view(T, c.num_heads, c.head_dim)
        k = self._linear(x, p + "k_proj", bias).view(T, c.num_kv_heads, c.head_dim)
        v = self._linear(x, p + "v_proj", bias).view(T, c.num_kv_heads, c.head_dim)
        if c.qk_norm:
            q = rms_norm(q, self.w[p + "q_norm.weight"], c.rms_norm_eps)
            k = rms_norm(k, self.w[p + "k_norm.weight"], c.rms_norm_eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # [heads, T, d]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = cache.append(i, k, v)  # [kv_heads, S, d]
        group = c.num_heads // c.num_kv_heads
        k = k.repeat_interleave(group, dim=0)
        v = v.repeat_interleave(group, dim=0)
        scores = torch.matmul(q, k.transpose(1, 2)) * (c.head_dim ** -0.5)  # [heads, T, S]
        S = k.shape[1]
        q_pos = torch.arange(start, start + T)[:, None]
        k_pos = torch.arange(S)[None, :]
        mask = torch.zeros(T, S, dtype=self.dtype).masked_fill(k_pos > q_pos, torch.finfo(self.dtype).min)
        scores = scores + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(self.dtype)
        out = torch.matmul(probs, v).transpose(0, 1).reshape(T, c.num_heads * c.head_dim)
        return self._linear(out, p + "o_proj")

    def _mlp(self, i: int, x: torch.Tensor) -> torch.Tensor:
        p = "model.layers.%d.mlp." % i
        return self._linear(F.silu(self._linear(x, p + "gate_proj")) * self._linear(x, p + "up_proj"),
                            p + "down_proj")

    def forward_embeds(self, x: torch.Tensor, cache: KvCache) -> torch.Tensor:
        """x: [T, hidden] input embeddings at positions cache.length...; returns float32
        logits [T, vocab] (the values of the activation dtype)."""
        c = self.cfg
        start = cache.length
        x = x.to(self.dtype)
        cos, sin = rope_cos_sin(torch.arange(start, start + x.shape[0]), c.head_dim, c.rope_theta,
                                self.dtype)
        for i in range(c.num_layers):
            p = "model.layers.%d." % i
            x = x + self._attention(i, rms_norm(x, self.w[p + "input_layernorm.weight"], c.rms_norm_eps),
                                    cos, sin, cache, start)
            x = x + self._mlp(i, rms_norm(x, self.w[p + "post_attention_layernorm.weight"], c.rms_norm_eps))
        x = rms_norm(x, self.w["model.norm.weight"], c.rms_norm_eps)
        return F.linear(x, self.w["lm_head.weight"]).float()

    @torch.no_grad()
    def generate_greedy(self, prompt_embeds: torch.Tensor, n_new: int, eos_ids: List[int]
                        ) -> Tuple[torch.Tensor, List[int], List[float]]:
        """Returns (prompt logits [n_prompt, vocab], new ids, top1 - top2 margin per new id).
        Stops after the first eos id (included) or n_new ids."""
        cache = KvCache(self.cfg.num_layers)
        prompt_logits = self.forward_embeds(prompt_embeds, cache)
        logits, ids, margins = prompt_logits[-1], [], []
        while True:
            top = torch.topk(logits, 2).values
            nxt = int(torch.argmax(logits))  # first maximum: ties go to the lowest id
            ids.append(nxt)
            margins.append(float(top[0] - top[1]))
            if nxt in eos_ids or len(ids) == n_new:
                return prompt_logits, ids, margins
            logits = self.forward_embeds(self.embed([nxt]), cache)[-1]
