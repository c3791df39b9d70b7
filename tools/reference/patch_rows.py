"""The processor's last step, shared by every golden maker: uint8 RGB frames of one media item
-> normalized patch rows in the reference's merge-block order."""

import numpy as np


def pixel_rows(frames: np.ndarray, patch: int, m: int, mean, std, rescale: float = 1 / 255) -> np.ndarray:
    """frames: uint8 [t, H, W, C]. Rescale (float64 then float32), normalize in float32, rows in
    (t, gh/m, gw/m, m, m) order each holding (c, y, x) values."""
    x = (frames.astype(np.float64) * rescale).astype(np.float32)
    x = (x - np.array(mean, np.float32)) / np.array(std, np.float32)
    t, H, W, C = x.shape
    gh, gw = H // patch, W // patch
    x = x.transpose(0, 3, 1, 2).reshape(t, C, gh // m, m, patch, gw // m, m, patch)
    return np.ascontiguousarray(x.transpose(0, 2, 5, 3, 6, 1, 4, 7).reshape(t * gh * gw, C * patch * patch))
