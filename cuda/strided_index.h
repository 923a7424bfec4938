// Strided addressing for the CUDA kernels that walk a shape through per-operand strides (binary,
// where, strided_copy). The shape and every operand's strides are packed into one small struct
// that the kernel takes by value, so nothing is copied to the device first. Only .cu files
// include this header (it has device code).
//
// Before packing, size-1 dims are dropped (their stride is never used) and dim d is merged into
// the dim before it when every operand walks the two as one, i.e. stride[d-1] == stride[d]·shape[d]
// for all operands. Contiguous operands collapse to a single dim; a broadcast row vector to two.
#pragma once
#include <array>
#include <cstdint>

#include "tensor/error.h"
#include "tensor/shape.h"

namespace murine::cuda {

// Dims left after merging. Shapes have no rank limit (tensor/shape.h), but real models need a
// handful; more throws an Error naming the op.
constexpr int kMaxRank = 16;

// K operands (output included where it is not contiguous), each with its own strides in elements.
template <int K>
struct StridedIndex {
  int rank = 0;
  int64_t shape[kMaxRank];
  int64_t strides[K][kMaxRank];

  // offsets[k] = Σ_d coord_d(i)·strides[k][d], where coord(i) unravels the flat row-major index i
  // over `shape` (last dim fastest).
  __device__ void offsets(int64_t i, int64_t (&offset)[K]) const {
    for (int k = 0; k < K; ++k) offset[k] = 0;
    int64_t rem = i;
    for (int d = rank - 1; d >= 0; --d) {
      int64_t coord = rem % shape[d];
      rem /= shape[d];
      for (int k = 0; k < K; ++k) offset[k] += coord * strides[k][d];
    }
  }
};

template <int K>
StridedIndex<K> make_strided_index(const char* op, const Shape& shape,
                                   const std::array<const Shape*, K>& operand_strides) {
  for (int k = 0; k < K; ++k)
    MURINE_CHECK(operand_strides[k]->size() == shape.size(),
                 op << ": operand " << k << " has " << operand_strides[k]->size()
                    << " strides for the shape " << shape_str(shape));
  Shape dims;
  std::array<Shape, K> strides;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool mergeable = !dims.empty();
    for (int k = 0; k < K && mergeable; ++k)
      mergeable = strides[k].back() == (*operand_strides[k])[d] * shape[d];
    if (mergeable) {
      dims.back() *= shape[d];
      for (int k = 0; k < K; ++k) strides[k].back() = (*operand_strides[k])[d];
    } else {
      dims.push_back(shape[d]);
      for (int k = 0; k < K; ++k) strides[k].push_back((*operand_strides[k])[d]);
    }
  }
  MURINE_CHECK(dims.size() <= (size_t)kMaxRank,
               op << ": the cuda backend walks at most " << kMaxRank
                  << " dims that cannot be merged; shape " << shape_str(shape));
  StridedIndex<K> index;
  index.rank = (int)dims.size();
  for (int d = 0; d < index.rank; ++d) {
    index.shape[d] = dims[d];
    for (int k = 0; k < K; ++k) index.strides[k][d] = strides[k][d];
  }
  return index;
}

}  // namespace murine::cuda
