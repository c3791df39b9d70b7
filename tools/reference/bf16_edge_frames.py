"""Writes testdata/video/bf16_edge/: three 112x112 frames (black, a pattern, black) whose
token-reduction score lands between 0.1 and bf16(0.1) = 0.10009765625. In each 28x28 token,
118 red values jump 0 -> 255 (2.0 after normalisation), a mean of 118 * 2 / 2352 = 0.10034:
kept with an f32 mask, dropped with the reference's bf16 mask (bf16(0.10034) = bf16(0.1)).
A front end that forgets the bf16 rule keeps a different number of visual tokens.
Run with Debian's python3 from the repository root."""
import os

import numpy as np
from PIL import Image

OUT = "testdata/video/bf16_edge"
SIZE, TOKEN, CHANGED = 112, 28, 118

black = np.zeros((SIZE, SIZE, 3), np.uint8)
pattern = black.copy()
for y in range(0, SIZE, TOKEN):
    for x in range(0, SIZE, TOKEN):
        red = pattern[y:y + TOKEN, x:x + TOKEN, 0].reshape(-1)
        red[:CHANGED] = 255
        pattern[y:y + TOKEN, x:x + TOKEN, 0] = red.reshape(TOKEN, TOKEN)
os.makedirs(OUT, exist_ok=True)
for i, frame in enumerate([black, pattern, black]):
    Image.fromarray(frame).save(f"{OUT}/{i}.png")
