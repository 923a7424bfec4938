// A process-wide count of the nominal floating-point operations of the GEMM-like products, for
// `murine bench`'s GFLOP/s (bench/README.md). What is counted (the "dense nominal" FLOPs, 2 per
// multiply-add, from the operands' shapes, whatever the kernel does or skips):
//   conv2d            forward 2·N·O·OH·OW·(C/G)·kh·kw; backward the same again for dx when it is
//                     computed and again for dW when it is computed;
//   conv_transpose2d  x (N, C, H, W) → y (N, O, OH, OW): forward 2·N·C·H·W·(O/G)·kh·kw (the conv2d
//                     it is the input gradient of), backward likewise for dx and for dW;
//   linear            x (M, in) · Wᵀ: forward 2·M·in·out; the same for dx and for dW when computed;
//   matmul            (…, M, K) @ (…, K, N), batch B (broadcast): forward 2·B·M·K·N; the same for dA
//                     and for dB when computed (attention's two batched products go through it).
// Not counted: elementwise ops, reductions, normalisation, softmax, pooling, im2col/col2im, copies,
// the optimizer. The counter is a relaxed atomic: exact under threads, ordered by nothing.
#pragma once
#include <cstdint>

namespace murine {

// Adds `flops` to the count (called by the ops above).
void add_flops(int64_t flops);
// The FLOPs counted since the last reset_flops() (or the start of the process).
int64_t flops_counted();
void reset_flops();

}  // namespace murine
