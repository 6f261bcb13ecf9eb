// libFuzzer target: any bytes through GgufFile::parse and, when they parse, every tensor
// through dequantize and the import that takes its type. The only outcome allowed besides
// success is a bitla::error; a crash, a sanitizer report, a leak or a hang is a finding.
// Tensors of more than 2^20 values are skipped: a huge valid file would only slow the fuzzer
// down, and its size checks ran in parse already. (Tensors without values are not: their
// other dimensions may be anything, and decoding them must not cost their row count.)
#include <bitla/io/gguf.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

constexpr std::size_t max_values = std::size_t{1} << 20;

void walk(const bitla::GgufTensor& t) {
    using bitla::GgufType;
    (void)bitla::dequantize(t);
    switch (t.type) {
        case GgufType::tq1_0: (void)bitla::import_ternary<bitla::enc::base3>(t); [[fallthrough]];
        case GgufType::tq2_0: (void)bitla::import_ternary(t); break;
        case GgufType::i2_s: (void)bitla::import_i2_s(t); break;
        case GgufType::q1_0: (void)bitla::import_q1_0(t); break;
        case GgufType::q2_0: (void)bitla::import_q2_0(t); break;
        default: break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto f = bitla::GgufFile::parse(std::as_bytes(std::span(data, size)), "fuzz.gguf");
        for (const auto& [key, value] : f.metadata().entries) (void)value.describe();
        for (const bitla::GgufTensor& t : f.tensors()) {
            if (!bitla::info(t.type).decodable || t.rows() * t.cols() > max_values) continue;
            try {
                walk(t);
            } catch (const bitla::error&) {  // a bad scale or code: the next tensor
            }
        }
    } catch (const bitla::error&) {
    }
    return 0;
}
