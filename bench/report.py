#!/usr/bin/env python3
"""bitla-bench report: ceilings, tables per operation, a verdict per format, a roofline.

Usage: report.py BENCH.json OUT.svg

Reads Google Benchmark's JSON (bitla-bench --benchmark_out=... --benchmark_out_format=json).
Prints the measured ceilings (limit/<kind>/<isa>) as one table, then per operation (the
first part of a name) every benchmark's rate and `of_limit` (its rate over the ceiling of
the ISA level it ran at, measured in the same run; the row's label names that ceiling). An
of_limit above 1.02 is a wrong ceiling or a disturbed run: it is listed as a measurement
error, never printed as a result. Then one verdict line per format and the roofline
(bench/roofline.py). Standard library only.
"""
import json
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import roofline  # noqa: E402

UNITS = {  # what items_per_second counts, per operation
    "xnor_gemm": "binary MAC/s", "xnor_gemv": "binary MAC/s", "hamming_topk": "pairs/s",
    "gemv": "weights/s", "gemm": "MAC/s", "fused": "weights/s", "quantize": "weights/s",
}
TOLERANCE = 1.02  # of_limit above this is a measurement error
VARIANTS = ("_2threads", "_avx2", "_f32", "_in_l3", "_separate", "_vs_separate")


def si(x):
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x:.3g} "


def fmt_name(name):
    """The format part of a name, variants stripped: gemv/ternary2_avx2_2threads/... -> ternary2."""
    f = name.split("/")[1] if "/" in name else name
    for v in VARIANTS:
        f = f.replace(v, "")
    return f


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = []
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "max":
            continue
        name = b["name"]
        for tail in ("/min_time", "/repeats", "/iterations", "/real_time", "/manual_time"):
            name = name.split(tail)[0]
        if b.get("aggregate_name"):
            name = name.rsplit("_max", 1)[0]
        rows.append({
            "name": name, "op": name.split("/")[0], "label": b.get("label", ""),
            "items": b.get("items_per_second"), "bytes": b.get("bytes_per_second"),
            "of_limit": b.get("of_limit"), "over_dram": b.get("over_dram"),
            "vs_faithful": b.get("vs_faithful"), "speedup": b.get("speedup"),
            "time": b.get("real_time"), "unit": b.get("time_unit", "ns"),
        })
    return data.get("context", {}), rows


def limits_of(rows):
    """{(kind, isa): (rate, how)} from the limit/<kind>/<isa> rows."""
    out = {}
    for r in rows:
        parts = r["name"].split("/")
        if r["op"] == "limit" and len(parts) == 3:
            out[(parts[1], parts[2])] = (r["bytes"] or r["items"], r["label"])
    return out


def print_limits(limits):
    kinds = list(OrderedDict.fromkeys(k for k, _ in limits))
    isas = list(OrderedDict.fromkeys(i for _, i in limits))
    print("\n== ceilings (limit/<kind>/<isa>: the best of the level's loops and its parent's) ==")
    print(f"{'kind':<24}" + "".join(f"{i:>16}" for i in isas))
    for k in kinds:
        unit = "B/s" if k.startswith("read") else "MAC/s"
        print(f"{k:<24}" + "".join(f"{si(limits[(k, i)][0]) + unit if (k, i) in limits else '':>16}" for i in isas))
    print("reached by (a level without a line takes its parent's):")
    for (k, i), (_, how) in limits.items():
        if "'s loop]" not in how:
            print(f"  limit/{k}/{i}: {how}")


def print_tables(rows):
    groups = OrderedDict()
    for r in rows:
        if r["op"] != "limit":
            groups.setdefault(r["op"], []).append(r)
    errors = []
    for op, items in groups.items():
        width = max(len(r["name"]) for r in items)
        print(f"\n== {op} " + "=" * max(0, width + 40 - len(op)))
        print(f"{'benchmark':<{width}}  {'rate':>18}  {'bytes/s':>12}  {'of_limit':>8}  ceiling")
        for r in items:
            unit = "items/s" if op == "baseline" else UNITS.get(op, "items/s")
            rate = f"{si(r['items'])}{unit}" if r["items"] else f"{r['time']:.3g} {r['unit']}"
            bw = f"{si(r['bytes'])}B/s" if r["bytes"] else ""
            ol, extra = "", ""
            if r["of_limit"] is not None:
                ol = f"{r['of_limit']:.3f}" if r["of_limit"] <= TOLERANCE else "ERROR"
                if r["of_limit"] > TOLERANCE:
                    errors.append(r)
            if r["over_dram"] is not None:
                extra += f"  {r['over_dram']:.2f}x the DRAM read"
            if r["vs_faithful"] is not None:
                extra += f"  {r['vs_faithful']:.2f}x faithful's time"
            if r["speedup"] is not None:
                extra += f"  fused {r['speedup']:.2f}x faster than separate"
            print(f"{r['name']:<{width}}  {rate:>18}  {bw:>12}  {ol:>8}  {r['label']}{extra}")
    return errors


def self_check(rows, limits, errors):
    """of_limit above TOLERANCE, and a read ceiling below what a row divided by it read."""
    print("\n== self-check: of_limit above", TOLERANCE, "and read ceilings below a row's read")
    for r in errors:
        print(f"MEASUREMENT ERROR {r['name']}: of_limit {r['of_limit']:.3f} of {r['label'] or 'its ceiling'}"
              " (the ceiling is wrong or the run was disturbed; not a result)")
    for r in rows:
        key = tuple(r["label"].split("/")[1:]) if r["label"].startswith("limit/read") else None
        if key in limits and r["bytes"] and "_in_l3" not in r["name"] and r["bytes"] > TOLERANCE * limits[key][0]:
            errors.append(r)
            print(f"MEASUREMENT ERROR {r['label']} ({si(limits[key][0])}B/s) is below what {r['name']} read "
                  f"({si(r['bytes'])}B/s)")
    if not errors:
        print("none: every rate is at or below its ceiling")


def variant_tag(name, f, shape):
    """What sets a row apart from its format's plain row: gemv/ternary2_avx2/1x4096x4096 -> avx2
    (and its shape where that differs)."""
    parts = name.split("/")
    tag = [parts[1].replace(f, "", 1).strip("_")] + [p for p in parts[2:] if p.startswith("threads:")]
    if len(parts) > 2 and parts[2] != shape:
        tag.append(parts[2])
    return " ".join(t for t in tag if t)


def binding(r, l3):
    """The ceiling that binds a row: the one its label names, unless the kernel from L3 (no
    DRAM in the way) is not clearly faster than that read, when its own work binds too."""
    kind = r["label"].split("/")[1] if r["label"].count("/") == 2 else "?"
    name = {"read": "DRAM read", "int8_dot": "int8 dot peak", "xor_popcount": "xor+popcount peak"}.get(
        kind.replace("_2threads", ""), kind)
    if l3 is None:
        if r["of_limit"] >= 0.8:
            return f"{name} binds"
        return f"nearest ceiling: {name}; below 0.8 of it, the kernel's own work binds"
    if l3["over_dram"] < 1.0:
        return f"the kernel's own work binds (from L3 it runs at {l3['over_dram']:.2f}x the {name})"
    if l3["over_dram"] < 1.2:
        return f"{name} and the kernel's own work bind together (from L3 {l3['over_dram']:.2f}x the read)"
    return f"{name} binds (from L3 {l3['over_dram']:.2f}x the read)"


def verdicts(rows):
    """One line per (operation, format): its plain row (1 thread, native level, the largest
    shape), rate, of_limit and the binding ceiling; then the other rows' of_limit."""
    print("\n== verdict per format")
    by = OrderedDict()
    for r in rows:
        if r["op"] not in ("limit", "baseline", "quantize") and r["of_limit"] is not None:
            by.setdefault((r["op"], fmt_name(r["name"])), []).append(r)
    for (op, f), rs in by.items():
        plain = [x for x in rs if x["name"].split("/")[1] == f and "threads:" not in x["name"]] or rs
        r = plain[-1]
        ol = r["of_limit"]
        state = f"{ol:.2f}" if ol <= TOLERANCE else f"ERROR ({ol:.2f})"
        l3 = next((x for x in rows if x["op"] == op and fmt_name(x["name"]) == f and x["over_dram"]), None)
        shape = r["name"].split("/")[2] if r["name"].count("/") >= 2 else ""
        others = ", ".join(f"{variant_tag(x['name'], f, shape)} {x['of_limit']:.2f}" for x in rs if x is not r)
        print(f"{op} {f}: {si(r['items'])}{UNITS.get(op, 'items/s')}, of_limit {state} of {r['label']}; "
              f"{binding(r, l3)}" + (f" [{others}]" if others else ""))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py BENCH.json OUT.svg")
    context, rows = load(sys.argv[1])
    print(f"bitla-bench on {context.get('host_name', '?')}: {context.get('num_cpus', '?')} CPUs at "
          f"{context.get('mhz_per_cpu', '?')} MHz, {context.get('date', '')}")
    print("Rates are per second; of_limit divides each rate by the ceiling of its ISA level measured in this run.")
    limits = limits_of(rows)
    print_limits(limits)
    self_check(rows, limits, print_tables(rows))
    verdicts(rows)
    roofline.write(rows, limits, sys.argv[2])
    print(f"\nroofline picture: {sys.argv[2]}")


if __name__ == "__main__":
    main()
