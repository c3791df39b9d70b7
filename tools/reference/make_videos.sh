#!/usr/bin/env bash
# Writes the tiny test videos of testdata/video/ with Debian's ffmpeg CLI (scripts/setup.sh
# --reference). Every clip: 40 frames at 10 fps, 32x24 pixels, each frame one flat colour
# that encodes its index n: R = 6n, G = 255 - 6n, B = 128 (video_test.cc checks it).
set -euo pipefail
out="$(dirname "$0")/../../testdata/video"
mkdir -p "$out"
src="color=c=black:s=32x24:r=10:d=4,format=rgb24,geq=r='6*N':g='255-6*N':b='128'"
ff() { ffmpeg -v error -y -f lavfi -i "$src" -map_metadata -1 -fflags +bitexact "$@"; }
ff -c:v libx264 -preset veryslow -qp 0 -pix_fmt yuv444p -g 10 -bf 2 "$out/pattern.mp4"
ff -c:v mjpeg -q:v 2 -pix_fmt yuvj420p "$out/pattern.avi"
ff -c:v ffv1 -pix_fmt yuv420p "$out/pattern.mkv"
ff -c:v libvpx-vp9 -lossless 1 -pix_fmt yuv420p "$out/pattern.webm"
ff -vf "split[a][b];[a]palettegen=max_colors=64:reserve_transparent=0[p];[b][p]paletteuse=dither=none" "$out/pattern.gif"
# No decodable frame: the index (moov, moved first) promises 40 frames but the media data
# stops 16 bytes in.
tmp=$(mktemp --suffix=.mp4)
ff -c:v libx264 -qp 0 -pix_fmt yuv444p -movflags +faststart "$tmp"
mdat=$(grep -obUaP 'mdat' "$tmp" | head -1 | cut -d: -f1)
head -c $((mdat + 20)) "$tmp" > "$out/truncated.mp4"
rm -f "$tmp"
ls -l "$out"
