#!/usr/bin/env python3
"""Estimated aarch64 cycles per 64 weights of inner loops, with llvm-mca.

Each file in bench/mca/loops/ names one or more loops in `// mca:` lines:

    // mca: name="..." function=F march=M marker=INSN weights=W [needs=ggml|bitnet]

The file is compiled for aarch64 (-O3 -march=M, assembly out), function F's innermost loop
holding the most INSN instructions is cut out, and llvm-mca runs it for each CPU model.
Every INSN in the loop stands for W weights (cnt: 128 bits of a word pair; sdot: 16 int8
products), so unrolling does not change the count. Reported: cycles per 64 weights.

`needs` loops compile another project's source from a checkout or bare git directory
given in BITLA_MCA_GGML / BITLA_MCA_BITNET (skipped without it); nothing of theirs is
kept here.

    bench/mca/run.py [loop files] [--cpu neoverse-n1 --cpu neoverse-v1] [--mca llvm-mca-19] [--show NAME]
"""
import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CXX = os.environ.get("BITLA_MCA_CXX", "aarch64-linux-gnu-g++-12")
CC = os.environ.get("BITLA_MCA_CC", "aarch64-linux-gnu-gcc-12")
BRANCH = re.compile(r"^(b|b\.?(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)|cbn?z|tbn?z)$")


def specs(path):
    for line in open(path):
        m = re.match(r"\s*//\s*mca:\s*(.*)", line)
        if m:
            spec = dict(kv.split("=", 1) for kv in shlex.split(m.group(1)))
            spec["file"] = path
            yield spec


def checkout(var, name, tmp, parts):
    """A directory holding the peer's sources: the checkout itself, or an export of a git dir."""
    src = os.environ.get(var)
    if not src:
        return None
    if os.path.isdir(os.path.join(src, "src")):
        return src
    out = os.path.join(tmp, name)
    os.makedirs(out, exist_ok=True)
    archive = subprocess.run(["git", "--git-dir", src, "archive", "HEAD", *parts], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", out], input=archive.stdout, check=True)
    return out


def peer_flags(needs, tmp):
    ggml = checkout("BITLA_MCA_GGML", "ggml", tmp, ["src", "include"])
    if ggml is None:
        return None, "set BITLA_MCA_GGML to a ggml checkout or git directory"
    flags = ["-w", "-I" + os.path.join(ggml, "include"), "-I" + os.path.join(ggml, "src"),
             "-I" + os.path.join(ggml, "src", "ggml-cpu")]
    if needs == "bitnet":
        bitnet = checkout("BITLA_MCA_BITNET", "bitnet", tmp, ["src", "include"])
        if bitnet is None:
            return None, "set BITLA_MCA_BITNET to a BitNet checkout or git directory"
        # bitnet.cpp's ggml fork has the type id I2_S; mainline ggml's headers do not.
        flags += ["-I" + bitnet, "-I" + os.path.join(bitnet, "include"), "-DGGML_TYPE_I2_S=((ggml_type)36)"]
    return flags, None


def compile_asm(spec, tmp):
    path = spec["file"]
    cpp = path.endswith(".cpp")
    cmd = [CXX if cpp else CC, "-std=c++20" if cpp else "-std=gnu11", "-O3", "-march=" + spec["march"], "-DNDEBUG",
           "-fno-asynchronous-unwind-tables", "-S", "-o", "-"]
    needs = spec.get("needs")
    if needs:
        flags, why = peer_flags(needs, tmp)
        if flags is None:
            return None, why
        cmd += flags
    else:
        cmd += ["-Wall", "-Wextra", "-Werror", "-I" + os.path.join(ROOT, "include")]
    run = subprocess.run(cmd + [path], capture_output=True, text=True)
    if run.returncode != 0:
        return None, "compile failed: " + run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "compile failed"
    return run.stdout, None


def function_lines(asm, name):
    """The lines of function `name` (C or C++-mangled) in gcc's assembly."""
    start = re.compile(r"^(_Z\w*?\d+)?" + re.escape(name) + r"\w*:")
    lines, inside = [], False
    for line in asm.splitlines():
        if not inside and start.match(line):
            inside = True
        elif inside:
            if line.strip().startswith(".size"):
                break
            lines.append(line)
    return lines


def innermost_loop(lines, marker):
    """Instructions of the innermost loop with the most `marker` instructions, and that count."""
    items, labels = [], {}
    for line in lines:
        code = line.split("//")[0].rstrip()
        m = re.match(r"^(\.?\w+):", code)
        if m:
            labels[m.group(1)] = len(items)
            continue
        text = code.strip()
        if not text or text.startswith("."):
            continue
        items.append(text)
    loops = []
    for j, text in enumerate(items):
        op = text.split()[0]
        target = text.split(",")[-1].split()[-1]
        if BRANCH.match(op) and target in labels and labels[target] <= j:
            loops.append((labels[target], j))
    inner = [lp for lp in loops if not any(o != lp and lp[0] <= o[0] and o[1] <= lp[1] for o in loops)]
    best, best_count = None, 0
    for i, j in inner:
        count = sum(1 for t in items[i:j + 1] if t.split()[0] == marker)
        if count > best_count:
            best, best_count = items[i:j + 1], count
    return best, best_count


def mca(tool, cpu, body, tmp):
    path = os.path.join(tmp, "loop.s")
    # GCC prints a byte `movi` immediate above 127 sign-extended to 64 bits, which LLVM's
    # assembler rejects: keep its low byte.
    body = [re.sub(r"^(movi\s+v\d+\.(8|16)b,\s*)0xffffffffffffff([0-9a-f]{2})$", r"\g<1>0x\3", t) for t in body]
    with open(path, "w") as f:
        f.write("\n".join(body) + "\n")
    run = subprocess.run([tool, "-mtriple=aarch64-linux-gnu", "-mcpu=" + cpu, "-mattr=+dotprod,+i8mm",
                          "-iterations=1000", path], capture_output=True, text=True)
    if run.returncode != 0:
        return None, None
    total = int(re.search(r"Total Cycles:\s+(\d+)", run.stdout).group(1))
    iters = int(re.search(r"Iterations:\s+(\d+)", run.stdout).group(1))
    unit = re.search(r"Resources:\n\[[\d.]+\]\s+-\s+(\S+)", run.stdout)
    return total / iters, unit.group(1) if unit else "?"


def default_tools():
    found = [t for t in (f"llvm-mca-{v}" for v in range(30, 13, -1)) if shutil.which(t)]
    return found[:1] or ["llvm-mca"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", default=sorted(glob.glob(os.path.join(HERE, "loops", "*.c*"))))
    ap.add_argument("--cpu", action="append", help="llvm-mca -mcpu (default neoverse-n1, neoverse-v1)")
    ap.add_argument("--mca", action="append", help="llvm-mca executable (default: the newest llvm-mca-NN)")
    ap.add_argument("--show", help="print the extracted loop of the loop with this name")
    args = ap.parse_args()
    cpus = args.cpu or ["neoverse-n1", "neoverse-v1"]
    tools = args.mca or default_tools()
    columns = [(t, c) for t in tools for c in cpus]
    models = {}
    head = "| loop | -march | weights / iter | instrs / iter | " + " | ".join(
        f"{c} ({t})" for t, c in columns) + " |"
    print(head)
    print("|" + "---|" * (4 + len(columns)))
    with tempfile.TemporaryDirectory() as tmp:
        compiled = {}
        for path in args.files:
            for spec in specs(path):
                name = spec["name"]
                key = (path, spec["march"])
                if key not in compiled:
                    compiled[key] = compile_asm(spec, tmp)
                asm, why = compiled[key]
                if asm is None:
                    print(f"| {name} | {spec['march']} | skipped: {why} |")
                    continue
                body, count = innermost_loop(function_lines(asm, spec["function"]), spec["marker"])
                if body is None:
                    print(f"| {name} | {spec['march']} | no loop with {spec['marker']} in {spec['function']} |")
                    continue
                if args.show == name:
                    print("\n".join(body), file=sys.stderr)
                weights = count * int(spec["weights"])
                cells = []
                for tool, cpu in columns:
                    cycles, unit = mca(tool, cpu, body, tmp)
                    models[(tool, cpu)] = unit
                    cells.append("error" if cycles is None else f"{cycles * 64 / weights:.3f}")
                print(f"| {name} | {spec['march']} | {weights} | {len(body)} | " + " | ".join(cells) + " |")
    print()
    for (tool, cpu), unit in models.items():
        print(f"{tool} -mcpu={cpu}: scheduling model resources named {unit.rstrip('0123456789.')}")


if __name__ == "__main__":
    main()
