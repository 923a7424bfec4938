// CUDA backend: strided_copy, the one primitive behind permute, slice, concat, pad and
// broadcast_to; the twin of CpuBackend::strided_copy. dst[i] = src[i] over `shape`, each side
// addressed through its own strides (elements), any rank; both sides may be non-contiguous.
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"
#include "cuda/strided_index.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;
using cuda::StridedIndex;

namespace {

// Both sides contiguous after merging: dst[i] = src[i].
__global__ void flat_copy_kernel(float* dst, const float* src, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) dst[i] = src[i];
}

// dst[offset_dst(i)] = src[offset_src(i)], i unravelled over the (merged) shape. Distinct i give
// distinct dst offsets (the front end never writes one element twice), so there are no races.
__global__ void strided_copy_kernel(float* dst, const float* src, int64_t n, StridedIndex<2> index) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t offset[2];
    index.offsets(i, offset);
    dst[offset[0]] = src[offset[1]];
  }
}

}  // namespace

void CudaBackend::strided_copy(float* dst, const Shape& dst_strides, const float* src,
                               const Shape& src_strides, const Shape& shape) {
  int64_t n = numel(shape);
  if (n == 0) return;
  StridedIndex<2> index =
      cuda::make_strided_index<2>("strided_copy", shape, {&dst_strides, &src_strides});
  if (index.rank == 0 || (index.rank == 1 && index.strides[0][0] == 1 && index.strides[1][0] == 1)) {
    flat_copy_kernel<<<blocks_for(n), kThreadsPerBlock>>>(dst, src, n);
  } else {
    strided_copy_kernel<<<blocks_for(n), kThreadsPerBlock>>>(dst, src, n, index);
  }
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
