// Checks a .npy file that bitla-inspect --dump wrote, independently of its writer: NPY
// v1.0, exactly the header dict for float32 of shape (N, K) in C order, padded with spaces
// to a multiple of 64 bytes and ending in '\n', then the tensor's values, bit for bit
// those of bitla::dequantize on the GGUF file.
//
// Usage: npy-check OUT.npy FILE.gguf TENSOR     exit 0: matches; 1: prints what differs
#include <bitla/io/gguf.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: npy-check OUT.npy FILE.gguf TENSOR\n");
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    const std::string npy((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const bitla::Matrix<float> w = bitla::dequantize(bitla::GgufFile::open(argv[2]).tensor(argv[3]));
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
    if (bytes != w.flat().size() * 4 || std::memcmp(npy.data() + data, w.flat().data(), bytes) != 0)
        return fail("data differs from dequantize");
    std::printf("%s: %zu x %zu float32, as dequantize\n", argv[1], w.rows(), w.cols());
    return 0;
}
