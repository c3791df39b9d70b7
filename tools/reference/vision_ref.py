"""Hulu-Med's vision path in plain torch, following the reference code (ZJUI-AI4H/Hulu-Med,
src/hulumed/model/: hulumed_encoder/modeling_hulumed_encoder.py, projector.py,
hulumed_arch.py) op for op, for float32 or bfloat16 activations:

- patch embedding: Conv2d(C, D, P, stride P) on each row viewed as [C, P, P];
- 2D RoPE: inv_freq = 1 / 10000 ** (arange(0, d/2, 2) / (d/2)) in float32, angles
  concat(row * inv_freq, col * inv_freq) at each patch's true grid position (rows are in
  merge-block order), applied in float32 with rotate-half, cast back;
- attention: block-diagonal over frames (the flash-attention / SDPA paths of the reference;
  its eager path adds the boolean mask as 0/1 and so masks nothing, a bug not reproduced),
  scale d^-0.5, softmax in float32;
- tanh-GELU MLP, LayerNorm with the config eps, post_layernorm;
- per frame: undo the merge-block order, bilinear resize (align_corners False) by 1/m;
- projector (mlp2x_gelu): Linear, exact GELU, Linear;
- token reduction mask (_get_compression_mask) in the pixels' dtype.
"""
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F

Grid = Tuple[int, int, int]  # (t, h, w) in patches


class VisionRef:
    def __init__(self, cfg: dict, w: Dict[str, torch.Tensor], dtype: torch.dtype):
        self.v = cfg["vision_encoder_config"]
        self.dtype = dtype
        nested = "model.vision_encoder.vision_encoder.post_layernorm.weight" in w
        prefix = "model.vision_encoder.vision_encoder." if nested else "model.vision_encoder."
        self.w = {k[len(prefix):]: t.to(dtype) for k, t in w.items() if k.startswith(prefix)}
        self.proj = {k[len("model.mm_projector."):]: t.to(dtype) for k, t in w.items()
                     if k.startswith("model.mm_projector.")}
        assert cfg["mm_projector_type"] == "mlp2x_gelu"

    # ---- encoder ----

    def _rope_angles(self, grids: List[Grid], merges: List[int]) -> torch.Tensor:
        """[n_rows, d/2] float32: (row, col) angles of every patch, rows in merge-block order."""
        d = self.v["hidden_size"] // self.v["num_attention_heads"]
        dim = d // 2
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
        pos = []
        for (t, h, w), m in zip(grids, merges):
            hpos = torch.arange(h).unsqueeze(1).expand(-1, w).reshape(h // m, m, w // m, m)
            wpos = torch.arange(w).unsqueeze(0).expand(h, -1).reshape(h // m, m, w // m, m)
            hpos = hpos.permute(0, 2, 1, 3).flatten()
            wpos = wpos.permute(0, 2, 1, 3).flatten()
            pos.append(torch.stack([hpos, wpos], dim=-1).repeat(t, 1))
        pos = torch.cat(pos)
        max_size = max(max(h, w) for _, h, w in grids)
        table = torch.outer(torch.arange(max_size, dtype=torch.float), inv_freq)  # [max, d/4]
        return table[pos].flatten(1)

    @staticmethod
    def _rotate(x: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
        """x: [n, heads, d]; angles: [n, d/2]."""
        dtype = x.dtype
        x = x.float()
        cos = angles.cos().unsqueeze(1).repeat(1, 1, 2)
        sin = angles.sin().unsqueeze(1).repeat(1, 1, 2)
        half = x.shape[-1] // 2
        rot = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return (x * cos + rot * sin).to(dtype)

    def _attention(self, j: int, x: torch.Tensor, angles: torch.Tensor, frame_sizes: List[int]):
        p = "encoder.layers.%d.self_attn." % j
        n, D = x.shape
        heads = self.v["num_attention_heads"]
        d = D // heads

        def lin(name, y):
            return F.linear(y, self.w[p + name + ".weight"], self.w[p + name + ".bias"])
        q = self._rotate(lin("q_proj", x).view(n, heads, d), angles)
        k = self._rotate(lin("k_proj", x).view(n, heads, d), angles)
        v = lin("v_proj", x).view(n, heads, d)
        out = torch.empty_like(q)
        start = 0
        for size in frame_sizes:  # a patch attends only to its own frame
            sl = slice(start, start + size)
            qf, kf, vf = q[sl].transpose(0, 1), k[sl].transpose(0, 1), v[sl].transpose(0, 1)
            s = torch.matmul(qf, kf.transpose(1, 2)) * (d ** -0.5)
            probs = F.softmax(s, dim=-1, dtype=torch.float32).to(self.dtype)
            out[sl] = torch.matmul(probs, vf).transpose(0, 1)
            start += size
        return lin("out_proj", out.reshape(n, D))

    def _layer_norm(self, name: str, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, (x.shape[-1],), self.w[name + ".weight"], self.w[name + ".bias"],
                            self.v["layer_norm_eps"])

    def encode(self, pixels: torch.Tensor, grids: List[Grid], merges: List[int]):
        """pixels: [n_rows, C*P*P]. Returns (post_layernorm output [n_rows, D], downsampled
        features [n_tokens, D])."""
        C, P = self.v["num_channels"], self.v["patch_size"]
        x = F.conv2d(pixels.to(self.dtype).view(-1, C, P, P), self.w["embeddings.patch_embedding.weight"],
                     self.w["embeddings.patch_embedding.bias"], stride=P)
        x = x.view(-1, self.v["hidden_size"])
        angles = self._rope_angles(grids, merges)
        frame_sizes = [h * w for t, h, w in grids for _ in range(t)]
        for j in range(self.v["num_hidden_layers"]):
            p = "encoder.layers.%d." % j
            x = x + self._attention(j, self._layer_norm(p + "layer_norm1", x), angles, frame_sizes)
            h = F.linear(self._layer_norm(p + "layer_norm2", x), self.w[p + "mlp.fc1.weight"],
                         self.w[p + "mlp.fc1.bias"])
            x = x + F.linear(F.gelu(h, approximate="tanh"), self.w[p + "mlp.fc2.weight"],
                             self.w[p + "mlp.fc2.bias"])
        full = self._layer_norm("post_layernorm", x)
        outs, start = [], 0
        c = full.shape[-1]
        for (t, h, w), m in zip(grids, merges):
            f = full[start:start + t * h * w]
            start += t * h * w
            f = f.reshape(t, h // m, w // m, m, m, c).permute(0, 1, 3, 2, 4, 5).reshape(t, h, w, c)
            f = F.interpolate(f.permute(0, 3, 1, 2), size=(h // m, w // m), mode="bilinear")
            outs.append(f.permute(0, 2, 3, 1).reshape(-1, c))
        return full, torch.cat(outs)

    def project(self, features: torch.Tensor) -> torch.Tensor:
        h = F.linear(features.to(self.dtype), self.proj["readout.0.weight"], self.proj["readout.0.bias"])
        return F.linear(F.gelu(h), self.proj["readout.2.weight"], self.proj["readout.2.bias"])


def compression_mask(pixels: torch.Tensor, grid: Grid, m: int, modal: str,
                     threshold: float = 0.1, min_tokens: int = 1) -> torch.Tensor:
    """The reference's token-reduction mask for one input, computed in pixels.dtype (the
    reference runs bfloat16 pixels). Frame 0 gets the score threshold + 1, which the division
    by 255 makes fail the test, so frame 0 keeps only its first token (min_tokens rescue)."""
    t, h, w = grid
    n = t * (h // m) * (w // m)
    if modal == "image" or t == 1:
        return torch.ones(n, dtype=torch.bool)
    images = pixels.view(t, (h // m) * (w // m), -1)
    diff = torch.abs(images[1:] - images[:-1]).mean(dim=-1) * 255
    diff = torch.cat([torch.full_like(diff[0:1], threshold + 1), diff], dim=0)
    mask = (diff / 255.0) > threshold
    empty = torch.nonzero(mask.sum(dim=1) < min_tokens)[:, 0]
    mask[empty, :min_tokens] = True
    return mask.flatten()
