// libFuzzer target: any bytes through safetensors::File::view (the in-memory twin of
// File::open) and, when they parse, every tensor through the typed reads that take it
// (floats, integer, chars), then every layer the names suggest through the packed-layout
// imports: read_hf_bitnet (both scalings) with dequantize and pack_add, read_hqq with
// dequantize and hqq_axis1. The only outcome allowed besides success is a bitla::error; a
// crash, a sanitizer report, a leak or a hang is a finding. Tensors and layers of more than
// 2^20 values are skipped (their size checks ran in the parse already).
#include <bitla/io/hf_bitnet.hpp>
#include <bitla/io/hqq_safetensors.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t max_values = std::size_t{1} << 20;

template <class F>
void attempt(F&& f) {
    try {
        f();
    } catch (const bitla::error&) {  // a bad layer or value: the next one
    }
}

void walk(const bitla::safetensors::File& f, const bitla::safetensors::TensorInfo& t) {
    using bitla::safetensors::Dtype;
    (void)f.bytes(t);
    if (t.elements > max_values) return;
    if (bitla::safetensors::is_float_dtype(t.dtype)) {
        const std::size_t cols = t.shape.empty() ? 1 : t.shape.back();
        attempt([&] { (void)f.floats(t.name, cols == 0 ? 0 : t.elements / cols, cols); });
    }
    // Only the reads a tensor's dtype and shape admit: a refusal costs an exception and its
    // message, and one per tensor would halve the fuzzer's speed.
    if (bitla::safetensors::info(t.dtype).is_integer && t.elements == 1 && t.shape.size() <= 1)
        attempt([&] { (void)f.integer(t.name); });
    if (t.dtype == Dtype::U8 && t.shape.size() == 1) attempt([&] { (void)f.chars(t.name); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto f = bitla::safetensors::File::parse(std::span(data, size), "fuzz.safetensors");
        for (const auto& [k, v] : f.metadata()) (void)(k.size() + v.size());
        for (const auto& t : f.tensors()) walk(f, t);
        for (const std::string& m : bitla::hf_bitnet_modules(f)) {
            if (f.at(m + ".weight").elements > max_values / 4) continue;
            for (const auto scaling : {bitla::BitnetScaling::divide, bitla::BitnetScaling::multiply})
                attempt([&] {
                    const auto w = bitla::read_hf_bitnet(f, m, scaling);
                    (void)w.dequantize();
                    if (w.values.rows() > 0 && w.values.cols() > 0) (void)bitla::pack_add(w);
                });
        }
        constexpr std::string_view suffix = ".W_q";
        for (const auto& t : f.tensors()) {
            const std::string_view n = t.name;
            if (!n.ends_with(suffix)) continue;
            attempt([&] {
                const auto shape = f.find(std::string(n.substr(0, n.size() - suffix.size())) + ".shape");
                if (shape == nullptr || shape->dtype != bitla::safetensors::Dtype::I64 || shape->elements != 2) return;
                const std::uint8_t* p = f.bytes(*shape).data();
                const std::uint64_t rows = bitla::safetensors::detail::load_le(p, 8),
                                    cols = bitla::safetensors::detail::load_le(p + 8, 8);
                if (rows != 0 && cols > max_values / rows) return;
                const bitla::HqqLayer l = bitla::read_hqq(f, n.substr(0, n.size() - suffix.size()));
                (void)l.q.dequantize();
                (void)bitla::hqq_axis1(l.q);
            });
        }
    } catch (const bitla::error&) {
    }
    return 0;
}
