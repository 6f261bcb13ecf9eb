// A portable binary: built for baseline x86-64 with bitla's runtime dispatch, it runs the
// best kernels the CPU and OS support, says which, and shows the override.
//
// CMake: bitla_add_dispatch_library(my_dispatch) once, then
//        target_link_libraries(my_app PRIVATE my_dispatch)   (or bitla_enable_runtime_dispatch(my_app))
// Override: BITLA_ISA=avx2 ./portable_dispatch, or bitla::set_isa_limit(bitla::isa::avx2).
//
// Usage: portable_dispatch [bits per row, default 4096]
#include <bitla/bitla.hpp>
#include <bitla/gemm/xnor.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

int main(int argc, char** argv) {
    const std::size_t k = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 4096, m = 256, n = 256;
    std::printf("ISAs this binary has and this CPU supports:");
    for (bitla::isa i : bitla::available_isas()) std::printf(" %s", std::string(bitla::name(i)).c_str());
    std::printf("\nbest: %s; active now: %s%s\n", std::string(bitla::name(bitla::best_isa())).c_str(),
                std::string(bitla::name(bitla::active_isa())).c_str(),
                std::getenv("BITLA_ISA") ? " (limited by BITLA_ISA)" : "");

    std::mt19937 rng(1);
    const auto a = bitla::BitPacked<bitla::enc::sign>::generate(m, k, [&](std::size_t, std::size_t) { return rng() & 1; });
    const auto w = bitla::BitPacked<bitla::enc::sign>::generate(n, k, [&](std::size_t, std::size_t) { return rng() & 1; });
    bitla::Matrix<std::int32_t> want(m, n), y(m, n);
    bitla::reference::xnor_gemm(a, w, want.view());

    // The same product under every ISA up to the active one: same bits, different speed.
    bitla::ThreadPool one(1);
    const bitla::isa top = bitla::active_isa();
    for (bitla::isa i : bitla::available_isas()) {
        if (!bitla::extends(top, i)) continue;  // only the active ISA and the ones it extends
        bitla::ScopedIsaLimit limit(i);
        const auto t0 = std::chrono::steady_clock::now();
        int reps = 0;
        do bitla::xnor_gemm(a, w, y.view(), {&one}), ++reps;
        while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(50));
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
        bool same = true;
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t c = 0; c < n; ++c) same = same && y(r, c) == want(r, c);
        std::printf("  xnor_gemm %zux%zux%zu on %-15s %8.1f G binary MAC/s  %s\n", m, n, k,
                    std::string(bitla::name(i)).c_str(), double(m * n * k) / s * 1e-9, same ? "bit-exact" : "MISMATCH");
        if (!same) return 1;
    }
    return 0;
}
