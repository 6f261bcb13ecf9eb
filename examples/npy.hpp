// examples/npy.hpp — a float32 matrix as a NumPy .npy file (format version 1.0), for
// bitla-inspect's dumps: the magic "\x93NUMPY", version 1 0, the header's length (u16,
// little-endian), the header dict padded with spaces to a multiple of 64 bytes and ending
// in '\n', then the values row by row (C order), little-endian.
#pragma once

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <bitla/core/error.hpp>
#include <bitla/core/matrix.hpp>

namespace npy {

/// Writes m (N x K) to path as float32 of shape (N, K); bitla::error (argument: the path)
/// if the file cannot be written.
inline void write(const std::filesystem::path& path, const bitla::Matrix<float>& m) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(m.rows()) + ", " +
                         std::to_string(m.cols()) + "), }";
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    for (const float v : m.flat()) {
        const auto u = std::bit_cast<std::uint32_t>(v);
        for (int i = 0; i < 4; ++i) out += static_cast<char>((u >> (8 * i)) & 0xff);
    }
    std::ofstream file(path, std::ios::binary);
    file.write(out.data(), static_cast<std::streamsize>(out.size()));
    file.close();
    bitla::detail::require(file.good(), path.string(), "cannot write the .npy file: ", std::strerror(errno));
}

}  // namespace npy
