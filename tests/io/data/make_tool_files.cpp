// make_tool_files: writes the GGUF files of tests/io/data with the formats' own tools, and
// beside each tensor the float32 values those tools decode from it. Not built by bitla's
// CMake (it links ggml and compiles a bitnet.cpp source); tests/io/tool_files_gguf.cpp reads
// its output. Own code: it only calls the tools.
//
//   ggml_d99724f.gguf    written by ggml's gguf writer (gguf_set_*, gguf_add_tensor,
//                        gguf_write_to_file); TQ1_0, TQ2_0, Q1_0, Q2_0, F16, BF16 quantized by
//                        ggml_quantize_chunk, F32 as given, and four tensors of hand-set block
//                        bytes ("*.bytes": every byte value, fp16 d chosen)
//   ggml_d99724f.misaligned.gguf  what the writer makes of general.alignment set on an empty
//                        context (offsets still at multiples of 32): ggml's reader rejects it
//   bitnet_16da220.gguf  bitnet.cpp's I2_S: codes and scale by its quantize_i2_s
//                        (src/ggml-bitnet-mad.cpp, unmodified, ACT_PARALLEL as its
//                        include/gemm-config.h sets), laid out as its llama-quantize does
//   <file>.<tensor>.bin  the values as the tool decodes them, little-endian float32, row-major
//                        (ggml: type_traits->to_float; F32: ggml_get_f32_1d. bitnet.cpp has no
//                        I2_S dequantization in its tree: value j of row r is its own kernel
//                        ggml_vec_dot_i2_i8_s against the one-hot int8 vector e_j, minus the
//                        activation sum 1, times the tensor scale — the float its matmul
//                        computes, (dot - act_sum) / act_scale * scale with act_scale = 1)
//
// Rebuild (x86-64 with AVX2, g++ 12; ggml-org/ggml d99724f2b141fed9e1a9f402213506c081433465,
// microsoft/BitNet 16da220ae2b510caff437d403288882687f44ae5; README.md has the same), from
// the bitla checkout:
//
//   mkdir -p /tmp/ggml-src /tmp/bitnet-src
//   git -C <ggml clone> archive d99724f2b141fed9e1a9f402213506c081433465 | tar -x -C /tmp/ggml-src
//   git -C <BitNet clone> archive 16da220ae2b510caff437d403288882687f44ae5 src include | tar -x -C /tmp/bitnet-src
//   cmake -S /tmp/ggml-src -B /tmp/ggml-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_BUILD_TESTS=OFF -DGGML_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF
//   cmake --build /tmp/ggml-build -j2
//   g++ -O2 -mavx2 -mfma -std=c++17 -c -Itests/io/data/bitnet_shim -I/tmp/bitnet-src/include /tmp/bitnet-src/src/ggml-bitnet-mad.cpp -o /tmp/bitnet-mad.o
//   g++ -O2 -std=c++20 -I/tmp/ggml-src/include tests/io/data/make_tool_files.cpp /tmp/bitnet-mad.o /tmp/ggml-build/src/libggml.a /tmp/ggml-build/src/libggml-cpu.a /tmp/ggml-build/src/libggml-base.a -fopenmp -lm -o /tmp/make_tool_files
//   /tmp/make_tool_files tests/io/data
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ggml-cpu.h"
#include "ggml.h"
#include "gguf.h"

// bitnet.cpp's src/ggml-bitnet-mad.cpp (C++ linkage there).
size_t quantize_i2_s(const float* src, void* dst, int64_t nrow, int64_t n_per_row, const float* quant_weights);
void ggml_vec_dot_i2_i8_s(int n, float* s, size_t bs, const void* vx, size_t bx, const void* vy, size_t by, int nrc);

namespace {

static_assert(std::endian::native == std::endian::little, "the .bin files are written as the host's floats");

std::string out_dir;

void fail(const std::string& what) {
    std::fprintf(stderr, "make_tool_files: %s\n", what.c_str());
    std::exit(1);
}

void write_file(const std::string& name, const void* data, size_t bytes) {
    const std::string path = out_dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(data, 1, bytes, f) != bytes || std::fclose(f) != 0) fail("cannot write " + path);
    std::printf("%-40s %6zu bytes\n", name.c_str(), bytes);
}

/// A fixed pseudo-random sequence (xorshift32), so that the files are reproducible.
struct Rng {
    uint32_t s = 0x2545f491u;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        return s;
    }
    float uniform() { return static_cast<float>(next() >> 8) / 8388608.0f - 1.0f; }  // [-1, 1)
};

/// N x K source values with the edge rows: 0 random, 1 all zero, 2 tiny values in its first
/// half (block scales d below fp16's smallest normal) and large ones after, 3 zero but for
/// one value at the end of a 256-value block (the end of a block of every format), 4 random
/// with exact zeros and halves between quantization steps.
std::vector<float> source(size_t n, size_t k, Rng& g) {
    std::vector<float> x(n * k);
    for (size_t r = 0; r < n; ++r)
        for (size_t c = 0; c < k; ++c) {
            float v = g.uniform();
            if (r == 1) v = 0.0f;
            if (r == 2) v *= c < k / 2 ? 1.0e-5f : 100.0f;
            if (r == 3) v = c == 255 ? 0.75f : c == k - 1 ? -2.5f : 0.0f;
            if (r == 4 && c % 5 == 0) v = 0.0f;
            if (r == 4 && c % 7 == 0) v = 0.5f;
            if (r == 4 && c == 1) v = -1.0f;
            x[r * k + c] = v;
        }
    return x;
}

struct Tensor {
    std::string name;
    ggml_type type;
    int64_t k, n;
    std::vector<uint8_t> bytes;
};

/// The values ggml decodes from t's bytes.
std::vector<float> ggml_decode(ggml_context* ctx, const Tensor& t) {
    std::vector<float> y(static_cast<size_t>(t.k * t.n));
    if (t.type == GGML_TYPE_F32) {  // F32 has no to_float: read it as ggml's CPU backend does
        ggml_tensor* v = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, t.k, t.n);
        std::memcpy(v->data, t.bytes.data(), t.bytes.size());
        for (size_t i = 0; i < y.size(); ++i) y[i] = ggml_get_f32_1d(v, static_cast<int>(i));
        return y;
    }
    const ggml_type_traits* traits = ggml_get_type_traits(t.type);
    if (traits->to_float == nullptr) fail(t.name + ": no to_float");
    traits->to_float(t.bytes.data(), y.data(), static_cast<int64_t>(y.size()));
    return y;
}

Tensor quantized(const char* name, ggml_type type, const std::vector<float>& x, int64_t k, int64_t n) {
    Tensor t{name, type, k, n, std::vector<uint8_t>(ggml_row_size(type, k) * static_cast<size_t>(n))};
    const size_t written = ggml_quantize_chunk(type, x.data(), t.bytes.data(), 0, n, k, nullptr);
    if (written != t.bytes.size()) fail(std::string(name) + ": ggml_quantize_chunk wrote an unexpected size");
    return t;
}

/// Blocks whose payload bytes run through every byte value and whose fp16 d cycles through
/// 1, -0.5, the smallest subnormal, 65504 and -0: what the quantizers never write, decoded
/// by the same to_float (TQ2_0 and Q2_0 codes 3 included).
Tensor every_byte(const char* name, ggml_type type, int64_t k, int64_t n) {
    const size_t block_bytes = ggml_type_size(type), blocks = ggml_row_size(type, k) * n / block_bytes;
    const size_t d_at = type == GGML_TYPE_TQ1_0 || type == GGML_TYPE_TQ2_0 ? block_bytes - 2 : 0;
    const uint16_t ds[] = {0x3c00, 0xb800, 0x0001, 0x7bff, 0x8000};
    Tensor t{name, type, k, n, std::vector<uint8_t>(blocks * block_bytes)};
    size_t byte = 0;
    for (size_t b = 0; b < blocks; ++b) {
        uint8_t* p = t.bytes.data() + b * block_bytes;
        for (size_t i = 0; i < block_bytes; ++i)
            if (i < d_at || i >= d_at + 2) p[i] = static_cast<uint8_t>(byte++);
        const uint16_t d = ds[b % 5];
        std::memcpy(p + d_at, &d, 2);
    }
    return t;
}

void write_bins(const std::string& stem, const Tensor& t, const std::vector<float>& y) {
    write_file(stem + "." + t.name + ".bin", y.data(), y.size() * sizeof(float));
}

void set_metadata(gguf_context* g) {
    // tests/io/tool_files_gguf.cpp checks each of these values.
    gguf_set_val_str(g, "general.architecture", "bitla-tool-files");
    gguf_set_val_str(g, "general.name", "ggml d99724f quantizers: tern\xc3\xa4r \xe2\x9c\x93");
    gguf_set_val_u32(g, "general.alignment", 64);
    gguf_set_val_u8(g, "test.u8", 200);
    gguf_set_val_i8(g, "test.i8", -100);
    gguf_set_val_u16(g, "test.u16", 60000);
    gguf_set_val_i16(g, "test.i16", -30000);
    gguf_set_val_u32(g, "test.u32", 4000000000u);
    gguf_set_val_i32(g, "test.i32", -2000000000);
    gguf_set_val_f32(g, "test.f32", 1.5f);
    gguf_set_val_bool(g, "test.bool", true);
    gguf_set_val_u64(g, "test.u64", uint64_t{1} << 60);
    gguf_set_val_i64(g, "test.i64", -(int64_t{1} << 60));
    gguf_set_val_f64(g, "test.f64", -0.25);
    gguf_set_val_str(g, "test.empty", "");
    const int32_t ids[] = {1, -2, 3, -4};
    gguf_set_arr_data(g, "test.arr_i32", GGUF_TYPE_INT32, ids, 4);
    const float scores[] = {0.5f, -1.0f, 3.25f};
    gguf_set_arr_data(g, "test.arr_f32", GGUF_TYPE_FLOAT32, scores, 3);
    const char* tokens[] = {"<s>", "", "hello"};
    gguf_set_arr_str(g, "test.arr_str", tokens, 3);
}

void ggml_file(ggml_context* ctx) {
    Rng g;
    const std::vector<float> x512 = source(5, 512, g), x256 = source(5, 256, g);
    // Floats that exercise the conversions: ±0, subnormals of fp16, bf16 and fp32, the
    // largest fp16 and the first value rounding to infinity, ties, infinities, NaNs.
    std::vector<float> special = {0.0f, -0.0f, 1.0f, -1.0f, 65504.0f, 65520.0f, 65519.99f, 5.9604645e-8f,
                                  2.9802322e-8f, 6.097555e-5f, 1.0e-40f, -1.0e-45f, 3.0e38f, 1.00390625f,
                                  1.005859375f, 0.1f, std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                                  -std::numeric_limits<float>::quiet_NaN(), std::bit_cast<float>(0x7fa00001u),
                                  std::bit_cast<float>(0xffc12345u)};
    while (special.size() < 64) special.push_back(g.uniform() * 1000.0f);

    std::vector<Tensor> ts;
    ts.push_back(quantized("tq1_0", GGML_TYPE_TQ1_0, x512, 512, 5));
    ts.push_back(quantized("tq2_0", GGML_TYPE_TQ2_0, x512, 512, 5));
    ts.push_back(quantized("q1_0", GGML_TYPE_Q1_0, x256, 256, 5));
    ts.push_back(quantized("q2_0", GGML_TYPE_Q2_0, x256, 256, 5));
    ts.push_back(quantized("f16", GGML_TYPE_F16, special, 32, 2));
    ts.push_back(quantized("bf16", GGML_TYPE_BF16, special, 32, 2));
    ts.push_back(quantized("f32", GGML_TYPE_F32, special, 32, 2));
    ts.push_back(every_byte("tq1_0.bytes", GGML_TYPE_TQ1_0, 256, 5));
    ts.push_back(every_byte("tq2_0.bytes", GGML_TYPE_TQ2_0, 256, 4));
    ts.push_back(every_byte("q1_0.bytes", GGML_TYPE_Q1_0, 256, 8));
    ts.push_back(every_byte("q2_0.bytes", GGML_TYPE_Q2_0, 256, 4));

    // gguf_set_val_u32(ctx, "general.alignment", 64) on an empty context stores the key but
    // leaves the context's own alignment at 32 (gguf_add_tensor and the writer pad to 32), so
    // ggml writes offsets that its reader, and bitla, reject (misaligned_file below). A
    // context read from a file takes the key's alignment: the metadata goes through a file.
    gguf_context* meta = gguf_init_empty();
    set_metadata(meta);
    const std::string stem = "ggml_d99724f", meta_path = out_dir + "/" + stem + ".meta.tmp";
    if (!gguf_write_to_file(meta, meta_path.c_str(), false)) fail("cannot write " + meta_path);
    gguf_free(meta);
    gguf_context* gg = gguf_init_from_file(meta_path.c_str(), gguf_init_params{true, nullptr});
    std::remove(meta_path.c_str());
    if (gg == nullptr || gguf_get_alignment(gg) != 64) fail("the metadata did not read back with alignment 64");
    for (const Tensor& t : ts) {
        ggml_tensor* v = ggml_new_tensor_2d(ctx, t.type, t.k, t.n);
        ggml_set_name(v, t.name.c_str());
        if (ggml_nbytes(v) != t.bytes.size()) fail(t.name + ": size");
        std::memcpy(v->data, t.bytes.data(), t.bytes.size());
        gguf_add_tensor(gg, v);
        write_bins(stem, t, ggml_decode(ctx, t));
    }
    const std::string path = out_dir + "/" + stem + ".gguf";
    if (!gguf_write_to_file(gg, path.c_str(), false)) fail("cannot write " + path);
    gguf_free(gg);
    gguf_context* back = gguf_init_from_file(path.c_str(), gguf_init_params{true, nullptr});
    if (back == nullptr) fail("ggml does not read back " + path);
    gguf_free(back);
    std::printf("%-40s written by gguf_write_to_file, read back by gguf_init_from_file\n", (stem + ".gguf").c_str());
}

/// What gguf_set_val_u32(ctx, "general.alignment", 64) on an empty context gives: the key
/// says 64, the offsets follow 32 (two 16-byte F32 tensors: the second at 32). ggml's own
/// reader rejects the file ("has offset 32, expected 64"); so must bitla.
void misaligned_file(ggml_context* ctx) {
    gguf_context* gg = gguf_init_empty();
    gguf_set_val_u32(gg, "general.alignment", 64);
    for (const char* name : {"a", "b"}) {
        ggml_tensor* v = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
        ggml_set_name(v, name);
        for (int i = 0; i < 4; ++i) ggml_set_f32_1d(v, i, static_cast<float>(i));
        gguf_add_tensor(gg, v);
    }
    const std::string name = "ggml_d99724f.misaligned.gguf", path = out_dir + "/" + name;
    if (!gguf_write_to_file(gg, path.c_str(), false)) fail("cannot write " + path);
    gguf_free(gg);
    gguf_context* back = gguf_init_from_file(path.c_str(), gguf_init_params{true, nullptr});
    if (back != nullptr) fail("ggml now reads " + path + ": its writer honours general.alignment");
    std::printf("%-40s written by gguf_write_to_file, rejected by gguf_init_from_file\n", name.c_str());
}

/// bitnet.cpp's I2_S layer as its llama-quantize writes one: the metadata and directory by
/// the gguf writer (gguf_get_meta_data), then each tensor's bytes followed by zeros up to
/// the alignment. The I2_S tensor's bytes are what quantize_i2_s returns: n/4 bytes of codes,
/// its float32 scale and 28 bytes it never writes (llama-quantize's buffer is uninitialized:
/// here they hold 0xa5, which a reader must ignore).
void bitnet_file(ggml_context* ctx) {
    constexpr int64_t K = 256, N = 4;
    Rng g;
    g.s = 0x9e3779b9u;
    // A BitNet layer: ternary multiples of one scale (quantize_i2_s keeps signs, maps |x| < 1e-6
    // to 0 and takes the tensor's max |x| as the scale). Row 1 all zero, row 2 tiny values
    // (below 1e-6: zeros) but for one value at the end of a 128-value block.
    std::vector<float> w(static_cast<size_t>(K * N));
    for (int64_t r = 0; r < N; ++r)
        for (int64_t c = 0; c < K; ++c) {
            const uint32_t u = g.next() % 3;
            float v = u == 0 ? -0.8125f : u == 1 ? 0.0f : 0.8125f;
            if (r == 0 && c == 7) v = 0.8125f * 1.0000001f;  // the max: the scale is not a round number
            if (r == 1) v = 0.0f;
            if (r == 2) v = c == 127 ? -0.5f : 4.0e-7f;
            w[static_cast<size_t>(r * K + c)] = v;
        }
    std::vector<uint8_t> i2(static_cast<size_t>(K * N / 4 + 32), 0xa5);
    const size_t size = quantize_i2_s(w.data(), i2.data(), N, K, nullptr);
    if (size != i2.size()) fail("quantize_i2_s returned an unexpected size");
    float scale;
    std::memcpy(&scale, i2.data() + K * N / 4, 4);

    // Decoded as bitnet.cpp's kernel computes: one-hot activations.
    std::vector<float> y(static_cast<size_t>(K * N));
    std::vector<int8_t> onehot(static_cast<size_t>(K), 0);
    for (int64_t r = 0; r < N; ++r)
        for (int64_t c = 0; c < K; ++c) {
            onehot[static_cast<size_t>(c)] = 1;
            float dot = 0;
            ggml_vec_dot_i2_i8_s(static_cast<int>(K), &dot, 0, i2.data() + r * K / 4, 0, onehot.data(), 0, 1);
            onehot[static_cast<size_t>(c)] = 0;
            const float act_sum = 1.0f, act_scale = 1.0f;
            y[static_cast<size_t>(r * K + c)] = (dot - act_sum) / act_scale * scale;
        }

    Tensor norm{"norm", GGML_TYPE_F32, K, 1, std::vector<uint8_t>(K * 4)};
    for (int64_t c = 0; c < K; ++c) {
        const float v = 1.0f + static_cast<float>(c) / 64.0f;
        std::memcpy(norm.bytes.data() + c * 4, &v, 4);
    }

    gguf_context* gg = gguf_init_empty();
    gguf_set_val_str(gg, "general.architecture", "bitnet-b1.58");
    gguf_set_val_str(gg, "general.name", "bitnet.cpp 16da220 quantize_i2_s");
    gguf_set_val_u32(gg, "general.file_type", 40);  // LLAMA_FTYPE_MOSTLY_I2_S
    ggml_tensor* nv = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, K);
    ggml_set_name(nv, "norm");
    std::memcpy(nv->data, norm.bytes.data(), norm.bytes.size());
    gguf_add_tensor(gg, nv);
    // Mainline ggml has no type 36 (its size would divide by a block of 0): the directory
    // entry is ggml's, from a tensor whose type is set to bitnet.cpp's id. gguf_add_tensor
    // sizes only the tensor before it, so I2_S goes last.
    ggml_tensor i2v = *ggml_new_tensor_2d(ctx, GGML_TYPE_I8, K, N);
    i2v.type = static_cast<ggml_type>(36);
    ggml_set_name(&i2v, "blk.0.ffn_up.weight");
    gguf_add_tensor(gg, &i2v);

    std::vector<uint8_t> file(gguf_get_meta_size(gg));  // padded to the alignment: the data section's start
    gguf_get_meta_data(gg, file.data());
    const size_t alignment = gguf_get_alignment(gg), data = file.size();
    auto append = [&](const std::vector<uint8_t>& bytes, int64_t id) {
        if (file.size() - data != gguf_get_tensor_offset(gg, id)) fail("offset");
        file.insert(file.end(), bytes.begin(), bytes.end());
        file.resize((file.size() + alignment - 1) / alignment * alignment, 0);  // GGML_PAD, zeros
    };
    append(norm.bytes, 0);
    append(i2, 1);
    gguf_free(gg);

    const std::string stem = "bitnet_16da220";
    write_file(stem + ".gguf", file.data(), file.size());
    write_bins(stem, norm, ggml_decode(ctx, norm));
    write_file(stem + ".blk.0.ffn_up.weight.bin", y.data(), y.size() * sizeof(float));
    std::printf("I2_S scale %.9g (bits 0x%08x)\n", static_cast<double>(scale), std::bit_cast<uint32_t>(scale));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) fail("usage: make_tool_files OUT_DIR");
    out_dir = argv[1];
    ggml_cpu_init();
    ggml_init_params params{64u << 20, nullptr, false};
    ggml_context* ctx = ggml_init(params);
    ggml_file(ctx);
    misaligned_file(ctx);
    bitnet_file(ctx);
    ggml_free(ctx);
}
