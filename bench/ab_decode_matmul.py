#!/usr/bin/env python3
"""Old vs new kernels on a shared machine: runs two bench_decode_matmul binaries alternately
(A B A B ...) under nice and prints, per format and shape, the median over rounds of the new
build's M=1 time over the old one's and of each build's M=8/M=1 ratio. Alternating rounds
expose both builds to the same background load, so the ratios mean more than either figure.
  bench/ab_decode_matmul.py OLD_BINARY NEW_BINARY [ROUNDS] [-- bench args...]
The environment (HULUMED_ISA, for one) passes through."""
import statistics
import subprocess
import sys


def run(binary, args):
    out = subprocess.run(["nice", "-n", "19", binary, *args], check=True, capture_output=True, text=True).stdout
    rows, header = {}, out.splitlines()[0]
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 9 and cells[0].startswith("q"):
            rows[(cells[0], cells[1])] = {"m1_ms": float(cells[2]), "gbs": float(cells[3]), "m6": float(cells[7]),
                                          "m8": float(cells[8])}
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
    print("| format | shape | new/old M=1 time | new/old M=6 time | new/old M=8 time | old M=1 GB/s | new M=1 GB/s "
          "| old M=8/M=1 | new M=8/M=1 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (fmt, shape), s in samples.items():
        ratio = statistics.median(n["m1_ms"] / o["m1_ms"] for o, n in zip(s["old"], s["new"]))
        ratio6, ratio8 = (statistics.median(n["m1_ms"] * n[m] / (o["m1_ms"] * o[m]) for o, n in zip(s["old"], s["new"]))
                          for m in ("m6", "m8"))
        med = lambda side, f: statistics.median(v[f] for v in s[side])
        print(f"| {fmt} | {shape} | {ratio:.2f} | {ratio6:.2f} | {ratio8:.2f} | {med('old', 'gbs'):.1f} | {med('new', 'gbs'):.1f} | "
              f"{med('old', 'm8'):.2f} | {med('new', 'm8'):.2f} |")


if __name__ == "__main__":
    main()
