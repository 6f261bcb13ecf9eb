// bitla/quant/quant.hpp — every quantizer: float matrices to bitla's packed types.
//
//   quantize_sign(w)          XNOR-Net: ±1 bits + per-row α = mean|w|            sign.hpp
//   quantize_absmean(w)       BitNet b1.58: ternary + γ = mean|W|                absmean.hpp
//   quantize_absmax(x)        per-row int8 activations, x ≈ q · scale           absmax.hpp
//   quantize_hqq(w, options)  HQQ 1..8 / 1.58 bits, faithful or improved        hqq.hpp
//   fit_low_rank(r, rank)     randomized-SVD correction B·A; hqq_low_rank        low_rank.hpp
//   hqq_pack / hqq_unpack     HQQ's own planar bit packing                       hqq_packing.hpp
#pragma once

#include "absmax.hpp"
#include "absmean.hpp"
#include "hqq.hpp"
#include "hqq_packing.hpp"
#include "low_rank.hpp"
#include "sign.hpp"
