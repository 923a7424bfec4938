// The window-aware products: one GEMM per (group, block), its dim0 rows gathered (or, for one run,
// addressed in place), and the per-run Dense GEMMs.
//
// Threads: on the CPU a product of many small GEMMs shares its parts among the OpenMP threads, one
// single-threaded GEMM each (OpenBLAS runs single-threaded inside a parallel region), instead of
// letting every small GEMM split itself: at two threads that was slower than one. Each thread has
// its own scratch; rows_out's parts overlap in their output rows, so threads after the first add
// into private copies that are summed at the end. Other devices run the parts one after another.
#include "autograd/windowed_gemm.h"

#include <omp.h>

#include <algorithm>

#include "tensor/error.h"
#include "tensor/tensor.h"

namespace murine {

namespace {

// Worth a thread only past this many multiply-adds of a product (a few hundred µs of GEMM).
constexpr int64_t kParallelMacs = int64_t{1} << 22;

}  // namespace

int WindowedGemm::threads(Device device, int64_t n) const {
  if (device != Device::CPU || window_macs_ * n < kParallelMacs || omp_in_parallel()) return 1;
  return (int)std::min<int64_t>(omp_get_max_threads(), (int64_t)parts_.size());
}

WindowedGemm::WindowedGemm(const WindowBlocks& blocks, int64_t groups)
    : dim0_(blocks.dim0), dim1_(blocks.dim1), taps_(blocks.taps), groups_(groups), permuted_(!blocks.order.empty()) {
  MURINE_CHECK(groups >= 1 && dim0_ % groups == 0,
               "WindowedGemm: " << dim0_ << " dim0 channels do not split into " << groups << " groups");
  MURINE_CHECK(!permuted_ || (int64_t)blocks.order.size() == dim1_,
               "WindowedGemm: an order of " << blocks.order.size() << " channels for " << dim1_);
  const int64_t per_group = dim0_ / groups;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t g0 = g * per_group, g1 = g0 + per_group;
    for (const WindowBlocks::Block& b : blocks.blocks) {
      Part p{.group = g, .col_begin = b.col_begin, .col_end = b.col_end, .spans = {}, .runs = {}, .rows = 0,
             .packed_offset = packed_size_};
      for (int64_t pos = b.col_begin; pos < b.col_end; ++pos) {
        const int64_t c = permuted_ ? blocks.order[pos] : pos;
        if (!p.spans.empty() && p.spans.back().channel + p.spans.back().count == c)
          ++p.spans.back().count;
        else
          p.spans.push_back({pos - b.col_begin, c, 1});
      }
      for (const WindowBlocks::Run& r : b.runs) {
        const int64_t begin = std::max(r.begin, g0), end = std::min(r.end, g1);
        if (begin >= end) continue;
        p.runs.push_back({begin, end});
        p.rows += end - begin;
      }
      const int64_t depth = (p.col_end - p.col_begin) * taps_;
      max_rows_ = std::max(max_rows_, p.rows);
      max_depth_ = std::max(max_depth_, depth);
      packed_size_ += p.rows * depth;
      window_macs_ += p.rows * depth;
      parts_.push_back(std::move(p));
    }
  }
}

Tensor WindowedGemm::pack_weight(const Tensor& a) const {
  MURINE_CHECK(a.numel() == dim0_ * lda(), "WindowedGemm::pack_weight: weight " << shape_str(a.shape())
                                               << " is not (" << dim0_ << ", " << dim1_ << ") × " << taps_ << " taps");
  Backend& be = backend(a.device());
  Tensor packed = Tensor::empty({std::max<int64_t>(packed_size_, 1)}, a.device());
  for (const Part& p : parts_) {
    const int64_t depth = (p.col_end - p.col_begin) * taps_;
    float* dst = packed.data() + p.packed_offset;
    for (const WindowBlocks::Run& r : p.runs) {
      for (const Span& sp : p.spans)
        be.strided_copy(dst + sp.first * taps_, {depth, 1}, a.data() + r.begin * lda() + sp.channel * taps_, {lda(), 1},
                        {r.end - r.begin, sp.count * taps_});
      dst += (r.end - r.begin) * depth;
    }
  }
  return packed;
}

void WindowedGemm::gather_rows(Backend& be, const Part& p, const float* src, int64_t n, float* dst) const {
  for (const WindowBlocks::Run& r : p.runs) {
    be.copy(dst, src + r.begin * n, (size_t)((r.end - r.begin) * n) * sizeof(float));
    dst += (r.end - r.begin) * n;
  }
}

void WindowedGemm::permute_columns(Backend& be, const float* src, int64_t n, float* dst, bool to_blocks) const {
  for (const Part& p : parts_) {  // every group's parts: each dim1 channel of each group once
    for (const Span& sp : p.spans) {
      const int64_t block_row = (p.group * dim1_ + p.col_begin + sp.first) * taps_;
      const int64_t channel_row = (p.group * dim1_ + sp.channel) * taps_;
      const size_t bytes = (size_t)(sp.count * taps_ * n) * sizeof(float);
      if (to_blocks)
        be.copy(dst + block_row * n, src + channel_row * n, bytes);
      else
        be.copy(dst + channel_row * n, src + block_row * n, bytes);
    }
  }
}

// [windowed rows] out[S_b] += W[S_b, blk] · X[blk] for every block b and its dim0 runs S_b
void WindowedGemm::rows_out(Device device, const float* packed_a, const float* x, int64_t n, float* out) const {
  if (n == 0) return;
  Backend& be = backend(device);
  Tensor x_blocks;  // X in block order
  if (permuted_) {
    x_blocks = Tensor::empty({groups_ * lda() * n}, device);
    permute_columns(be, x, n, x_blocks.data(), true);
    x = x_blocks.data();
  }
  const int threads = this->threads(device, n);
  // Per thread: a product scratch for blocks of several runs; threads after the first add into a
  // private (dim0, n) copy of out.
  const bool several_runs = std::any_of(parts_.begin(), parts_.end(), [](const Part& p) { return p.runs.size() > 1; });
  Tensor products = several_runs ? Tensor::empty({threads * max_rows_ * n}, device) : Tensor();
  Tensor partial_outs = threads > 1 ? Tensor::empty({(threads - 1) * dim0_ * n}, device) : Tensor();
  if (threads > 1) be.fill(partial_outs.data(), partial_outs.numel(), 0.0f);
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1)
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    if (p.rows == 0) continue;
    const int t = threads > 1 ? omp_get_thread_num() : 0;
    float* o = t == 0 ? out : partial_outs.data() + (t - 1) * dim0_ * n;
    const int64_t depth = (p.col_end - p.col_begin) * taps_;
    const float* ab = packed_a + p.packed_offset;
    const float* xb = x + column_row(p) * n;
    if (p.runs.size() == 1) {
      be.gemm(false, false, p.rows, n, depth, 1.0f, ab, depth, 0, xb, n, 0, 1.0f, o + p.runs[0].begin * n, n, 0, 1);
      continue;
    }
    float* product = products.data() + t * max_rows_ * n;
    be.gemm(false, false, p.rows, n, depth, 1.0f, ab, depth, 0, xb, n, 0, 0.0f, product, n, 0, 1);
    for (const WindowBlocks::Run& r : p.runs) {  // scatter-add the block's rows
      float* rows = o + r.begin * n;
      be.binary(BinaryOp::Add, rows, {r.end - r.begin, n}, rows, {n, 1}, product, {n, 1});
      product += (r.end - r.begin) * n;
    }
  }
  for (int t = 1; t < threads; ++t)
    be.binary(BinaryOp::Add, out, {dim0_ * n}, out, {1}, partial_outs.data() + (t - 1) * dim0_ * n, {1});
}

// [windowed columns] out[blk] = W[S_b, blk]ᵀ · Y[S_b] for every block b (0 where S_b is empty)
void WindowedGemm::columns_out(Device device, const float* packed_a, const float* y, int64_t n, float* out) const {
  Backend& be = backend(device);
  Tensor out_blocks;  // out in block order, put back in channel order at the end
  float* const out_channels = out;
  if (permuted_) {
    out_blocks = Tensor::empty({std::max<int64_t>(groups_ * lda() * n, 1)}, device);
    out = out_blocks.data();
  }
  const int threads = this->threads(device, n);
  Tensor rows_blocks = Tensor::empty({std::max<int64_t>(threads * max_rows_ * n, 1)}, device);  // gathered Y rows
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1)
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    const int64_t depth = (p.col_end - p.col_begin) * taps_;
    float* ob = out + column_row(p) * n;
    if (p.rows == 0) {
      be.fill(ob, depth * n, 0.0f);
      continue;
    }
    const float* yb = y + p.runs[0].begin * n;
    if (p.runs.size() > 1) {
      float* rows = rows_blocks.data() + (threads > 1 ? omp_get_thread_num() : 0) * max_rows_ * n;
      gather_rows(be, p, y, n, rows);
      yb = rows;
    }
    be.gemm(true, false, depth, n, p.rows, 1.0f, packed_a + p.packed_offset, depth, 0, yb, n, 0, 0.0f, ob, n, 0, 1);
  }
  if (permuted_ && n > 0) permute_columns(be, out, n, out_channels, false);
}

// [windowed weight gradient] dW[S_b, blk] (+)= Y[S_b] · X[blk]ᵀ, packed block after block
void WindowedGemm::weight_gradient(Device device, const float* y, const float* x, int64_t n, float* packed,
                                   bool accumulate) const {
  Backend& be = backend(device);
  Tensor x_blocks;  // X in block order
  if (permuted_ && n > 0) {
    x_blocks = Tensor::empty({groups_ * lda() * n}, device);
    permute_columns(be, x, n, x_blocks.data(), true);
    x = x_blocks.data();
  }
  const int threads = this->threads(device, n);
  Tensor rows_blocks = Tensor::empty({std::max<int64_t>(threads * max_rows_ * n, 1)}, device);  // gathered Y rows
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1)
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    if (p.rows == 0) continue;
    const int64_t depth = (p.col_end - p.col_begin) * taps_;
    const float* xb = x + column_row(p) * n;
    const float* yb = y + p.runs[0].begin * n;
    if (p.runs.size() > 1) {
      float* rows = rows_blocks.data() + (threads > 1 ? omp_get_thread_num() : 0) * max_rows_ * n;
      gather_rows(be, p, y, n, rows);
      yb = rows;
    }
    be.gemm(false, true, p.rows, depth, n, 1.0f, yb, n, 0, xb, n, 0, accumulate ? 1.0f : 0.0f,
            packed + p.packed_offset, depth, 0, 1);
  }
}

void WindowedGemm::unpack_weight_gradient(Device device, const float* packed, float* da) const {
  Backend& be = backend(device);
  be.fill(da, dim0_ * lda(), 0.0f);
  for (const Part& p : parts_) {
    const int64_t depth = (p.col_end - p.col_begin) * taps_;
    const float* src = packed + p.packed_offset;
    for (const WindowBlocks::Run& r : p.runs) {
      for (const Span& sp : p.spans)
        be.strided_copy(da + r.begin * lda() + sp.channel * taps_, {lda(), 1}, src + sp.first * taps_, {depth, 1},
                        {r.end - r.begin, sp.count * taps_});
      src += (r.end - r.begin) * depth;
    }
  }
}

// The Dense products below split the batch rows [0, m) among the threads (forward, dx: their parts
// overlap in the output's columns) or share the parts (dW: each (block, run) writes its own rows).
namespace {

template <class F>
void for_row_slices(int threads, int64_t m, F&& f) {
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int count = threads > 1 ? omp_get_num_threads() : 1, t = threads > 1 ? omp_get_thread_num() : 0;
    const int64_t begin = m * t / count, end = m * (t + 1) / count;
    if (begin < end) f(begin, end - begin);
  }
}

}  // namespace

// [windowed linear] y[:, S_b] += x[:, blk] · W[S_b, blk]ᵀ, one GEMM per run
void WindowedGemm::linear_forward(Device device, const float* x, const float* w, int64_t m, float* y) const {
  Backend& be = backend(device);
  for_row_slices(threads(device, m), m, [&](int64_t row, int64_t rows) {
    for (const Part& p : parts_)
      for (const WindowBlocks::Run& r : p.runs)
        be.gemm(false, true, rows, r.end - r.begin, p.col_end - p.col_begin, 1.0f, x + row * dim1_ + p.col_begin, dim1_,
                0, w + r.begin * dim1_ + p.col_begin, dim1_, 0, 1.0f, y + row * dim0_ + r.begin, dim0_, 0, 1);
  });
}

// [windowed linear dx] dx[:, blk] = Σ_runs dy[:, run] · W[run, blk]
void WindowedGemm::linear_input_gradient(Device device, const float* gy, const float* w, int64_t m, float* gx) const {
  Backend& be = backend(device);
  for_row_slices(threads(device, m), m, [&](int64_t row, int64_t rows) {
    be.fill(gx + row * dim1_, rows * dim1_, 0.0f);
    for (const Part& p : parts_)
      for (const WindowBlocks::Run& r : p.runs)
        be.gemm(false, false, rows, p.col_end - p.col_begin, r.end - r.begin, 1.0f, gy + row * dim0_ + r.begin, dim0_, 0,
                w + r.begin * dim1_ + p.col_begin, dim1_, 0, 1.0f, gx + row * dim1_ + p.col_begin, dim1_, 0, 1);
  });
}

// [windowed linear dW] dW[run, blk] = dy[:, run]ᵀ · x[:, blk]
void WindowedGemm::linear_weight_gradient(Device device, const float* gy, const float* x, int64_t m, float* gw) const {
  Backend& be = backend(device);
  const int threads = this->threads(device, m);
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1)
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    for (const WindowBlocks::Run& r : p.runs)
      be.gemm(true, false, r.end - r.begin, p.col_end - p.col_begin, m, 1.0f, gy + r.begin, dim0_, 0,
              x + p.col_begin, dim1_, 0, 0.0f, gw + r.begin * dim1_ + p.col_begin, dim1_, 0, 1);
  }
}

}  // namespace murine
