// bitla/kernels/families.hpp — the list of kernel families (one line each).
//
// A family is a struct of function pointers, one per microkernel of one operation, plus
//
//     template <class Arch> static Family make() noexcept;
//
// which fills the pointers with the kernels for Arch (an arch/table.hpp tag). `make` is
// written once; where an ISA has nothing better for an operation it may reuse a lower
// ISA's kernel (the levels nest, see arch/isa.hpp). Drivers get a family with
// `active_kernels<Family>()` (arch/dispatch.hpp) and call through it once per tile or panel,
// never per element.
#pragma once

#include "add.hpp"
#include "isa_probe.hpp"
#include "low_rank.hpp"
#include "xnor.hpp"

/// Calls X(Family, tag) for every family. Add a family here and in the include list above.
#define BITLA_FOR_EACH_FAMILY_OF(X, tag) X(bitla::IsaProbe, tag) X(bitla::AddKernels, tag) X(bitla::XnorKernels, tag) X(bitla::LowRankKernels, tag)
