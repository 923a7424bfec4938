// The window-aware products of the masked convolutions and Dense layers: the three GEMMs of a layer
// (forward, input gradient, weight gradient) restricted to the (block, run) pairs of WindowBlocks
// (autograd/window_blocks.h). With W_eff = W ⊙ window their results equal the dense products' (the
// skipped weights are zero), except the weight gradient, which is computed only inside the blocks
// and is 0 elsewhere: the window's product in mul's backward zeroes it there anyway.
//
// Operands, per group g of G (the weight is (dim0, dim1, taps…) with dim0 over all groups):
//   A        the weight viewed (dim0, dim1·taps), row-major
//   rows-side matrices (dim0, n):          dim0 channels × activation columns, row-major
//   column-side matrices (G·dim1·taps, n): the dim1 side with its taps, row-major
// conv2d:           forward out = A·col (rows-side out), dcol = Aᵀ·dY, dW = dY·colᵀ
// conv_transpose2d: forward col = Aᵀ·x, dx = A·col(dY) (rows-side out), dW = x·col(dY)ᵀ
// Everything runs through Backend primitives (gemm, strided_copy, binary, fill).
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/window_blocks.h"
#include "tensor/backend.h"
#include "tensor/device.h"
#include "tensor/tensor.h"

namespace murine {

// The blocks of one product as the groups see them: each block's runs clipped to group g's dim0
// channels, and where its slice of the packed weight gradient starts. Built once per op call.
class WindowedGemm {
 public:
  WindowedGemm(const WindowBlocks& blocks, int64_t groups);

  // A's nonzero part packed block after block, (rows, width·taps) each (the layout of the packed
  // weight gradient): gathered once per op call and used by rows_out and columns_out.
  Tensor pack_weight(const Tensor& a) const;
  // out (dim0, n) += A · X, X column-side (G·dim1·taps, n); `packed_a` from pack_weight.
  void rows_out(Device device, const float* packed_a, const float* x, int64_t n, float* out) const;
  // out (G·dim1·taps, n) = Aᵀ · Y, Y rows-side (dim0, n); every row of out is written.
  void columns_out(Device device, const float* packed_a, const float* y, int64_t n, float* out) const;
  // packed (+)= Y · Xᵀ over the blocks (Y rows-side, X column-side): the weight gradient's nonzero
  // part, packed block after block; `accumulate` adds to what packed holds (later chunks).
  void weight_gradient(Device device, const float* y, const float* x, int64_t n, float* packed,
                       bool accumulate) const;
  // dA (dim0, dim1·taps) = the packed gradient where the blocks are, 0 elsewhere.
  void unpack_weight_gradient(Device device, const float* packed, float* da) const;
  int64_t packed_size() const { return packed_size_; }
  // The threads one product over n columns (or batch rows) runs on: on the CPU the OpenMP threads
  // when its multiply-adds are worth sharing, else 1 (see windowed_gemm.cpp).
  int threads(Device device, int64_t n) const;

  // Dense (one group, taps 1), batch-major as linear stores them: x (m, dim1), y (m, dim0), W (dim0, dim1).
  // y += x · Wᵀ;  dx = dy · W (dx written whole);  dW = dyᵀ · x inside the blocks (dW zeroed by the caller).
  void linear_forward(Device device, const float* x, const float* w, int64_t m, float* y) const;
  void linear_input_gradient(Device device, const float* gy, const float* w, int64_t m, float* gx) const;
  void linear_weight_gradient(Device device, const float* gy, const float* x, int64_t m, float* gw) const;

 private:
  // Block positions [first, first + count) hold the consecutive dim1 channels [channel, channel + count).
  struct Span {
    int64_t first, channel, count;
  };
  struct Part {
    int64_t group;
    int64_t col_begin, col_end;  // positions of the block's dim1 channels (WindowBlocks::order)
    std::vector<Span> spans;     // the block's positions as runs of consecutive channels
    std::vector<WindowBlocks::Run> runs;  // dim0 channels (absolute), inside the group
    int64_t rows;
    int64_t packed_offset;  // start of this part's (rows, width·taps) slice of the packed gradient
  };
  int64_t dim0_, dim1_, taps_, groups_;
  int64_t max_rows_ = 0, max_depth_ = 0;
  int64_t window_macs_ = 0;  // multiply-adds per column (or batch row) over all parts
  int64_t packed_size_ = 0;
  bool permuted_ = false;  // the blocks see the dim1 channels in WindowBlocks::order
  std::vector<Part> parts_;

  int64_t lda() const { return dim1_ * taps_; }

  // The column-side row where part p's block starts.
  int64_t column_row(const Part& p) const { return (p.group * dim1_ + p.col_begin) * taps_; }
  // The rows-side matrix's rows of part p gathered into dst (rows, n).
  void gather_rows(Backend& be, const Part& p, const float* src, int64_t n, float* dst) const;
  // A column-side matrix (G·dim1·taps, n) from channel order to block order (`to_blocks`) or back.
  void permute_columns(Backend& be, const float* src, int64_t n, float* dst, bool to_blocks) const;
};

}  // namespace murine
