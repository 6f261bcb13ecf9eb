// bitla/kernels/bit_ops.hpp — the few vector operations the popcount kernels are written
// over, one specialisation per instruction set (the way xsimd's arch files add what the
// generic layer lacks). The kernels themselves (kernels/xnor.hpp) are written once.
//
// `bit_ops<Arch>` for an arch/table.hpp tag provides:
//
//   using reg                              one register of `lanes` 64-bit lanes
//   lanes                                  64-bit lanes per register (divides 8)
//   mr, nr                                 the xnor tile: mr x nr outputs, nr a multiple of
//                                          lanes, mr * nr / lanes accumulators + nr / lanes
//                                          operands + a few temporaries fit the register file
//   zero()                                 all lanes 0
//   load(p)                                lanes words from p (any alignment)
//   broadcast(p)                           *p in every lane
//   xor_popcount_add(acc, a, b)            acc + popcount(a ^ b), lane by lane (an
//                                          accumulator may hold a lane in any form the
//                                          stores and reduce read back: NEON's is two
//                                          32-bit halves)
//   store_u32(out, acc)                    the lanes (each < 2^32) as lanes uint32 at out
//   store_dot_i32(out, acc, k)             k - 2 * lane (each lane <= k < 2^31) as lanes
//                                          int32 at out: the +-1 dot product of a sum
//   reduce(acc)                            the sum of the lanes
//
// Everything here is compiled into one translation unit per ISA (runtime dispatch), so every
// function is a member of a specialisation on the ISA's own tag: no inline function shared
// by two ISA units can carry the wider unit's instructions into the narrower one. Where
// two levels share an implementation (avx512_vpopcnt and avx512_vnni) it is a template on
// the tag, instantiated once per tag.
//
// Each ISA folder defines its operations as a template on the tag, `<isa>_bit_ops<Arch>`,
// and declares `template <class Arch> <isa>_bit_ops<Arch> bit_ops_for(arch::<isa>, pick)`:
// bit_ops<Arch> is Arch's own folder's or its nearest ancestor's (kernels/select.hpp). A
// new ISA is one folder with one such file.
#pragma once

#include <cstddef>
#include <cstdint>

#include "select.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

}  // namespace kernels
BITLA_END_NAMESPACE

#include "generic/bit_ops.hpp"
#include "avx2/bit_ops.hpp"
#include "avx512bw/bit_ops.hpp"
#include "avx512_vpopcnt/bit_ops.hpp"
#include "neon/bit_ops.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

/// The popcount operations for tag Arch: its own folder's, else its nearest ancestor's.
template <class Arch>
using bit_ops = decltype(bit_ops_for<Arch>(Arch{}, pick{}));

}  // namespace kernels
BITLA_END_NAMESPACE
