#!/usr/bin/env python3
"""bitla-bench report: tables per operation and a roofline picture from the JSON record.

Usage: report.py BENCH.json OUT.svg

Reads Google Benchmark's JSON (bitla-bench --benchmark_out=... --benchmark_out_format=json)
and prints, per operation (the first part of a name: xnor_gemm, hamming_topk, gemv, gemm,
fused, quantize, baseline, limit), every benchmark's rate and `of_limit` (its rate over
the machine limit measured in the same run). Then writes an SVG roofline: arithmetic
intensity (operations per byte read) against operations per second, with the measured DRAM
read bandwidth as the sloped ceiling and the measured compute peaks (limit/*) as flat
ceilings, one point per kernel and baseline that reports both items and bytes.
Standard library only.
"""
import json
import math
import sys
from collections import OrderedDict

UNITS = {  # what items_per_second counts, per operation
    "xnor_gemm": "binary MAC/s", "xnor_gemv": "binary MAC/s", "hamming_topk": "pairs/s",
    "gemv": "weights/s", "gemm": "MAC/s", "fused": "weights/s", "quantize": "weights/s",
}


def si(x):
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x:.3g} "


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = []
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "max":
            continue
        name = b["name"].split("/min_time")[0].split("/repeats")[0]
        if b.get("aggregate_name"):
            name = name.rsplit("_max", 1)[0]
        rows.append({
            "name": name,
            "op": name.split("/")[0],
            "items": b.get("items_per_second"),
            "bytes": b.get("bytes_per_second"),
            "of_limit": b.get("of_limit", b.get("over_dram")),  # in_l3: its rate over the DRAM read
            "vs_faithful": b.get("vs_faithful"),  # quantize/*_improved: time over faithful HQQ's
            "speedup": b.get("speedup"),  # fused/*_vs_separate: separate calls' time over fused
            "time": b.get("real_time"), "unit": b.get("time_unit", "ns"),
        })
    return data.get("context", {}), rows


def print_tables(rows):
    groups = OrderedDict()
    for r in rows:
        groups.setdefault(r["op"], []).append(r)
    order = [op for op in ("limit", "xnor_gemm", "xnor_gemv", "hamming_topk", "gemv", "gemm", "fused", "quantize",
                           "baseline") if op in groups] + [op for op in groups if op not in UNITS and op not in
                                                           ("limit", "baseline")]
    for op in order:
        items = groups[op]
        width = max(len(r["name"]) for r in items)
        print(f"\n== {op} " + "=" * max(0, width + 40 - len(op)))
        print(f"{'benchmark':<{width}}  {'rate':>18}  {'bytes/s':>12}  {'of_limit':>8}")
        for r in items:
            unit = UNITS.get(op, "items/s")
            if op == "baseline":
                unit = "items/s"
            rate = f"{si(r['items'])}{unit}" if r["items"] else f"{r['time']:.3g} {r['unit']}"
            bw = f"{si(r['bytes'])}B/s" if r["bytes"] else ""
            ol = f"{r['of_limit']:.3f}" if r["of_limit"] is not None else ""
            extra = f"  {r['vs_faithful']:.2f}x faithful's time" if r.get("vs_faithful") is not None else ""
            if r.get("speedup") is not None:
                extra += f"  fused {r['speedup']:.2f}x faster than separate"
            print(f"{r['name']:<{width}}  {rate:>18}  {bw:>12}  {ol:>8}{extra}")


def roofline(rows, path):
    """Log-log roofline: one sloped ceiling per measured read bandwidth (1 and 2 threads,
    the best loop of each), one flat ceiling per measured compute peak, numbered points."""
    limits = [r for r in rows if r["op"] == "limit"]
    bws = {}
    for r in limits:
        if r["bytes"]:
            key = "2 threads" if "2t" in r["name"] else "1 thread"
            bws[key] = max(bws.get(key, 0), r["bytes"])
    peaks = [(r["name"], r["items"]) for r in limits if r["items"]]
    points = [(r["name"], r["items"] / r["bytes"], r["items"]) for r in rows
              if r["op"] != "limit" and r["items"] and r["bytes"]]
    W, H, L, R, T, B = 1180, 600, 80, 470, 30, 60
    xs = [p[1] for p in points] or [1.0]
    ys = [p[2] for p in points] + [p[1] for p in peaks] or [1e9]
    x0, x1 = 10 ** math.floor(math.log10(min(xs) / 2)), 10 ** math.ceil(math.log10(max(xs) * 2))
    y0, y1 = 10 ** math.floor(math.log10(min(ys) / 2)), 10 ** math.ceil(math.log10(max(ys) * 2))

    def px(x):
        return L + (math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0)) * (W - L - R)

    def py(y):
        return H - B - (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0)) * (H - T - B)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18" font-size="14">bitla roofline: measured ceilings and kernels, this machine, one run</text>']
    for e in range(int(math.log10(x0)), int(math.log10(x1)) + 1):
        x = px(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{H - B + 15}" text-anchor="middle">1e{e}</text>')
    for e in range(int(math.log10(y0)), int(math.log10(y1)) + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 5}" y="{y + 4:.1f}" text-anchor="end">1e{e}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 20}" text-anchor="middle">operations per byte read '
               f'(weights, MACs or pairs per byte)</text>')
    out.append(f'<text x="18" y="{(T + H - B) / 2}" transform="rotate(-90 18 {(T + H - B) / 2})" '
               f'text-anchor="middle">operations per second</text>')
    # Labels stacked above the highest ceiling, highest first (close ceilings would overlap).
    ceilings = sorted(bws.items(), key=lambda kv: -kv[1])
    top = py(ceilings[0][1] * x0 * 6) - 14 * (len(ceilings) - 1) if ceilings else 0
    for i, (label, bw) in enumerate(ceilings):
        color = ["#c00", "#e77"][i % 2]
        xa, xb = x0, min(x1, y1 / bw)
        out.append(f'<line x1="{px(xa):.1f}" y1="{py(max(y0, bw * xa)):.1f}" x2="{px(xb):.1f}" '
                   f'y2="{py(min(y1, bw * xb)):.1f}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{px(x0) + 5:.1f}" y="{top + 14 * i:.1f}" fill="{color}">DRAM read, {label}: {si(bw)}B/s</text>')
    for n, p in peaks:
        out.append(f'<line x1="{L}" y1="{py(p):.1f}" x2="{W - R}" y2="{py(p):.1f}" stroke="#06c" stroke-dasharray="6 3"/>')
        out.append(f'<text x="{L + 5}" y="{py(p) - 4:.1f}" fill="#06c">{n}: {si(p)}/s</text>')
    for i, (n, ai, rate) in enumerate(points):
        c = "#888" if n.startswith("baseline/") else ("#0a6" if "2thread" in n else "#333")
        x, y = px(ai), py(rate)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{c}"><title>{n}</title></circle>')
        out.append(f'<text x="{x + 6:.1f}" y="{y + 4:.1f}" font-size="9" fill="{c}">{i + 1}</text>')
        out.append(f'<text x="{W - R + 10}" y="{T + 14 + 14 * i}" font-size="10" fill="{c}">{i + 1}. {n}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py BENCH.json OUT.svg")
    context, rows = load(sys.argv[1])
    print(f"bitla-bench on {context.get('host_name', '?')}: {context.get('num_cpus', '?')} CPUs at "
          f"{context.get('mhz_per_cpu', '?')} MHz, {context.get('date', '')}")
    print("Rates are per second; of_limit divides each rate by the machine limit measured in this run.")
    print_tables(rows)
    roofline(rows, sys.argv[2])
    print(f"\nroofline picture: {sys.argv[2]}")


if __name__ == "__main__":
    main()
