// ODR test: two translation units built with different ISA flags in one runtime-dispatched
// program, both calling bitla's kernels. This one has baseline flags; wide.cpp has the
// avx512_vpopcnt flags. Both must agree with the reference on every available ISA.
//
// What keeps this sound is the per-ISA units (the symbol scan, scan_isa_symbols.sh, checks
// they export no untagged wide code). A user unit compiled with wide flags, like wide.cpp,
// still shares inline bitla code (drivers, generic kernels) with baseline units, so it must
// only be built into programs that run where its flags do (here: checked before calling).
#include <bitla/gemm/xnor.hpp>
#include <bitla/kernels/generic/reference.hpp>

#include <cstdio>
#include <cstring>

bool odr_check_wide();

namespace {

bool odr_check_baseline() {
    auto a = bitla::BitPacked<bitla::enc::sign>::generate(19, 777, [](std::size_t r, std::size_t c) { return (r * 7 + c * c) % 5 < 2; });
    auto w = bitla::BitPacked<bitla::enc::sign>::generate(23, 777, [](std::size_t r, std::size_t c) { return (r + 3 * c) % 3 == 0; });
    bitla::Matrix<std::int32_t> want(19, 23), got(19, 23);
    bitla::reference::xnor_gemm(a, w, want);
    for (bitla::isa i : bitla::available_isas()) {
        bitla::ScopedIsaLimit limit(i);
        bitla::xnor_gemm(a, w, got);
        if (std::memcmp(want.data(), got.data(), want.flat().size_bytes()) != 0) return false;
    }
    return true;
}

}  // namespace

int main() {
    if (!odr_check_baseline()) {
        std::puts("baseline unit: xnor_gemm differs from the reference");
        return 1;
    }
    if (!bitla::is_available(bitla::isa::avx512_vpopcnt)) {
        std::puts("this CPU cannot run the avx512_vpopcnt unit: checked the baseline unit only");
        return 0;
    }
    if (!odr_check_wide()) {
        std::puts("avx512_vpopcnt unit: xnor_gemm differs from the reference");
        return 1;
    }
    std::puts("both units agree with the reference on every available ISA");
    return 0;
}
