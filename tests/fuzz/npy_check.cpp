// Checks a .npy file that bitla-inspect --dump wrote, independently of its writer: NPY
// v1.0, exactly the header dict for float32 of shape (N, K) in C order, padded with spaces
// to a multiple of 64 bytes and ending in '\n', then the tensor's values, bit for bit
// those of bitla's readers: dequantize on a GGUF file; on a safetensors file (when built
// with nlohmann-json) floats() of an F32/F16/BF16 tensor, the ternary values of an HF
// BitNet weight, the dequantized HQQ layer of a W_q, or an integer tensor's values.
//
// Usage: npy-check OUT.npy FILE TENSOR     exit 0: matches; 1: prints what differs
#include <bitla/io/gguf.hpp>
#if BITLA_NPY_CHECK_SAFETENSORS
#include <bitla/io/hf_bitnet.hpp>
#include <bitla/io/hqq_safetensors.hpp>
#endif

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace {

bitla::Matrix<float> expected(const std::string& file, const std::string& tensor) {
#if BITLA_NPY_CHECK_SAFETENSORS
    if (std::string_view(file).ends_with(".safetensors")) {
        namespace st = bitla::safetensors;
        const auto f = st::File::open(file);
        const std::string_view n = tensor;
        const auto layer = [&](std::string_view suffix) { return std::string(n.substr(0, n.size() - suffix.size())); };
        if (n.ends_with(".W_q")) return bitla::read_hqq(f, layer(".W_q")).q.dequantize();
        const st::TensorInfo& t = f.at(tensor);
        if (n.ends_with(".weight") && t.dtype == st::Dtype::U8 && f.find(tensor + "_scale") != nullptr)
            return bitla::read_hf_bitnet(f, layer(".weight"), bitla::BitnetScaling::multiply).values.unpack<float>();
        const std::size_t cols = t.shape.empty() ? 1 : t.shape.back(), rows = cols == 0 ? 0 : t.elements / cols;
        if (st::is_float_dtype(t.dtype)) return f.floats(tensor, rows, cols);
        bitla::Matrix<float> m(rows, cols);  // integers: one-byte and two-byte ones are all exact
        const std::size_t size = st::element_size(t.dtype);
        for (std::size_t i = 0; i < t.elements; ++i) {
            std::uint64_t v = st::detail::load_le(f.bytes(t).data() + i * size, size);
            const bool is_signed = t.dtype == st::Dtype::I8 || t.dtype == st::Dtype::I16 ||
                                   t.dtype == st::Dtype::I32 || t.dtype == st::Dtype::I64;
            if (is_signed && size < 8 && (v >> (8 * size - 1)) != 0) v |= ~std::uint64_t{0} << (8 * size);
            m.flat()[i] = is_signed ? static_cast<float>(static_cast<std::int64_t>(v)) : static_cast<float>(v);
        }
        return m;
    }
#endif
    return bitla::dequantize(bitla::GgufFile::open(file).tensor(tensor));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: npy-check OUT.npy FILE TENSOR\n");
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    const std::string npy((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const bitla::Matrix<float> w = expected(argv[2], argv[3]);
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(w.rows()) + ", " +
                             std::to_string(w.cols()) + "), }";
    auto fail = [&](const char* what) {
        std::fprintf(stderr, "%s: %s\n", argv[1], what);
        return 1;
    };
    if (npy.size() < 10 || npy.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) != 0)
        return fail("no NPY v1.0 magic");
    const std::size_t header = static_cast<unsigned char>(npy[8]) | std::size_t{static_cast<unsigned char>(npy[9])} << 8;
    const std::size_t data = 10 + header;
    if (data % 64 != 0 || npy.size() < data || npy[data - 1] != '\n') return fail("header not padded to 64 with '\\n'");
    if (npy.substr(10, header) != dict + std::string(header - dict.size() - 1, ' ') + "\n")
        return fail(("header is not " + dict).c_str());
    const std::size_t bytes = npy.size() - data;
    // An empty tensor's values may have no storage: memcmp takes no null pointer.
    if (bytes != w.flat().size() * 4 || (bytes != 0 && std::memcmp(npy.data() + data, w.flat().data(), bytes) != 0))
        return fail("data differs from the reader's values");
    std::printf("%s: %zu x %zu float32, as the reader's values\n", argv[1], w.rows(), w.cols());
    return 0;
}
