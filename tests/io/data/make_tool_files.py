#!/usr/bin/env python3
"""Writes the tool-made safetensors files tests/io/tool_files_safetensors.cpp reads.

NOT run in CI: the files it writes are committed. Rerun it only to regenerate them, from the
repository root:

    # Debian 12: torch 1.13.1 and numpy from apt (no PyPI), termcolor for hqq
    apt-get install -y python3-torch python3-numpy python3-termcolor
    # hqq at e0b1d00e095653359da9de1d7dbb35a994aa6b96 (0.2.8.post1), unmodified
    git clone https://github.com/mobiusml/hqq /tmp/hqq-src
    git -C /tmp/hqq-src checkout e0b1d00e095653359da9de1d7dbb35a994aa6b96
    # transformers' integrations/bitnet.py at 0b4060e7f247746bc39eee818a9c6ffe6c6cf892
    git clone https://github.com/huggingface/transformers /tmp/transformers
    git -C /tmp/transformers checkout 0b4060e7f247746bc39eee818a9c6ffe6c6cf892
    /usr/bin/python3 tests/io/data/make_tool_files.py \
        --hqq /tmp/hqq-src \
        --bitnet-py /tmp/transformers/src/transformers/integrations/bitnet.py \
        --out tests/io/data

The output is deterministic (fixed seeds, CPU, one thread): a rerun with the same commits
writes the same bytes.

What comes from the tools' own code, run unmodified:
  * transformers: `pack_weights` and `unpack_weights` (with VALUES_PER_ITEM), taken out of
    bitnet.py with `ast` and executed with torch in scope (the rest of the module imports
    transformers' package machinery, which is not needed).
  * hqq: `hqq.core.quantize.HQQLinear` quantizes an nn.Linear on the CPU with
    `BaseQuantizeConfig`; the layers sit in an nn.Module tree and `state_dict()` of the root
    is what `HQQLinear.state_dict` encodes for safetensors (`encoded_state_dict`), exactly the
    dict `hqq.models.base.save_to_safetensors` hands to `safetensors.torch.save_file` (that
    module is not imported: it needs huggingface_hub). Expected values: `HQQLinear.dequantize()`
    and, for the codes, `Quantizer.dequantize` with scale 1 and zero 0.

torch 1.13 has no `torch.compile`; both tools decorate functions with it, so this script
installs an identity `torch.compile` first (compilation never changes these results: integer
unpacking, and hqq's quantizer which never calls the compiled paths here).

The container: the `safetensors` Python package is not available here, so `write_safetensors`
below writes the format from its specification the way safetensors' `serialize` lays it out:
an 8-byte little-endian header length; compact JSON with "__metadata__" first (when given)
and each entry's keys in the order dtype, shape, data_offsets; the JSON padded with spaces to
a multiple of 8 bytes; tensors sorted by dtype in safetensors' Dtype enum order, descending,
then by name (safetensors/src/tensor.rs `prepare`). transformers' `save_pretrained` passes
metadata {"format": "pt"}; hqq's `save_to_safetensors` passes none. The tensor bytes are the
tools' tensors' own bytes (little-endian, row-major).

Files (all under --out):
  hf_bitnet.safetensors           two BitLinear layers + a BF16 norm weight
  hf_bitnet.config.json           quantization_config of a bitlinear checkpoint
  hf_bitnet.expected.safetensors  <module>.codes I8 (unpack_weights), <module>.dense F32
  hqq_2bit.safetensors, hqq_1bit.safetensors, hqq_3bit_4bit.safetensors   HQQLinear layers
  hqq_*.expected.safetensors      <module>.dense F32 (dequantize()), .codes U8, .scale and
                                  .zero F32 (flat, HQQ's group order), .bias F32 when present
"""
import argparse
import ast
import json
import os
import sys

import numpy as np
import torch

if not hasattr(torch, "compile"):  # torch < 2.0: an identity decorator, @torch.compile and @torch.compile(...)
    def _identity_compile(fn=None, **kwargs):
        return fn if fn is not None else (lambda f: f)

    torch.compile = _identity_compile

torch.set_num_threads(1)

# safetensors' Dtype enum order (the writer sorts by it, descending).
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
               "I64", "U64"]
TORCH_DTYPE = {torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16", torch.float16: "F16",
               torch.bfloat16: "BF16", torch.int32: "I32", torch.float32: "F32", torch.float64: "F64",
               torch.int64: "I64"}


def tensor_bytes(t):
    t = t.detach().cpu().contiguous().reshape(-1)
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> torch.Tensor. The layout of safetensors' serialize (see above)."""
    entries = sorted(((name, TORCH_DTYPE[t.dtype], t) for name, t in tensors.items()),
                     key=lambda e: (-DTYPE_ORDER.index(e[1]), e[0].encode()))
    header, data, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, t in entries:
        b = tensor_bytes(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        data.append(b)
        offset += len(b)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(js).to_bytes(8, "little"))
        f.write(js)
        for b in data:
            f.write(b)


def load_bitnet_functions(path):
    """VALUES_PER_ITEM, pack_weights and unpack_weights from transformers' bitnet.py, as written."""
    tree = ast.parse(open(path).read(), path)
    keep = [n for n in tree.body
            if (isinstance(n, ast.FunctionDef) and n.name in ("pack_weights", "unpack_weights"))
            or (isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "VALUES_PER_ITEM" for t in n.targets))]
    assert len(keep) == 3, "bitnet.py: VALUES_PER_ITEM, pack_weights, unpack_weights not all found"
    ns = {"torch": torch}
    exec(compile(ast.Module(body=keep, type_ignores=[]), path, "exec"), ns)
    return ns["pack_weights"], ns["unpack_weights"]


def set_module(root, dotted, module):
    *parents, leaf = dotted.split(".")
    m = root
    for p in parents:
        if p not in m._modules:
            m.add_module(p, torch.nn.Module())
        m = m._modules[p]
    m.add_module(leaf, module)


# ---------------------------------------------------------------------------------------------
# transformers BitNet (BitLinear, linear_class "bitlinear": dense W = T / weight_scale)


def make_hf_bitnet(out_dir, bitnet_py):
    pack_weights, unpack_weights = load_bitnet_functions(bitnet_py)
    g = torch.Generator().manual_seed(23)
    layers = {}
    for module, (n, k, fixed_scale) in {"model.layers.0.mlp.down_proj": (16, 96, None),
                                         "model.layers.0.self_attn.o_proj": (8, 40, 4.0)}.items():
        w = torch.randn(n, k, generator=g)
        # BitNet's absmean quantizer (transformers' WeightQuant): s = 1/mean|W|, T = round(W·s) in [-1, 1]
        s = 1.0 / w.abs().mean().clamp(min=1e-5)
        t = (w * s).round().clamp(-1, 1).to(torch.int8)
        q = n // 4
        t[0, :] = 0
        t[0, 0] = -1          # a single non-zero at the first column (low bits of packed row 0)
        t[q - 1, :] = 0       # an all-zero row at the end of the first quarter
        t[n - 1, :] = 0
        t[n - 1, k - 1] = 1   # a single non-zero at the very end (high bits of the last packed byte)
        t[2 * q, :] = 1       # all +1
        t[2 * q + 1, :] = -1  # all -1
        scale = torch.tensor([fixed_scale if fixed_scale is not None else float(s)], dtype=torch.bfloat16)
        packed = pack_weights(t.clone())  # pack_weights adds 1 to its argument in place
        assert packed.dtype == torch.uint8 and tuple(packed.shape) == (q, k)
        layers[module] = (packed, scale)
    tensors = {}
    for module, (packed, scale) in layers.items():
        tensors[module + ".weight"] = packed
        tensors[module + ".weight_scale"] = scale
    tensors["model.norm.weight"] = torch.linspace(0.5, 1.5, 96).to(torch.bfloat16)  # not a BitNet layer
    write_safetensors(os.path.join(out_dir, "hf_bitnet.safetensors"), tensors, metadata={"format": "pt"})

    expected = {}
    for module, (packed, scale) in layers.items():
        codes = unpack_weights(packed, dtype=torch.int8)
        # BitLinear: y = F.linear(x_q, unpack_weights(W)) / (weight_scale · x_scale): per weight
        # element, unpack_weights(W) / weight_scale, here in float32.
        dense = unpack_weights(packed, dtype=torch.float32) / scale.to(torch.float32)
        expected[module + ".codes"] = codes
        expected[module + ".dense"] = dense
    write_safetensors(os.path.join(out_dir, "hf_bitnet.expected.safetensors"), expected)

    config = {"architectures": ["BitNetForCausalLM"], "model_type": "bitnet",
              "quantization_config": {"linear_class": "bitlinear", "quant_method": "bitnet",
                                      "quantization_mode": "offline"}}
    with open(os.path.join(out_dir, "hf_bitnet.config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


# ---------------------------------------------------------------------------------------------
# hqq HQQLinear


def edge_weights(n, k, group, generator):
    """N x K float32 weights: random rows, an all-zero row, a row whose single non-zero ends a
    group, and rows 3..7 of mixed magnitudes (per group, cycling: 1e-3, 1.2e-4 — HQQ's scale cap
    —, 1, 30, 1e-5 — below HQQ's 1e-4 range floor)."""
    w = torch.randn(n, k, generator=generator) * 0.05
    w[1, :] = 0
    w[2, :] = 0
    w[2, group - 1] = 0.75
    mags = [1e-3, 1.2e-4, 1.0, 30.0, 1e-5]
    for r in range(len(mags)):  # rows 3..7, each starting the cycle at another magnitude
        for j in range(k // group):
            w[3 + r, j * group:(j + 1) * group] = torch.rand(group, generator=generator) * mags[(r + j) % len(mags)]
    return w


def hqq_layer(hqq_quantize, n, k, nbits, group, axis, compute_dtype, bias, seed):
    g = torch.Generator().manual_seed(seed)
    linear = torch.nn.Linear(k, n, bias=bias)
    with torch.no_grad():
        linear.weight.copy_(edge_weights(n, k, group, g))
        if bias:
            linear.bias.copy_(torch.randn(n, generator=g))
    config = hqq_quantize.BaseQuantizeConfig(nbits=nbits, group_size=group, axis=axis)
    return hqq_quantize.HQQLinear(linear, config, compute_dtype=compute_dtype, device="cpu")


def make_hqq(out_dir, name, specs):
    from hqq.core import quantize as hqq_quantize

    root = torch.nn.Module()
    expected = {}
    for seed, (module, n, k, nbits, group, axis, compute_dtype, bias) in enumerate(specs):
        layer = hqq_layer(hqq_quantize, n, k, nbits, group, axis, compute_dtype, bias, 100 + seed)
        set_module(root, module, layer)
        dense = layer.dequantize()
        assert dense.dtype == compute_dtype and tuple(dense.shape) == (n, k)
        # hqq's codes through its own unpacking and slicing: dequantize with scale 1, zero 0
        meta = dict(layer.meta)
        meta["scale"] = torch.ones_like(meta["scale"], dtype=torch.float32)
        meta["zero"] = torch.zeros_like(meta["zero"], dtype=torch.float32)
        meta["compute_dtype"] = torch.float32
        codes = hqq_quantize.Quantizer.dequantize(layer.W_q, meta)
        assert torch.equal(codes, codes.round()) and codes.min() >= 0 and codes.max() <= 2 ** nbits - 1
        expected[module + ".dense"] = dense.float()
        expected[module + ".codes"] = codes.to(torch.uint8)
        expected[module + ".scale"] = layer.meta["scale"].float().reshape(-1)
        expected[module + ".zero"] = layer.meta["zero"].float().reshape(-1)
        if bias:
            expected[module + ".bias"] = layer.bias.float()
    # save_to_safetensors: tensors = model.state_dict(); save_file({k: t.cpu() for ...}) (no metadata)
    state = root.state_dict()
    write_safetensors(os.path.join(out_dir, name + ".safetensors"), {k: v.cpu() for k, v in state.items()})
    write_safetensors(os.path.join(out_dir, name + ".expected.safetensors"), expected)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hqq", required=True, help="an hqq source tree (the directory holding the hqq package)")
    ap.add_argument("--bitnet-py", required=True, help="transformers' src/transformers/integrations/bitnet.py")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.hqq))
    import hqq
    print("hqq", hqq.__version__, "from", hqq.__file__, "; torch", torch.__version__)

    make_hf_bitnet(args.out, args.bitnet_py)
    f16, bf16, f32 = torch.float16, torch.bfloat16, torch.float32
    # (module, N, K, nbits, group_size, axis, compute_dtype, bias)
    make_hqq(args.out, "hqq_2bit", [
        ("model.layers.0.self_attn.q_proj", 16, 128, 2, 64, 1, f16, False),
        ("model.layers.0.mlp.down_proj", 16, 128, 2, 64, 1, bf16, True),
        ("model.layers.0.mlp.up_proj", 16, 64, 2, 32, 1, f32, False),
    ])
    make_hqq(args.out, "hqq_1bit", [
        ("model.layers.0.self_attn.k_proj", 16, 128, 1, 64, 1, f16, False),
        ("model.layers.0.self_attn.v_proj", 16, 64, 1, 32, 1, f32, True),
    ])
    make_hqq(args.out, "hqq_3bit_4bit", [
        ("model.layers.1.self_attn.q_proj", 16, 64, 3, 64, 1, f16, False),
        ("model.layers.1.self_attn.o_proj", 16, 64, 4, 64, 0, f16, False),  # axis 0: hqq_axis1 refuses it
    ])


if __name__ == "__main__":
    main()
