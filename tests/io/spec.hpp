// Test support for the GGUF tests: the block formats and the container transcribed from
// their specifications (ggml docs/gguf.md, issue #23), independently of bitla's codecs —
// nothing here calls bitla/io. Bytes are built field by field, so tests can also write
// files that lie.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace spec {

using Bytes = std::vector<std::byte>;

/// IEEE binary16 bits -> value (finite), by the definition.
inline float half(std::uint16_t h) {
    const int e = (h >> 10) & 31, m = h & 1023;
    const double mag = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
    return static_cast<float>((h & 0x8000) ? -mag : mag);
}

// ---- the block formats, value j of a block; d the block's fp16 bits ----

/// TQ1_0 digit n of byte q: ((uint8)(q·3^n)·3) >> 8.
inline int tq1_digit(std::uint8_t q, int n) {
    int p = 1;
    for (int i = 0; i < n; ++i) p *= 3;
    return ((static_cast<std::uint8_t>(q * p)) * 3) >> 8;
}
/// The byte of base-3 digits t[0..4], t[0] most significant: ceil(v·256/243).
inline std::uint8_t tq1_byte(const int (&t)[5]) {
    const int v = (((t[0] * 3 + t[1]) * 3 + t[2]) * 3 + t[3]) * 3 + t[4];
    return static_cast<std::uint8_t>((v * 256 + 242) / 243);
}

/// One block of `values` (block elements, each in the format's range) with fp16 bits d.
inline void encode_block(const std::string& fmt, const int* v, std::uint16_t d, Bytes& out) {
    auto put = [&](int b) { out.push_back(static_cast<std::byte>(b)); };
    auto put_d = [&] { put(d & 0xff); put(d >> 8); };
    if (fmt == "TQ1_0") {
        for (int m = 0; m < 32; ++m) {
            const int t[5] = {v[m] + 1, v[32 + m] + 1, v[64 + m] + 1, v[96 + m] + 1, v[128 + m] + 1};
            put(tq1_byte(t));
        }
        for (int m = 0; m < 16; ++m) {
            const int t[5] = {v[160 + m] + 1, v[176 + m] + 1, v[192 + m] + 1, v[208 + m] + 1, v[224 + m] + 1};
            put(tq1_byte(t));
        }
        for (int j = 0; j < 4; ++j) {  // four digits pre-multiplied by 3: a fifth digit 0
            const int t[5] = {v[240 + j] + 1, v[244 + j] + 1, v[248 + j] + 1, v[252 + j] + 1, 0};
            put(tq1_byte(t));
        }
        put_d();
    } else if (fmt == "TQ2_0") {
        for (int i = 0; i < 64; ++i) {
            const int j = i / 32, m = i % 32;
            int b = 0;
            for (int l = 0; l < 4; ++l) b |= (v[128 * j + 32 * l + m] + 1) << (2 * l);
            put(b);
        }
        put_d();
    } else if (fmt == "Q1_0") {
        put_d();
        for (int i = 0; i < 16; ++i) {
            int b = 0;
            for (int k = 0; k < 8; ++k) b |= (v[8 * i + k] == 1) << k;
            put(b);
        }
    } else if (fmt == "Q2_0") {
        put_d();
        for (int i = 0; i < 16; ++i) {
            int b = 0;
            for (int k = 0; k < 4; ++k) b |= (v[4 * i + k] + 1) << (2 * k);
            put(b);
        }
    } else if (fmt == "I2_S") {  // no d: one float per tensor, after all blocks
        for (int j = 0; j < 32; ++j)
            put(((v[j] + 1) << 6) | ((v[32 + j] + 1) << 4) | ((v[64 + j] + 1) << 2) | (v[96 + j] + 1));
    }
}

/// Value j of a block (an integer: the code minus its offset).
inline int block_value(const std::string& fmt, const std::byte* b, int j) {
    auto at = [&](int i) { return std::to_integer<int>(b[i]); };
    if (fmt == "TQ1_0") {
        if (j < 160) return tq1_digit(static_cast<std::uint8_t>(at(j % 32)), j / 32) - 1;
        if (j < 240) return tq1_digit(static_cast<std::uint8_t>(at(32 + (j - 160) % 16)), (j - 160) / 16) - 1;
        return tq1_digit(static_cast<std::uint8_t>(at(48 + (j - 240) % 4)), (j - 240) / 4) - 1;
    }
    if (fmt == "TQ2_0") return ((at(32 * (j / 128) + j % 32) >> (2 * ((j % 128) / 32))) & 3) - 1;
    if (fmt == "Q1_0") return ((at(2 + j / 8) >> (j % 8)) & 1) ? 1 : -1;
    if (fmt == "Q2_0") return ((at(2 + j / 4) >> (2 * (j % 4))) & 3) - 1;
    return ((at(j % 32) >> (6 - 2 * (j / 32))) & 3) - 1;  // I2_S
}

struct Format {
    std::string name;
    std::uint32_t id;
    std::size_t block, bytes;
    int d_at;  // < 0: no per-block d
    int lo, hi;
};
inline const Format formats[] = {
    {"TQ1_0", 34, 256, 54, 52, -1, 1}, {"TQ2_0", 35, 256, 66, 64, -1, 1}, {"Q1_0", 41, 128, 18, 0, -1, 1},
    {"Q2_0", 42, 64, 18, 0, -1, 2},    {"I2_S", 36, 128, 32, -1, -1, 1},
};

/// The whole tensor (n values, one d per block; I2_S: one float scale) as the file holds it.
inline Bytes encode(const Format& f, const std::vector<int>& v, const std::vector<std::uint16_t>& d, float i2s_scale) {
    Bytes out;
    for (std::size_t b = 0; b * f.block < v.size(); ++b) encode_block(f.name, v.data() + b * f.block, d[b], out);
    if (f.name == "I2_S") {
        std::uint32_t u;
        std::memcpy(&u, &i2s_scale, 4);
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>(u >> (8 * i)));
        for (int i = 0; i < 28; ++i) out.push_back(std::byte{0xa5});  // never written: any bytes
    }
    return out;
}

/// The file's dequantization: value · d (as float(value) * d in float).
inline std::vector<float> decode(const Format& f, const Bytes& bytes, std::size_t n) {
    std::vector<float> out(n);
    float tensor_scale = 0;
    if (f.name == "I2_S") std::memcpy(&tensor_scale, bytes.data() + n / 4, 4);
    for (std::size_t i = 0; i < n; ++i) {
        const std::byte* b = bytes.data() + i / f.block * f.bytes;
        const float d = f.d_at < 0 ? tensor_scale
                                   : half(static_cast<std::uint16_t>(std::to_integer<int>(b[f.d_at]) |
                                                                     (std::to_integer<int>(b[f.d_at + 1]) << 8)));
        out[i] = static_cast<float>(block_value(f.name, b, static_cast<int>(i % f.block))) * d;
    }
    return out;
}

// ---- the container, field by field ----

struct Writer {
    Bytes out;
    template <class T>
    Writer& raw(T v) {
        unsigned char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));  // little-endian host (x86-64, aarch64)
        for (unsigned char c : b) out.push_back(static_cast<std::byte>(c));
        return *this;
    }
    Writer& str(const std::string& s) {
        raw<std::uint64_t>(s.size());
        for (char c : s) out.push_back(static_cast<std::byte>(c));
        return *this;
    }
    Writer& header(std::uint64_t tensors, std::uint64_t kvs) {
        for (char c : std::string("GGUF")) out.push_back(static_cast<std::byte>(c));
        return raw<std::uint32_t>(3).raw(tensors).raw(kvs);
    }
    Writer& kv_u32(const std::string& k, std::uint32_t v) { return str(k).raw<std::uint32_t>(4).raw(v); }
    Writer& tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t offset) {
        str(name).raw<std::uint32_t>(static_cast<std::uint32_t>(ne.size()));
        for (auto x : ne) raw(x);
        return raw(type).raw(offset);
    }
    Writer& pad(std::size_t a) {
        while (out.size() % a) out.push_back(std::byte{0});
        return *this;
    }
    Writer& data(const Bytes& b) {
        out.insert(out.end(), b.begin(), b.end());
        return *this;
    }
};

}  // namespace spec
