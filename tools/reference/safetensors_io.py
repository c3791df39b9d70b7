"""safetensors files and HF sharded checkpoints, written and read with torch + numpy only.

Format: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}
(padded with spaces so the data starts 8-byte aligned, as the safetensors library does), then
the raw little-endian tensor bytes. Tensors are laid out in name order, like the library does
for tensors of one dtype.
"""
import json
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

_DTYPE_NAMES = {torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16"}
_NAME_DTYPES = {v: k for k, v in _DTYPE_NAMES.items()}
_ITEMSIZE = {"F32": 4, "BF16": 2, "F16": 2}


@dataclass
class TensorSpec:
    """One tensor to write; `make` returns it (called once, when its bytes are written), so
    a multi-GB checkpoint never has more than one tensor in memory."""
    name: str
    dtype: torch.dtype
    shape: Sequence[int]
    make: Callable[[], torch.Tensor]

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * _ITEMSIZE[_DTYPE_NAMES[self.dtype]]


def _tensor_array(t: torch.Tensor) -> np.ndarray:
    """A little-endian view of the tensor's bytes (no copy on a little-endian host)."""
    t = t.detach().contiguous().cpu()
    a = t.view(torch.int16).numpy() if t.dtype == torch.bfloat16 else t.numpy()
    return np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"), copy=False))


def write_safetensors(path: str, specs: List[TensorSpec], metadata: Optional[Dict[str, str]] = None):
    specs = sorted(specs, key=lambda s: s.name)
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    for s in specs:
        header[s.name] = {"dtype": _DTYPE_NAMES[s.dtype], "shape": list(s.shape),
                          "data_offsets": [offset, offset + s.nbytes]}
        offset += s.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for s in specs:
            t = s.make()
            assert tuple(t.shape) == tuple(s.shape) and t.dtype == s.dtype, s.name
            data = _tensor_array(t)
            assert data.nbytes == s.nbytes, s.name
            f.write(data.data)


def read_safetensors(path: str) -> Dict[str, torch.Tensor]:
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        buf = raw[base + begin:base + end]
        shape = e["shape"]
        if e["dtype"] == "BF16":
            arr = np.frombuffer(buf, dtype="<i2").reshape(shape)
            out[name] = torch.from_numpy(arr.copy()).view(torch.bfloat16)
        else:
            arr = np.frombuffer(buf, dtype="<f4" if e["dtype"] == "F32" else "<f2").reshape(shape)
            out[name] = torch.from_numpy(arr.copy())
    return out


def plan_shards(specs: List[TensorSpec], max_shard_bytes: int) -> List[List[TensorSpec]]:
    """HF's rule (huggingface_hub.split_torch_state_dict_into_shards): walk the state dict in
    order, start a new shard when the next tensor would overflow the current one."""
    shards, current, size = [], [], 0
    for s in specs:
        if current and size + s.nbytes > max_shard_bytes:
            shards.append(current)
            current, size = [], 0
        current.append(s)
        size += s.nbytes
    if current:
        shards.append(current)
    return shards


def write_checkpoint(out_dir: str, specs: List[TensorSpec], max_shard_bytes: Optional[int] = None,
                     log: Callable[[str], None] = lambda m: None) -> List[str]:
    """model.safetensors, or model-0000i-of-0000n.safetensors + model.safetensors.index.json."""
    meta = {"format": "pt"}
    shards = plan_shards(specs, max_shard_bytes) if max_shard_bytes else [specs]
    if len(shards) == 1:
        path = os.path.join(out_dir, "model.safetensors")
        write_safetensors(path, shards[0], meta)
        return [path]
    weight_map, paths = {}, []
    for i, shard in enumerate(shards):
        fname = "model-%05d-of-%05d.safetensors" % (i + 1, len(shards))
        log("writing %s (%d tensors, %.2f GB)" % (fname, len(shard), sum(s.nbytes for s in shard) / 1e9))
        write_safetensors(os.path.join(out_dir, fname), shard, meta)
        for s in shard:
            weight_map[s.name] = fname
        paths.append(os.path.join(out_dir, fname))
    index = {"metadata": {"total_size": sum(s.nbytes for s in specs)},
             "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")
    return paths


def read_checkpoint(model_dir: str) -> Dict[str, torch.Tensor]:
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if not os.path.exists(index):
        return read_safetensors(os.path.join(model_dir, "model.safetensors"))
    with open(index) as f:
        files = sorted(set(json.load(f)["weight_map"].values()))
    out = {}
    for fname in files:
        out.update(read_safetensors(os.path.join(model_dir, fname)))
    return out
