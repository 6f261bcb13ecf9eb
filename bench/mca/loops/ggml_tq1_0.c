// ggml's TQ1_0 x Q8_K dot product (base-3, 5 trits per byte, 256 per block), compiled from
// a ggml checkout (not part of bitla): its NEON loop with dotprod.
// mca: name="ggml TQ1_0" function=ggml_vec_dot_tq1_0_q8_K march=armv8.2-a+dotprod marker=sdot weights=16 needs=ggml
#include "ggml-cpu/arch/arm/quants.c"
