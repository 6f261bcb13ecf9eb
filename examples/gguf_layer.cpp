// Write a BitNet layer to a GGUF file as TQ2_0, read it back (mapped, validated), and run
// it on the add-only GEMV — printing that the file's dequantization and the product agree.
//
//     W ≈ γ·T  --to_gguf-->  TQ2_0 blocks (256 values, fp16 d)  --import_ternary-->  T, d per 256
//
// Usage: gguf_layer [N = K, a multiple of 256, default 1024] [path, default a temp file]
#include <bitla/bitla.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024, k = n;
    const std::string path =
        argc > 2 ? argv[2] : (std::filesystem::temp_directory_path() / "bitla-gguf-layer.gguf").string();
    std::mt19937 rng(23);
    std::normal_distribution<float> g;
    bitla::Matrix<float> w(n, k);
    for (auto& v : w.flat()) v = 0.02f * g(rng);

    try {
        // Quantize (BitNet b1.58 absmean) and write one TQ2_0 tensor with some metadata.
        const auto q = bitla::quantize_absmean(w);
        const bitla::GgufTensorData t = bitla::to_gguf("blk.0.ffn_up.weight", bitla::GgufType::tq2_0, q);
        bitla::GgufMetadata meta;
        meta.set("general.architecture", std::string("bitnet-b1.58"));
        meta.set("general.name", std::string("bitla example layer"));
        const std::vector<bitla::GgufTensor> tensors = {t.view()};
        bitla::write_gguf(path, tensors, meta);

        // Read it back: every size and offset is checked before a byte is decoded.
        const auto f = bitla::GgufFile::open(path);
        const bitla::GgufTensor& tensor = f.tensor("blk.0.ffn_up.weight");
        const auto layer = bitla::import_ternary(tensor);  // ternary values, one fp16 d per 256
        const auto packed = bitla::pack_add(layer);
        std::printf("%s: %zu bytes, %zu tensor(s), %s %zu x %zu, kernels: %s\n", path.c_str(),
                    static_cast<std::size_t>(std::filesystem::file_size(path)), f.tensors().size(),
                    bitla::name(tensor.type), tensor.rows(), tensor.cols(),
                    std::string(bitla::name(bitla::active_isa())).c_str());

        // One token: int8 activations with an absmax scale, then the GEMV.
        bitla::Matrix<float> x(1, k);
        for (auto& v : x.flat()) v = g(rng);
        const auto xq = bitla::quantize_absmax(x);
        std::vector<float> y(n);
        bitla::gemv(bitla::Int8Vector{xq.values.row(0), xq.scale(0, 0)}, packed, std::span<float>(y));

        // The file's own dequantization, in double, with the same int8 activations.
        const bitla::Matrix<float> wd = bitla::dequantize(tensor);
        double worst = 0, scale = 0;
        for (std::size_t j = 0; j < n; ++j) {
            double s = 0;
            for (std::size_t i = 0; i < k; ++i) s += double(xq.values(0, i)) * double(wd(j, i));
            s *= double(xq.scale(0, 0));
            worst = std::max(worst, std::abs(s - double(y[j])));
            scale = std::max(scale, std::abs(s));
        }
        std::printf("GEMV vs the file's dequantization: max |diff| = %.3g (largest |y| %.3g)\n", worst, scale);
        std::filesystem::remove(path);
        return worst <= 1e-5 * scale ? 0 : 1;
    } catch (const bitla::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
}
