// HQQ layers in safetensors: state dicts encoded here from hqq 0.2.8's layout (not with
// bitla's hqq_pack), round trips of quantize_hqq results, axis-0 regrouping, bad layers.
#include <catch2/catch.hpp>

#include <bitla/gemm/add.hpp>
#include <bitla/io/hqq_safetensors.hpp>
#include <bitla/quant/quant.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "io/safetensors_files.hpp"
#include "quant/matrices.hpp"
#include "support/random.hpp"

using bitla::HqqLayer;
using bitla::Matrix;
using bitla::safetensors::Dtype;
using bitla::safetensors::File;
using bitla_test::RawTensor;

namespace {

std::vector<std::uint8_t> le(std::uint64_t v, std::size_t n) {
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return out;
}
std::vector<std::uint8_t> chars(const std::string& s) { return {s.begin(), s.end()}; }

/// W_q packed as HQQ packs the grouped [P, Q] view (both axes: the flat row-major codes
/// reshaped) along dim 0, with s = P / (codes per element):
///   8 bit  P[i] = q[i]                      4 bit  P[i] = q[i] << 4 | q[i+s]
///   2 bit  P[i] = q[i]<<6 | q[i+s]<<4 | q[i+2s]<<2 | q[i+3s]     (1.58 bits too)
///   1 bit  P[i] = Σ_k q[i+k·s] << (7-k)
///   3 bit  int32, P padded with zero rows to a multiple of 10: Σ_k q[i+k·s] << (27 - 3k)
RawTensor pack_wq(const std::string& name, const Matrix<int>& codes, float nbits, std::size_t p, std::size_t q) {
    const auto at = [&](std::size_t i, std::size_t j) -> unsigned {  // grouped [P, Q] element
        return i < p ? static_cast<unsigned>(codes.flat()[i * q + j]) : 0u;
    };
    if (nbits == 3) {
        const std::size_t s = (p + 9) / 10;
        std::vector<std::uint8_t> out;
        for (std::size_t i = 0; i < s; ++i)
            for (std::size_t j = 0; j < q; ++j) {
                std::uint32_t x = 0;
                for (std::size_t k = 0; k < 10; ++k) x |= at(i + k * s, j) << (27 - 3 * k);
                const auto b = le(x, 4);
                out.insert(out.end(), b.begin(), b.end());
            }
        return {name, "I32", {s, q}, out};
    }
    const std::size_t per = nbits == 8 || nbits == 5 || nbits == 6 ? 1 : nbits == 4 ? 2 : nbits == 1 ? 8 : 4;
    const std::size_t s = p / per;
    std::vector<std::uint8_t> out(s * q);
    for (std::size_t i = 0; i < s; ++i)
        for (std::size_t j = 0; j < q; ++j) {
            unsigned x = 0;
            if (per == 1) x = at(i, j);
            if (per == 2) x = at(i, j) << 4 | at(i + s, j);
            if (per == 4) x = at(i, j) << 6 | at(i + s, j) << 4 | at(i + 2 * s, j) << 2 | at(i + 3 * s, j);
            if (per == 8)
                for (std::size_t k = 0; k < 8; ++k) x |= at(i + k * s, j) << (7 - k);
            out[i * q + j] = static_cast<std::uint8_t>(x);
        }
    return {name, "U8", {s, q}, out};
}

/// Exact fp16 values and their bits, for scales and zeros.
constexpr std::pair<float, std::uint16_t> halves[] = {{1.0f, 0x3c00}, {0.5f, 0x3800}, {0.25f, 0x3400},
                                                      {1.5f, 0x3e00}, {2.0f, 0x4000}, {-1.0f, 0xbc00},
                                                      {0.0f, 0x0000}, {0.375f, 0x3600}};

struct Layer {
    Matrix<int> codes;                   // N x K
    std::vector<float> scale, zero;      // per group, HQQ's order
    std::vector<RawTensor> tensors;      // the state dict
};

/// An HQQLinear state dict for N x K codes, written from the layout (F16 compute dtype).
Layer hqq_layer(const std::string& m, std::size_t n, std::size_t k, float nbits, std::size_t g, int axis) {
    Layer l;
    const int max_level = static_cast<int>(std::lround(std::exp2(nbits) - 1));
    l.codes = bitla_test::random_ints<int>(n, k, 0, max_level);
    for (std::size_t c = 0; c < k; ++c) l.codes(0, c) = 0;  // an all-zero row
    l.codes(n - 1, k - 1) = max_level;                        // the top code at the very end
    const std::size_t groups = n * k / g, p = axis == 1 ? groups : g, q = axis == 1 ? g : groups;
    std::vector<std::uint8_t> scale, zero;
    for (std::size_t j = 0; j < groups; ++j) {
        const auto& [sv, sb] = halves[j % 8];
        const auto& [zv, zb] = halves[(j * 3 + 1) % 8];
        l.scale.push_back(sv);
        l.zero.push_back(zv);
        for (auto b : le(sb, 2)) scale.push_back(b);
        for (auto b : le(zb, 2)) zero.push_back(b);
    }
    const std::vector<std::size_t> meta = axis == 1 ? std::vector<std::size_t>{groups, 1} : std::vector<std::size_t>{1, groups};
    const bool fractional = nbits == 1.58f;
    const std::string packing = nbits == 8 || nbits == 5 || nbits == 6 ? "8bit_u8"
                                : nbits == 4                          ? "4bit_u8"
                                : nbits == 3                          ? "3bit_32"
                                : nbits == 1                          ? "1bit_u8"
                                                                      : "2bit_u8";
    l.tensors = {pack_wq(m + "W_q", l.codes, nbits, p, q),
                 {m + "scale", "F16", meta, scale},
                 {m + "zero", "F16", meta, zero},
                 fractional ? RawTensor{m + "nbits", "F32", {}, le(std::bit_cast<std::uint32_t>(nbits), 4)}
                            : RawTensor{m + "nbits", "I32", {}, le(static_cast<std::uint64_t>(nbits), 4)},
                 {m + "group_size", "I32", {}, le(g, 4)},
                 {m + "axis", "I32", {}, le(static_cast<std::uint64_t>(axis), 4)},
                 {m + "shape", "I64", {2}, [&] { auto s = le(n, 8), t = le(k, 8); s.insert(s.end(), t.begin(), t.end()); return s; }()},
                 {m + "packing", "U8", {packing.size()}, chars(packing)},
                 {m + "unpack_view_dtype", "U8", {}, {}},
                 {m + "compute_dtype", "U8", {13}, chars("torch.float16")}};
    const std::string view = nbits == 3 ? "torch.int32" : "torch.uint8";
    l.tensors[8].shape = {view.size()};
    l.tensors[8].data = chars(view);
    for (const auto& [flag, value] : {std::pair{"view_as_float", 0}, {"quant_scale", 0}, {"quant_zero", 0},
                                      {"offload_meta", 0}, {"encoded_state_dict", 1}, {"stores_quant_config", 1},
                                      {"channel_wise", 1}, {"optimize", 1}, {"round_zero", 0}})
        l.tensors.push_back({m + flag, "U8", {}, {static_cast<std::uint8_t>(value)}});
    return l;
}

RawTensor& tensor(std::vector<RawTensor>& ts, const std::string& name) {
    for (auto& t : ts)
        if (t.name == name) return t;
    FAIL("no " << name);
    throw;
}

void require_same(const bitla::HqqQuantized& a, const bitla::HqqQuantized& b) {
    CHECK(a.values == b.values);
    CHECK(a.nbits == b.nbits);
    CHECK(a.group_size == b.group_size);
    CHECK(a.axis == b.axis);
    REQUIRE(a.scale.flat().size() == b.scale.flat().size());
    for (std::size_t i = 0; i < a.scale.flat().size(); ++i) {
        CHECK(std::bit_cast<std::uint32_t>(a.scale.flat()[i]) == std::bit_cast<std::uint32_t>(b.scale.flat()[i]));
        CHECK(std::bit_cast<std::uint32_t>(a.zero.flat()[i]) == std::bit_cast<std::uint32_t>(b.zero.flat()[i]));
    }
}

}  // namespace

TEST_CASE("hqq safetensors: hand-encoded layers read exactly and write back bit for bit", "[io][hqq]") {
    const std::string m = "model.layers.0.self_attn.q_proj.";
    for (const float nbits : {1.0f, 1.58f, 2.0f, 3.0f, 4.0f, 5.0f, 8.0f})
        for (const int axis : {1, 0}) {
            CAPTURE(nbits, axis);
            const Layer l = hqq_layer(m, 4, 64, nbits, 16, axis);  // axis 1: P = 16; axis 0: P = 16
            const auto image = bitla_test::reference_image(l.tensors);
            const File f = File::parse(image, "hqq");
            CHECK_FALSE(f.has_metadata());
            const HqqLayer r = bitla::read_hqq(f, "model.layers.0.self_attn.q_proj");
            CHECK(r.q.nbits == nbits);
            CHECK(r.q.group_size == 16);
            CHECK(r.q.axis == axis);
            CHECK(r.compute_dtype == Dtype::F16);
            CHECK_FALSE(r.has_bias);
            for (std::size_t i = 0; i < 4; ++i)
                for (std::size_t c = 0; c < 64; ++c) {
                    CHECK(r.q.values.view()(i, c) == l.codes(i, c));
                    const auto [gr, gc] = r.q.group_of(i, c);
                    const std::size_t j = axis == 1 ? (i * 64 + c) / 16 : (i * 64 + c) % 16;
                    CHECK(r.q.scale(gr, gc) == l.scale[j]);
                    CHECK(r.q.zero(gr, gc) == l.zero[j]);
                }
            bitla::safetensors::Writer w;
            bitla::add_hqq(w, "model.layers.0.self_attn.q_proj", r);
            CHECK(w.bytes() == image);
        }
}

TEST_CASE("hqq safetensors: quantize, write, read is the same HqqQuantized", "[io][hqq]") {
    const auto wf = bitla_test::gaussian_weights(16, 128, 5);
    for (const float nbits : {1.0f, 1.58f, 2.0f, 3.0f, 4.0f, 8.0f})
        for (const int axis : {1, 0})
            for (const Dtype compute : {Dtype::F32, Dtype::F16, Dtype::BF16}) {
                CAPTURE(nbits, axis, std::string(bitla::safetensors::name(compute)));
                HqqLayer l;
                l.q = bitla::quantize_hqq(wf, {.nbits = nbits, .group_size = 32, .axis = axis});
                l.compute_dtype = compute;
                for (float& v : l.q.scale.flat()) v = bitla::safetensors::round_to(compute, v);
                for (float& v : l.q.zero.flat()) v = bitla::safetensors::round_to(compute, v);
                l.has_bias = true;
                l.bias.assign(16, 0.5f);
                l.bias[3] = -2.0f;
                bitla::safetensors::Writer w;
                bitla::add_hqq(w, "layer", l);
                const auto bytes = w.bytes();
                const File f = File::parse(bytes, "rt");
                const HqqLayer r = bitla::read_hqq(f, "layer");
                require_same(r.q, l.q);
                CHECK(r.compute_dtype == compute);
                CHECK(r.bias == l.bias);
                bitla::safetensors::Writer again;
                bitla::add_hqq(again, "layer", r);
                CHECK(again.bytes() == bytes);
            }
}

TEST_CASE("hqq safetensors: axis 0 regroups to axis 1 only when exact", "[io][hqq]") {
    const auto wf = bitla_test::gaussian_weights(8, 64, 6);
    const auto q1 = bitla::quantize_hqq(wf, {.nbits = 4, .group_size = 16, .axis = 1});
    require_same(bitla::hqq_axis1(q1), q1);

    const auto q0 = bitla::quantize_hqq(wf, {.nbits = 4, .group_size = 16, .axis = 0});
    try {
        (void)bitla::hqq_axis1(q0);
        FAIL("a strided axis-0 grouping was accepted");
    } catch (const bitla::error& e) {
        CHECK(e.argument() == "q");
        CHECK(std::string(e.what()).find("(0, 0) and (0, 1) have different (scale, zero)") != std::string::npos);
    }
    // Axis-0 groups whose (scale, zero) repeat along runs of 16 k: N·K/G = 32 groups, group
    // j = flat % 32, so giving groups j and j' the same meta where (j / 16) == (j' / 16)
    // makes k runs of 16 constant.
    bitla::HqqQuantized c = bitla::quantize_hqq(wf, {.nbits = 4, .group_size = 16, .axis = 0});
    for (std::size_t j = 0; j < 32; ++j) {
        c.scale.flat()[j] = 0.25f * static_cast<float>(1 + j / 16);
        c.zero.flat()[j] = static_cast<float>(j / 16);
    }
    const auto a = bitla::hqq_axis1(c);
    CHECK(a.axis == 1);
    CHECK(a.group_size == 16);
    CHECK(bitla_test::relative_error(c.dequantize(), a.dequantize()) == 0);
    // and the regrouped weights run on the add-only products like any axis-1 HQQ layer
    const auto x = bitla_test::random_ints<std::int8_t>(2, 64, -100, 100);
    Matrix<float> y(2, 8);
    bitla::gemm(bitla::Int8Rows{x.view()}, bitla::pack_add(a), y.view());
    const auto dense = a.dequantize();
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t n = 0; n < 8; ++n) {
            double ref = 0;
            for (std::size_t k = 0; k < 64; ++k) ref += double(x(i, k)) * dense(n, k);
            CHECK(y(i, n) == Approx(ref).epsilon(1e-5).margin(1e-4));
        }
}

TEST_CASE("hqq safetensors: bad layers are refused, naming the file and tensor", "[io][hqq][errors]") {
    const std::string m = "l.";
    const auto refused = [&](const std::vector<RawTensor>& ts, const std::string& words) {
        const auto image = bitla_test::reference_image(ts);
        try {
            const File f = File::parse(image, "bad.safetensors");
            (void)bitla::read_hqq(f, "l");
            FAIL("accepted; expected " << words);
        } catch (const bitla::error& e) {
            CHECK(e.argument() == "bad.safetensors");
            INFO(e.what());
            CHECK(std::string(e.what()).find(words) != std::string::npos);
        }
    };
    const Layer good = hqq_layer(m, 4, 64, 2, 16, 1);
    REQUIRE_NOTHROW(bitla::read_hqq(File::parse(bitla_test::reference_image(good.tensors), "good"), "l"));
    const auto with = [&](const std::string& name, RawTensor t) {
        auto ts = good.tensors;
        tensor(ts, m + name) = std::move(t);
        return ts;
    };
    refused(with("nbits", {m + "nbits", "I32", {}, le(7, 4)}), "\"l.nbits\": nbits = 7 is not one of");
    refused(with("nbits", {m + "nbits", "I64", {}, le(2, 8)}), "\"l.nbits\": dtype is I64, expected I32 or F32");
    refused(with("packing", {m + "packing", "U8", {7}, chars("4bit_u8")}), "packing \"4bit_u8\" is not HQQ's \"2bit_u8\"");
    refused(with("unpack_view_dtype", {m + "unpack_view_dtype", "U8", {11}, chars("torch.int32")}), "is not \"torch.uint8\"");
    refused(with("compute_dtype", {m + "compute_dtype", "U8", {14}, chars("torch.bfloat16")}),
            "\"l.compute_dtype\": \"torch.bfloat16\" but scale is F16");
    refused(with("view_as_float", {m + "view_as_float", "U8", {}, {1}}), "view_as_float = 1 is not supported");
    refused(with("offload_meta", {m + "offload_meta", "U8", {}, {1}}), "stacked in zero_scale");
    refused(with("quant_zero", {m + "quant_zero", "U8", {}, {1}}), "quantized scale or zero");
    refused(with("round_zero", {m + "round_zero", "U8", {}, {2}}), "round_zero = 2 is not 0 or 1");
    refused(with("channel_wise", {m + "channel_wise", "U8", {}, {0}}), "channel_wise = 0");
    refused(with("axis", {m + "axis", "I32", {}, le(2, 4)}), "axis = 2 is not 0 or 1");
    refused(with("group_size", {m + "group_size", "I32", {}, le(24, 4)}), "group_size = 24 does not divide N·K = 256");
    refused(with("shape", {m + "shape", "I64", {2}, [] { auto s = le(~std::uint64_t{3}, 8), t = le(64, 8); s.insert(s.end(), t.begin(), t.end()); return s; }()}),
            "\"l.shape\": shape [-4, 64] is not a positive N x K");
    refused(with("scale", {m + "scale", "F16", {1, 16}, std::vector<std::uint8_t>(32)}), "\"l.scale\": shape is [1, 16], expected [16, 1]");
    refused(with("zero", {m + "zero", "F32", {16, 1}, std::vector<std::uint8_t>(64)}), "\"l.zero\": dtype is F32, expected F16");
    refused(with("scale", {m + "scale", "F16", {16, 1}, [] { std::vector<std::uint8_t> v(32); v[1] = 0x7c; return v; }()}),
            "scale(0, 0) = inf is not finite");
    refused(with("W_q", {m + "W_q", "U8", {4, 8}, std::vector<std::uint8_t>(32)}), "packed W_q is 4 x 8 but a 4 x 64 matrix");
    refused(with("W_q", {m + "W_q", "I32", {4, 16}, std::vector<std::uint8_t>(256)}), "\"l.W_q\": dtype is I32, expected U8");
    auto missing = good.tensors;
    missing.erase(missing.begin() + 2);
    refused(missing, "no tensor \"l.zero\"");

    auto ternary = hqq_layer(m, 4, 64, 1.58f, 16, 1).tensors;
    tensor(ternary, m + "W_q").data[5] = 0xff;  // code 3 at 1.58 bits
    refused(ternary, "code 3 at grouped (0, 5) exceeds the 2 of nbits = 1.58");

    // writing: a 1-bit layer whose P is not a multiple of 8 cannot be packed; nothing is added
    HqqLayer l;
    l.q = bitla::quantize_hqq(bitla_test::gaussian_weights(3, 16, 12), {.nbits = 1, .group_size = 8});
    bitla::safetensors::Writer w;
    CHECK_THROWS_AS(bitla::add_hqq(w, "l", l), bitla::error);
    l.q = bitla::quantize_hqq(bitla_test::gaussian_weights(4, 16, 12), {.nbits = 4, .group_size = 8});
    l.compute_dtype = Dtype::F16;  // scales not rounded to fp16
    CHECK_THROWS_AS(bitla::add_hqq(w, "l", l), bitla::error);
    CHECK(w.bytes().size() == 16);
}
