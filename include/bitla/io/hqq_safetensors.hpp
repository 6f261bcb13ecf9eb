// bitla/io/hqq_safetensors.hpp — HQQ layers in safetensors checkpoints (mobiusml/hqq 0.2.8:
// `HQQLinear.state_dict()` with its default `encoded_state_dict`, as `save_to_safetensors`
// writes it) read into `HqqQuantized` and written back.
//
// A layer `<module>` is these tensors (no "__metadata__"):
//
//     W_q            U8 (I32 for 3 bits)  HQQ's planar packing of the [P, Q] grouped codes
//                                         (quant/hqq_packing.hpp)
//     scale, zero    compute dtype        [N·K/G, 1] (axis 1) or [1, N·K/G] (axis 0); scale is
//                    (F16, BF16, F32)     the reciprocal 1/qscale, zero fractional: W = (W_q − z)·s
//     bias           compute dtype [N]    optional
//     shape          I64 [2]              N, K
//     nbits          I32 0-D (F32 for 1.58)
//     group_size, axis                    I32 0-D
//     packing, unpack_view_dtype,         U8 character codes: "2bit_u8", "torch.uint8",
//     compute_dtype                       "torch.float16"
//     view_as_float, quant_scale, quant_zero, offload_meta, encoded_state_dict,
//     stores_quant_config, channel_wise, optimize, round_zero     U8 0-D flags
//
//     const auto f = bitla::safetensors::File::open("model.safetensors");
//     bitla::HqqLayer l = bitla::read_hqq(f, "model.layers.0.self_attn.q_proj");
//     bitla::AddWeights w = bitla::pack_add(bitla::hqq_axis1(l.q));   // axis 0 files: see below
//
// Exactness: codes, scales and zeros load exactly (F16/BF16 widen to float exactly), and
// `add_hqq` writes the same bytes back. `dequantize()` computes (W_q − z)·s in float; HQQ
// computes it in the compute dtype, so the two agree to that dtype's rounding. The add-only
// products keep group metadata as fp16 (gemm/add_weights.hpp): exact for F16 scales, and the
// zero term −z·s rounded once.
//
// Axis 0. HQQ's axis-0 groups are strided (group j holds flat indices j + t·N·K/G), which
// HqqQuantized holds as is (dequantize() is exact), but the add-only products take groups of
// consecutive k (axis 1). `hqq_axis1` converts only when that is exact — every run of G'
// consecutive k in a row shares one (scale, zero), G' a multiple of 8 dividing K — and
// otherwise refuses, naming the first two neighbours whose groups differ. Real axis-0
// checkpoints are refused by it: use dequantize() or the generic expressions for them.
//
// Errors (bitla::error whose argument is the file, the message naming the tensor and field):
// a missing tensor; a dtype or shape other than the above; nbits outside HQQ's set; a packing
// or unpack_view_dtype that is not HQQ's for nbits; a compute_dtype that does not name the
// scales' dtype; what bitla cannot represent: view_as_float, quantized scale or zero
// (quant_scale, quant_zero), offload_meta (scale and zero stacked in zero_scale),
// channel_wise = 0 (no groups), a flag other than 0 or 1; and what hqq_unpack refuses (a W_q
// shape that does not match, a code above the level count, a grouping bitla does not take),
// non-finite scale or zero.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../quant/hqq_packing.hpp"
#include "safetensors_writer.hpp"

BITLA_BEGIN_NAMESPACE

/// One HQQLinear's state: the quantized weight and what HQQ stores next to it.
struct HqqLayer {
    HqqQuantized q;  ///< codes, scale, zero, nbits, group_size, axis (as the file groups them)
    safetensors::Dtype compute_dtype = safetensors::Dtype::F16;  ///< of scale, zero and bias
    bool has_bias = false;
    std::vector<float> bias;    ///< N values when has_bias
    bool nbits_as_float = false;  ///< nbits stored as F32 even when whole (1.58 always is)
    // HQQ's flags, as stored (their defaults are what HQQLinear writes).
    bool channel_wise = true, optimize = true, round_zero = false, stores_quant_config = true,
         encoded_state_dict = true;
};

namespace detail {

/// HQQ's torch dtype names.
[[nodiscard]] inline std::string_view torch_dtype_name(safetensors::Dtype d) noexcept {
    switch (d) {
        case safetensors::Dtype::F16: return "torch.float16";
        case safetensors::Dtype::BF16: return "torch.bfloat16";
        case safetensors::Dtype::F32: return "torch.float32";
        default: return "?";
    }
}

/// The flags bitla keeps (true) and those whose only supported value is 0 (false).
struct HqqFlag {
    const char* key;
    bool HqqLayer::*member;  ///< null: must be 0
};
inline constexpr std::array<HqqFlag, 9> hqq_flags{{
    {"channel_wise", &HqqLayer::channel_wise},
    {"encoded_state_dict", &HqqLayer::encoded_state_dict},
    {"offload_meta", nullptr},
    {"optimize", &HqqLayer::optimize},
    {"quant_scale", nullptr},
    {"quant_zero", nullptr},
    {"round_zero", &HqqLayer::round_zero},
    {"stores_quant_config", &HqqLayer::stores_quant_config},
    {"view_as_float", nullptr},
}};

[[nodiscard]] inline std::string hqq_unpack_view(HqqPacking p) {
    return p == HqqPacking::bit3_32 ? "torch.int32" : "torch.uint8";
}

}  // namespace detail

/// Layer `module` of an HQQ safetensors checkpoint.
[[nodiscard]] inline HqqLayer read_hqq(const safetensors::File& f, std::string_view module) {
    using safetensors::Dtype;
    const std::string m = std::string(module) + ".";
    const std::string& file = f.path();
    const auto field = [&](const char* key) { return m + key; };
    HqqLayer l;

    for (const auto& flag : detail::hqq_flags) {
        const std::string name = field(flag.key);
        const std::int64_t v = f.integer(name);
        detail::require(v == 0 || v == 1, file, "tensor \"", name, "\": ", flag.key, " = ", v, " is not 0 or 1");
        detail::require(flag.member != nullptr || v == 0, file, "tensor \"", name, "\": ", flag.key,
                        " = 1 is not supported (", flag.key == std::string_view("offload_meta")
                            ? "scale and zero stacked in zero_scale"
                            : flag.key == std::string_view("view_as_float") ? "W_q viewed as floats"
                                                                              : "quantized scale or zero",
                        ")");
        if (flag.member) l.*flag.member = v == 1;
    }
    detail::require(l.channel_wise, file, "tensor \"", field("channel_wise"),
                    "\": channel_wise = 0 (one scale for the whole tensor) is not supported");

    const auto& nb = f.expect_dtype(field("nbits"), {Dtype::I32, Dtype::F32});
    f.expect_shape(nb, std::array<std::size_t, 0>{});
    l.nbits_as_float = nb.dtype == Dtype::F32;
    const float nbits = l.nbits_as_float ? f.floats(nb.name, 1, 1)(0, 0) : static_cast<float>(f.integer(nb.name));
    detail::require(nbits == 1 || nbits == 1.58f || nbits == 2 || nbits == 3 || nbits == 4 || nbits == 5 ||
                        nbits == 6 || nbits == 8,
                    file, "tensor \"", nb.name, "\": nbits = ", nbits, " is not one of HQQ's 1, 1.58, 2, 3, 4, 5, 6, 8");
    const HqqPacking packing = hqq_packing_for(nbits);
    const std::string packing_name = f.chars(field("packing")), view = f.chars(field("unpack_view_dtype"));
    detail::require(packing_name == name(packing), file, "tensor \"", field("packing"), "\": packing \"",
                    packing_name, "\" is not HQQ's \"", name(packing), "\" for nbits = ", nbits);
    detail::require(view == detail::hqq_unpack_view(packing), file, "tensor \"", field("unpack_view_dtype"), "\": \"",
                    view, "\" is not \"", detail::hqq_unpack_view(packing), "\" for packing ", name(packing));

    for (const char* key : {"group_size", "axis"}) f.expect(field(key), Dtype::I32, std::array<std::size_t, 0>{});
    const std::int64_t group_size = f.integer(field("group_size")), axis = f.integer(field("axis"));
    detail::require(group_size > 0, file, "tensor \"", field("group_size"), "\": group_size = ", group_size,
                    " is not positive");
    detail::require(axis == 0 || axis == 1, file, "tensor \"", field("axis"), "\": axis = ", axis, " is not 0 or 1");
    const auto& shape = f.expect(field("shape"), Dtype::I64, std::array<std::size_t, 1>{2});
    const std::uint8_t* sp = f.bytes(shape).data();
    const auto n = static_cast<std::int64_t>(safetensors::detail::load_le(sp, 8)),
               k = static_cast<std::int64_t>(safetensors::detail::load_le(sp + 8, 8));
    detail::require(n > 0 && k > 0 && n <= INT64_MAX / k, file, "tensor \"", shape.name, "\": shape [", n, ", ", k,
                    "] is not a positive N x K");
    const auto rows = static_cast<std::size_t>(n), cols = static_cast<std::size_t>(k),
               g = static_cast<std::size_t>(group_size);
    detail::require((rows * cols) % g == 0, file, "tensor \"", field("group_size"), "\": group_size = ", g,
                    " does not divide N·K = ", rows * cols);
    const std::size_t groups = rows * cols / g;

    const auto& st = f.expect_dtype(field("scale"), {Dtype::F16, Dtype::BF16, Dtype::F32});
    l.compute_dtype = st.dtype;
    const std::string compute = f.chars(field("compute_dtype"));
    detail::require(compute == detail::torch_dtype_name(st.dtype), file, "tensor \"", field("compute_dtype"),
                    "\": \"", compute, "\" but scale is ", safetensors::name(st.dtype));
    const std::array<std::size_t, 2> meta_shape = axis == 1 ? std::array<std::size_t, 2>{groups, 1}
                                                            : std::array<std::size_t, 2>{1, groups};
    f.expect_shape(st, meta_shape);
    f.expect(field("zero"), st.dtype, meta_shape);
    const Matrix<float> scale = f.floats(field("scale"), meta_shape[0], meta_shape[1]);
    const Matrix<float> zero = f.floats(field("zero"), meta_shape[0], meta_shape[1]);
    if (const auto* b = f.find(field("bias"))) {
        f.expect(b->name, st.dtype, std::array<std::size_t, 1>{rows});
        const Matrix<float> bias = f.floats(b->name, 1, rows);
        l.has_bias = true;
        l.bias.assign(bias.flat().begin(), bias.flat().end());
    }

    HqqPackedWeights packed;
    packed.packing = packing;
    const bool is32 = packing == HqqPacking::bit3_32;
    const auto& wq = f.expect_dtype(field("W_q"), {is32 ? Dtype::I32 : Dtype::U8});
    detail::require(wq.shape.size() == 2, file, "tensor \"", wq.name, "\": shape is ",
                    safetensors::File::shape_string(wq.shape), ", not 2-D");
    const std::uint8_t* wp = f.bytes(wq).data();
    if (is32) {
        packed.i32 = Matrix<std::int32_t>(wq.shape[0], wq.shape[1]);
        for (std::size_t i = 0; i < wq.elements; ++i)
            packed.i32.flat()[i] = static_cast<std::int32_t>(safetensors::detail::load_le(wp + 4 * i, 4));
    } else {
        packed.u8 = Matrix<std::uint8_t>(wq.shape[0], wq.shape[1]);
        std::copy(wp, wp + wq.elements, packed.u8.data());
    }
    try {
        l.q = hqq_unpack(packed, scale, zero, HqqMeta{nbits, g, static_cast<int>(axis), rows, cols});
    } catch (const error& e) {
        detail::fail(file, "layer \"", module, "\" (W_q, scale, zero): ", e.what());
    }
    return l;
}

/// Adds layer `module` to a safetensors writer: every tensor read_hqq reads, so HQQ loads it
/// (HQQLinear.load_state_dict) and read_hqq reads back the same layer.
inline void add_hqq(safetensors::Writer& out, std::string_view module, const HqqLayer& l) {
    using safetensors::Dtype;
    const HqqQuantized& q = l.q;
    detail::require(safetensors::is_float_dtype(l.compute_dtype), "compute_dtype", "compute_dtype ",
                    safetensors::name(l.compute_dtype), " is not F16, BF16 or F32");
    detail::require(!l.has_bias || l.bias.size() == q.rows(), "bias", "bias has ", l.bias.size(), " values for ",
                    q.rows(), " rows");
    detail::require(l.channel_wise, "l", "channel_wise = 0 is not supported");
    const HqqPackedWeights p = hqq_pack(q);  // checks the packing's slab split
    const std::string m = std::string(module) + ".";
    safetensors::Writer layer;  // built apart and added last: all or nothing
    if (p.packing == HqqPacking::bit3_32) {
        std::vector<std::uint8_t> bytes(4 * p.i32.flat().size());
        for (std::size_t i = 0; i < p.i32.flat().size(); ++i)
            safetensors::detail::store_le(bytes.data() + 4 * i, static_cast<std::uint32_t>(p.i32.flat()[i]), 4);
        layer.add(m + "W_q", Dtype::I32, {p.i32.rows(), p.i32.cols()}, std::move(bytes));
    } else {
        layer.add(m + "W_q", Dtype::U8, {p.u8.rows(), p.u8.cols()},
                  std::vector<std::uint8_t>(p.u8.flat().begin(), p.u8.flat().end()));
    }
    const std::size_t groups = q.groups();
    const std::vector<std::size_t> meta_shape =
        q.axis == 1 ? std::vector<std::size_t>{groups, 1} : std::vector<std::size_t>{1, groups};
    layer.add_floats(m + "scale", l.compute_dtype, meta_shape, q.scale.flat());
    layer.add_floats(m + "zero", l.compute_dtype, meta_shape, q.zero.flat());
    if (l.has_bias) layer.add_floats(m + "bias", l.compute_dtype, {q.rows()}, l.bias);
    const bool whole = q.nbits == std::round(q.nbits);
    if (whole && !l.nbits_as_float) layer.add_integer(m + "nbits", Dtype::I32, {}, static_cast<std::int64_t>(q.nbits));
    else layer.add_floats(m + "nbits", Dtype::F32, {}, std::span<const float>(&q.nbits, 1));
    layer.add_integer(m + "group_size", Dtype::I32, {}, static_cast<std::int64_t>(q.group_size));
    layer.add_integer(m + "axis", Dtype::I32, {}, q.axis);
    std::vector<std::uint8_t> shape(16);
    safetensors::detail::store_le(shape.data(), q.rows(), 8);
    safetensors::detail::store_le(shape.data() + 8, q.cols(), 8);
    layer.add(m + "shape", Dtype::I64, {2}, std::move(shape));
    layer.add_chars(m + "packing", name(p.packing));
    layer.add_chars(m + "unpack_view_dtype", detail::hqq_unpack_view(p.packing));
    layer.add_chars(m + "compute_dtype", detail::torch_dtype_name(l.compute_dtype));
    for (const auto& flag : detail::hqq_flags)
        layer.add_integer(m + flag.key, Dtype::U8, {}, flag.member != nullptr && l.*flag.member ? 1 : 0);
    out.add_all(std::move(layer));
}

/// `q` with groups of consecutive k (axis 1), exactly: an axis-1 HqqQuantized is returned as
/// a copy; an axis-0 one is regrouped with the largest G' (a multiple of 8 dividing K) such
/// that every run of G' consecutive k in a row shares one (scale, zero). bitla::error
/// (argument "q") when no G' does, naming two neighbours whose groups differ.
[[nodiscard]] inline HqqQuantized hqq_axis1(const HqqQuantized& q) {
    const std::size_t rows = q.rows(), cols = q.cols();
    const auto meta = [&](std::size_t r, std::size_t c) {
        const auto [gr, gc] = q.group_of(r, c);
        return std::pair{std::bit_cast<std::uint32_t>(q.scale(gr, gc)), std::bit_cast<std::uint32_t>(q.zero(gr, gc))};
    };
    std::size_t g = q.group_size;
    if (q.axis != 1) {
        g = cols;  // the gcd of K and every column where some row's (scale, zero) changes
        std::size_t first_r = 0, first_c = 0;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 1; c < cols; ++c)
                if (c % g != 0 && meta(r, c) != meta(r, c - 1)) {
                    if (first_c == 0) {
                        first_r = r;
                        first_c = c;
                    }
                    g = std::gcd(g, c);
                }
        detail::require(g % 8 == 0, "q", first_c == 0 ? detail::concat("K = ", cols, " is not a multiple of 8")
                                                     : detail::concat("(", first_r, ", ", first_c - 1, ") and (", first_r,
                                                                      ", ", first_c, ") have different (scale, zero)"),
                        ": no axis-1 grouping (runs of a multiple of 8 consecutive k) holds these axis-0 groups exactly");
    }
    HqqQuantized out;
    out.values = q.values.clone();
    out.nbits = q.nbits;
    out.group_size = g;
    out.axis = 1;
    out.scale = Matrix<float>(rows, cols / g);
    out.zero = Matrix<float>(rows, cols / g);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < cols / g; ++j) {
            const auto [gr, gc] = q.group_of(r, j * g);
            out.scale(r, j) = q.scale(gr, gc);
            out.zero(r, j) = q.zero(gr, gc);
        }
    return out;
}

BITLA_END_NAMESPACE
