"""The roofline picture of a bitla-bench run (bench/report.py): operations per byte read
against operations per second, log-log. Ceilings: the read limits of the ISA levels the
rows ran at (sloped; solid 1 thread, dashed 2 threads) and their compute peaks (flat).
Points: one colour per format, one shape per variant, named in a legend. Standard library.
"""
import math

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
SHAPES = [("1 thread", "circle"), ("2 threads", "square"), ("avx2 level", "triangle"),
                          ("float activations", "diamond"), ("baseline (OpenBLAS)", "cross")]
KIND_COLOUR = {"int8_dot": "#05a", "xor_popcount": "#707"}
READ_COLOUR = ["#b00", "#e80", "#a50"]  # by level, widest first


def variant(name):
    if name.startswith("baseline/"):
        return "baseline (OpenBLAS)"
    if "_f32" in name:
        return "float activations"
    if "_avx2" in name:
        return "avx2 level"
    return "2 threads" if "2threads" in name or "threads:2" in name else "1 thread"


def marker(shape, x, y, colour, title):
    t = f"<title>{title}</title>"
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{t}</rect>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}" fill="{colour}">{t}</polygon>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x + 5:.1f},{y:.1f}" fill="{colour}">{t}</polygon>'
    if shape == "cross":
        return (f'<path d="M{x - 4:.1f},{y - 4:.1f}L{x + 4:.1f},{y + 4:.1f}M{x - 4:.1f},{y + 4:.1f}L{x + 4:.1f},{y - 4:.1f}" '
                f'stroke="{colour}" stroke-width="2">{t}</path>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{t}</circle>'


def write(rows, limits, path):
    from report import fmt_name, si
    points = [r for r in rows if r["op"] not in ("limit", "quantize") and r["items"] and r["bytes"]
              and "_in_l3" not in r["name"]]
    order = list(dict.fromkeys(i for _, i in limits))  # the ISA table's order, widest last
    levels = sorted({r["label"].split("/")[2] for r in points if r["label"].count("/") == 2},
                    key=lambda i: -order.index(i) if i in order else 0)
    formats = list(dict.fromkeys(fmt_name(r["name"]) for r in points if not r["name"].startswith("baseline/")))
    colour = {f: PALETTE[i % len(PALETTE)] for i, f in enumerate(formats)}
    reads = [(k, i, v[0]) for (k, i), v in limits.items() if k.startswith("read") and i in levels]
    peaks = [(k, i, v[0]) for (k, i), v in limits.items() if not k.startswith("read") and "2threads" not in k
             and i in levels]
    W, H, L, R, T, B = 1100, 620, 80, 300, 40, 60
    xs = [r["items"] / r["bytes"] for r in points] or [1.0]
    ys = [r["items"] for r in points] + [p[2] for p in peaks] or [1e9]
    x0, x1 = 10 ** math.floor(math.log10(min(xs) / 2)), 10 ** math.ceil(math.log10(max(xs) * 4))
    y0, y1 = 10 ** math.floor(math.log10(min(ys) / 2)), 10 ** math.ceil(math.log10(max(ys) * 2))

    def px(x):
        return L + (math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0)) * (W - L - R)

    def py(y):
        return H - B - (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0)) * (H - T - B)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="22" font-size="14">bitla roofline: ceilings measured in this run ({", ".join(levels)}); '
           'in-L3 rows left out</text>']
    for e in range(int(math.log10(x0)), int(math.log10(x1)) + 1):
        out.append(f'<line x1="{px(10 ** e):.1f}" y1="{T}" x2="{px(10 ** e):.1f}" y2="{H - B}" stroke="#eee"/>')
        out.append(f'<text x="{px(10 ** e):.1f}" y="{H - B + 15}" text-anchor="middle">1e{e}</text>')
    for e in range(int(math.log10(y0)), int(math.log10(y1)) + 1):
        out.append(f'<line x1="{L}" y1="{py(10 ** e):.1f}" x2="{W - R}" y2="{py(10 ** e):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{L - 5}" y="{py(10 ** e) + 4:.1f}" text-anchor="end">1e{e}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 20}" text-anchor="middle">operations per byte read</text>')
    out.append(f'<text x="18" y="{(T + H - B) / 2}" transform="rotate(-90 18 {(T + H - B) / 2})" text-anchor="middle">'
               'operations per second (weights or MACs)</text>')
    reads.sort(key=lambda t: (levels.index(t[1]), t[0]))
    for n, (k, i, bw) in enumerate(reads):
        dash = ' stroke-dasharray="6 3"' if "2threads" in k else ""
        c = READ_COLOUR[levels.index(i) % len(READ_COLOUR)]
        xb = min(x1, y1 / bw)
        out.append(f'<line x1="{px(x0):.1f}" y1="{py(max(y0, bw * x0)):.1f}" x2="{px(xb):.1f}" y2="{py(bw * xb):.1f}" '
                   f'stroke="{c}" stroke-width="1.5"{dash}/>')
        out.append(f'<text x="{W - R + 12}" y="{T + 14 * n}" fill="{c}">{"- -" if dash else "—"} limit/{k}/{i}: {si(bw)}B/s</text>')
    for k, i, p in peaks:  # the widest level's label on the left, the others' on the right
        first = levels.index(i) == 0
        dash = "" if first else ' stroke-dasharray="2 3"'
        out.append(f'<line x1="{L}" y1="{py(p):.1f}" x2="{W - R}" y2="{py(p):.1f}" stroke="{KIND_COLOUR[k]}"{dash}/>')
        out.append(f'<text x="{L + 5 if first else W - R - 5}" y="{py(p) - 4:.1f}" text-anchor="{"start" if first else "end"}" '
                   f'fill="{KIND_COLOUR[k]}">limit/{k}/{i}: {si(p)}MAC/s</text>')
    shapes = dict(SHAPES)
    for r in points:
        c = "#777" if r["name"].startswith("baseline/") else colour[fmt_name(r["name"])]
        out.append(marker(shapes[variant(r["name"])], px(r["items"] / r["bytes"]), py(r["items"]), c, r["name"]))
    y = T + 14 * len(reads) + 20
    out.append(f'<text x="{W - R + 12}" y="{y}" font-weight="bold">format</text>')
    for f in formats:
        y += 16
        out.append(f'<rect x="{W - R + 12}" y="{y - 9}" width="10" height="10" fill="{colour[f]}"/>'
                   f'<text x="{W - R + 28}" y="{y}">{f}</text>')
    y += 26
    out.append(f'<text x="{W - R + 12}" y="{y}" font-weight="bold">variant</text>')
    for label, shape in SHAPES:
        y += 16
        out.append(marker(shape, W - R + 17, y - 4, "#333", label) + f'<text x="{W - R + 28}" y="{y}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
