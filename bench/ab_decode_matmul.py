#!/usr/bin/env python3
"""Old vs new kernels on a shared machine: runs two bench_decode_matmul binaries alternately
(A B A B ...) under nice and prints, per format and shape, the median over rounds of the new
build's time over the old one's at each batch size M, and of each build's M=8/M=1 ratio. Alternating rounds
expose both builds to the same background load, so the ratios mean more than either figure.
  bench/ab_decode_matmul.py OLD_BINARY NEW_BINARY [ROUNDS] [-- bench args...]
The environment (HULUMED_ISA, for one) passes through."""
import statistics
import subprocess
import sys


BATCHES = (1, 2, 4, 6, 8)  # bench_decode_matmul's columns: M=1 ms, then M=b/M=1 ratios


def run(binary, args):
    out = subprocess.run(["nice", "-n", "19", binary, *args], check=True, capture_output=True, text=True).stdout
    rows, header = {}, out.splitlines()[0]
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 + len(BATCHES) and cells[0].startswith("q"):
            m1 = float(cells[2])
            times = {1: m1, **{b: m1 * float(r) for b, r in zip(BATCHES[1:], cells[5:])}}
            rows[(cells[0], cells[1])] = {"times": times, "gbs": float(cells[3])}
    return header, rows


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    old, new = argv[0], argv[1]
    rounds = int(argv[2]) if len(argv) > 2 else 3
    samples = {}
    for r in range(rounds):
        for name, binary in (("old", old), ("new", new)):
            header, rows = run(binary, extra)
            print(f"round {r + 1} {name}: {header}", flush=True)
            for key, v in rows.items():
                samples.setdefault(key, {"old": [], "new": []})[name].append(v)
    print("| format | shape | " + " | ".join(f"new/old M={b}" for b in BATCHES) +
          " | old M=1 GB/s | new M=1 GB/s | old M=8/M=1 | new M=8/M=1 |")
    print("|---|---|" + "---:|" * (len(BATCHES) + 4))
    for (fmt, shape), s in samples.items():
        pairs = list(zip(s["old"], s["new"]))
        ratios = [statistics.median(n["times"][b] / o["times"][b] for o, n in pairs) for b in BATCHES]
        gbs = [statistics.median(v["gbs"] for v in s[side]) for side in ("old", "new")]
        m8 = [statistics.median(v["times"][8] / v["times"][1] for v in s[side]) for side in ("old", "new")]
        print(f"| {fmt} | {shape} | " + " | ".join(f"{r:.2f}" for r in ratios) +
              f" | {gbs[0]:.1f} | {gbs[1]:.1f} | {m8[0]:.2f} | {m8[1]:.2f} |")


if __name__ == "__main__":
    main()
