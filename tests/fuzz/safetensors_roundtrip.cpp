// libFuzzer target: what bitla reads from a safetensors file, it writes back. For any bytes
// File::view accepts:
//   - Writer::add_all of the file must succeed, read back to the same tensors (names,
//     dtypes, shapes, bytes) and the same metadata (present or not, keys and values in
//     order), and be written again to the same bytes;
//   - every HF BitNet layer read_hf_bitnet takes, add_hf_bitnet writes back to the file's
//     own bytes (weight and weight_scale);
//   - every HQQ layer read_hqq takes, add_hqq writes, and read_hqq reads back equal (codes,
//     scale and zero bit for bit, nbits, group size, axis, bias, flags).
// A violation aborts (a finding); the reader's bitla::error on the input is the one allowed
// exit. Layers of more than 2^20 values are skipped.
#include <bitla/io/hf_bitnet.hpp>
#include <bitla/io/hqq_safetensors.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = bitla::safetensors;
constexpr std::size_t max_values = std::size_t{1} << 20;

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "round trip: %s\n", what);
        std::abort();
    }
}

template <class F>
auto must(const char* what, F&& f) {
    try {
        return f();
    } catch (const bitla::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        require(false, what);
        throw;
    }
}

std::vector<std::uint8_t> rewrite(const st::File& f) {
    return must("the writer refuses what the reader accepted", [&] {
        st::Writer w;
        w.add_all(f);
        return w.bytes();
    });
}

bool same_floats(const bitla::Matrix<float>& a, const bitla::Matrix<float>& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::equal(a.flat().begin(), a.flat().end(), b.flat().begin(),
                      [](float x, float y) { return std::bit_cast<std::uint32_t>(x) == std::bit_cast<std::uint32_t>(y); });
}

void bitnet_layers(const st::File& f) {
    for (const std::string& m : bitla::hf_bitnet_modules(f)) {
        if (f.at(m + ".weight").elements > max_values / 4) continue;
        std::optional<bitla::HfBitnetWeight<>> w;
        try {
            w.emplace(bitla::read_hf_bitnet(f, m, bitla::BitnetScaling::multiply));
        } catch (const bitla::error&) {
            continue;
        }
        const auto bytes = must("add_hf_bitnet refuses what read_hf_bitnet accepted", [&] {
            st::Writer out;
            bitla::add_hf_bitnet(out, m, *w);
            return out.bytes();
        });
        const auto g = must("the reader refuses add_hf_bitnet's file", [&] { return st::File::parse(bytes, "bitnet"); });
        for (const std::string& name : {m + ".weight", m + ".weight_scale"}) {
            const auto &a = f.at(name), &b = g.at(name);
            const auto x = f.bytes(a), y = g.bytes(b);
            require(a.dtype == b.dtype && a.shape == b.shape && std::equal(x.begin(), x.end(), y.begin(), y.end()),
                    "add_hf_bitnet does not write back the file's bytes");
        }
    }
}

void hqq_layers(const st::File& f) {
    constexpr std::string_view suffix = ".W_q";
    for (const auto& t : f.tensors()) {
        const std::string_view n = t.name;
        if (!n.ends_with(suffix)) continue;
        const std::string m(n.substr(0, n.size() - suffix.size()));
        const auto* shape = f.find(m + ".shape");
        if (shape == nullptr || shape->dtype != st::Dtype::I64 || shape->elements != 2) continue;
        const std::uint8_t* p = f.bytes(*shape).data();
        const std::uint64_t rows = st::detail::load_le(p, 8), cols = st::detail::load_le(p + 8, 8);
        if (rows != 0 && cols > max_values / rows) continue;
        std::optional<bitla::HqqLayer> l;
        try {
            l.emplace(bitla::read_hqq(f, m));
        } catch (const bitla::error&) {
            continue;
        }
        const auto bytes = must("add_hqq refuses what read_hqq accepted", [&] {
            st::Writer out;
            bitla::add_hqq(out, m, *l);
            return out.bytes();
        });
        const bitla::HqqLayer r = must("read_hqq refuses add_hqq's file", [&] {
            return bitla::read_hqq(st::File::parse(bytes, "hqq"), m);
        });
        require(r.q.values == l->q.values, "an HQQ layer's codes differ after add_hqq and read_hqq");
        require(same_floats(r.q.scale, l->q.scale) && same_floats(r.q.zero, l->q.zero),
                "an HQQ layer's scale or zero differs after add_hqq and read_hqq");
        require(r.q.nbits == l->q.nbits && r.q.group_size == l->q.group_size && r.q.axis == l->q.axis &&
                    r.nbits_as_float == l->nbits_as_float,
                "an HQQ layer's nbits, group size or axis differs after add_hqq and read_hqq");
        require(r.compute_dtype == l->compute_dtype && r.has_bias == l->has_bias &&
                    std::equal(r.bias.begin(), r.bias.end(), l->bias.begin(), l->bias.end(),
                               [](float x, float y) { return std::bit_cast<std::uint32_t>(x) == std::bit_cast<std::uint32_t>(y); }),
                "an HQQ layer's compute dtype or bias differs after add_hqq and read_hqq");
        require(r.channel_wise == l->channel_wise && r.optimize == l->optimize && r.round_zero == l->round_zero &&
                    r.stores_quant_config == l->stores_quant_config && r.encoded_state_dict == l->encoded_state_dict,
                "an HQQ layer's flags differ after add_hqq and read_hqq");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<st::File> f;
    try {
        f.emplace(st::File::parse(std::span(data, size), "fuzz.safetensors"));
    } catch (const bitla::error&) {
        return 0;
    }
    const std::vector<std::uint8_t> bytes = rewrite(*f);
    const auto g = must("the reader refuses what the writer wrote", [&] { return st::File::parse(bytes, "rewritten"); });
    require(g.tensors().size() == f->tensors().size(), "the rewritten file holds another tensor count");
    for (const auto& a : f->tensors()) {
        const st::TensorInfo* b = g.find(a.name);
        require(b != nullptr, "a tensor is missing after the round trip");
        const auto x = f->bytes(a), y = g.bytes(*b);
        require(a.dtype == b->dtype && a.shape == b->shape && std::equal(x.begin(), x.end(), y.begin(), y.end()),
                "a tensor differs after the round trip");
    }
    require(g.has_metadata() == f->has_metadata() && g.metadata() == f->metadata(),
            "the metadata differs after the round trip");
    require(rewrite(g) == bytes, "writing the rewritten file again gives other bytes");
    bitnet_layers(*f);
    hqq_layers(*f);
    return 0;
}
