// A runtime-dispatched consumer: it must hold the kernels of every ISA it was built with
// that this CPU runs (a build route that drops the per-ISA units leaves only generic), and
// its dispatched GEMV must match bitla's reference.
#include <bitla/arch/dispatch.hpp>
#include <bitla/gemm/add.hpp>
#include <bitla/kernels/generic/reference.hpp>

#include <cstdio>

int main() {
    using namespace bitla;
    static_assert(BITLA_RUNTIME_DISPATCH, "bitla_enable_runtime_dispatch did not define BITLA_RUNTIME_DISPATCH");

    bool ok = true;
    std::printf("consumer_dispatch: available:");
    for (isa i : all_isas) {
#if defined(BITLA_EXPECT_ONLY_AVX2)
        const bool built = i == isa::generic || (build_platform == "x86_64" && i == isa::avx2);
#else
        const bool built = true;  // every ISA of the platform
#endif
        const bool want = built && cpu_supports(detail::cpu(), i);
        if (is_available(i)) std::printf(" %s", name(i).data());
        if (is_available(i) != want) {
            std::printf(" [%s: %s]", name(i).data(), want ? "MISSING" : "UNEXPECTED");
            ok = false;
        }
    }
    std::printf("; runs %s\n", name(active_isa()).data());

    Matrix<float> wv(5, 70);
    Matrix<std::int8_t> x(1, 70);
    for (std::size_t k = 0; k < 70; ++k) {
        x(0, k) = static_cast<std::int8_t>(int(k * 37 % 255) - 127);
        for (std::size_t n = 0; n < 5; ++n) wv(n, k) = float(int((n * 7 + k * 3) % 3) - 1);
    }
    const auto w = TernaryPacked<enc::code2>::from_values(wv);
    Matrix<std::int32_t> want(1, 5), got(1, 5);
    reference::gemm(x, w, want);
    gemm(x, pack_add(w), got);
    for (std::size_t n = 0; n < 5; ++n) ok = ok && got(0, n) == want(0, n);
    std::printf("consumer_dispatch: ternary GEMV %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
