// matmul with NumPy semantics: (…, M, K) @ (…, K, N), batch dims broadcast, 1-D operands promoted
// and the added axis removed afterwards. One cblas/cuBLAS GEMM call per batch (strided), and the
// backward reuses the same GEMM with transpose flags instead of copying transposes.
#include <algorithm>

#include "autograd/flop_count.h"
#include "autograd/ops_internal.h"
#include "autograd/windowed_gemm.h"

namespace murine {

using Grads = std::vector<Tensor>;

namespace {

// op(a) @ op(b) for rank >= 2 operands, where op transposes the last two axes when asked.
// Forward only (no graph).
Tensor gemm_forward(const Tensor& a, bool trans_a, const Tensor& b, bool trans_b) {
  int ra = a.rank(), rb = b.rank();
  int64_t a_rows = a.shape()[ra - 2], a_cols = a.shape()[ra - 1];
  int64_t b_rows = b.shape()[rb - 2], b_cols = b.shape()[rb - 1];
  int64_t m = trans_a ? a_cols : a_rows, k = trans_a ? a_rows : a_cols;
  int64_t n = trans_b ? b_rows : b_cols;
  Shape a_batch(a.shape().begin(), a.shape().end() - 2), b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch, "matmul");
  int64_t count = numel(batch);
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape, a.device());
  if (!out.numel()) return out;

  // An operand whose batch is all ones is shared by every matrix (stride 0); one whose batch is
  // already the full batch is read in place; anything else is broadcast (copied) first.
  auto prepare = [&](const Tensor& t, const Shape& t_batch, int64_t& stride) {
    int64_t mat = t.shape()[t.rank() - 2] * t.shape()[t.rank() - 1];
    if (numel(t_batch) == 1) { stride = 0; return t; }
    stride = mat;
    if (t_batch == batch) return t;
    Shape full_shape = batch;
    full_shape.push_back(t.shape()[t.rank() - 2]);
    full_shape.push_back(t.shape()[t.rank() - 1]);
    NoGradGuard no_grad;
    return broadcast_to(t, full_shape);
  };
  int64_t stride_a, stride_b;
  Tensor pa = prepare(a, a_batch, stride_a), pb = prepare(b, b_batch, stride_b);
  Backend& be = backend(a.device());
  if (stride_b == 0 && !trans_a && count > 1) {
    // (count·M, K) @ (K, N) in one GEMM: the batch folds into the rows.
    be.gemm(false, trans_b, count * m, n, k, 1.0f, pa.data(), a_cols, 0, pb.data(), b_cols, 0, 0.0f,
            out.data(), n, 0, 1);
  } else {
    be.gemm(trans_a, trans_b, m, n, k, 1.0f, pa.data(), a_cols, stride_a, pb.data(), b_cols, stride_b,
            0.0f, out.data(), n, m * n, count);
  }
  return out;
}

}  // namespace

// [matmul] Y = A·B;  dA = dY·Bᵀ, dB = Aᵀ·dY (summed over broadcast batch axes by the engine)
Tensor matmul(const Tensor& a, const Tensor& b) {
  detail::check_same_device("matmul", {&a, &b});
  MURINE_CHECK(a.rank() >= 1 && b.rank() >= 1, "matmul: shapes " << shape_str(a.shape()) << " and "
                                                                << shape_str(b.shape())
                                                                << ": 0-d operands are not allowed");
  if (a.rank() == 1 && b.rank() == 1)  // dot product → 0-d
    return reshape(matmul(reshape(a, {1, a.shape()[0]}), reshape(b, {b.shape()[0], 1})), {});
  if (a.rank() == 1) {
    Tensor y = matmul(reshape(a, {1, a.shape()[0]}), b);
    Shape s = y.shape();
    s.erase(s.end() - 2);  // drop the promoted M axis
    return reshape(y, s);
  }
  if (b.rank() == 1) {
    Tensor y = matmul(a, reshape(b, {b.shape()[0], 1}));
    Shape s = y.shape();
    s.pop_back();  // drop the promoted N axis
    return reshape(y, s);
  }
  int64_t ka = a.shape()[a.rank() - 1], kb = b.shape()[b.rank() - 2];
  MURINE_CHECK(ka == kb, "matmul: shapes " << shape_str(a.shape()) << " and " << shape_str(b.shape())
                                           << " are not aligned: a's last dim " << ka
                                           << " != b's second-to-last dim " << kb);
  Tensor out = gemm_forward(a, false, b, false);
  add_flops(2 * out.numel() * ka);  // nominal FLOPs (autograd/flop_count.h)
  return record(out, "matmul", {a, b},
                [a = a.detach(), b = b.detach()](const Tensor& gy, const std::vector<bool>& needs) {
                  add_flops(2 * gy.numel() * a.shape().back() * (int64_t(needs[0]) + needs[1]));
                  return Grads{needs[0] ? gemm_forward(gy, false, b, true) : Tensor(),
                               needs[1] ? gemm_forward(a, true, gy, false) : Tensor()};
                });
}

// [linear] y = x·Wᵀ + b;  dx = dy·W, dW = dyᵀ·x (over all leading axes), db = Σ dy
// x (…, in) viewed as (M, in), weight (out, in), y (M, out): one GEMM each way, no transposes copied;
// with a window, one GEMM per (block, run) of it (WindowedGemm), the same values.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias,
              std::shared_ptr<const WindowBlocks> window) {
  detail::check_same_device("linear", {&x, &weight});
  MURINE_CHECK(weight.rank() == 2, "linear: weight must be (out, in), got " << shape_str(weight.shape()));
  int64_t out_f = weight.shape()[0], in_f = weight.shape()[1];
  MURINE_CHECK(x.rank() >= 1 && x.shape().back() == in_f,
               "linear: x " << shape_str(x.shape()) << " does not end in " << in_f
                            << " features, as weight " << shape_str(weight.shape()) << " needs");
  if (bias.defined()) {
    detail::check_same_device("linear", {&x, &bias});
    MURINE_CHECK(bias.shape() == Shape{out_f}, "linear: bias " << shape_str(bias.shape())
                                                               << " should be (" << out_f << ",)");
  }
  std::shared_ptr<const WindowedGemm> windowed;
  if (window) {
    MURINE_CHECK(window->dim0 == out_f && window->dim1 == in_f && window->taps == 1,
                 "linear: window blocks of (" << window->dim0 << ", " << window->dim1 << ") × " << window->taps
                                              << " taps do not fit weight " << shape_str(weight.shape()));
    MURINE_CHECK(window->order.empty(), "linear: window blocks in a patch order are for convolutions only");
    windowed = std::make_shared<const WindowedGemm>(*window, 1);
  }
  int64_t m = x.numel() / std::max<int64_t>(in_f, 1);
  if (in_f == 0) m = numel(Shape(x.shape().begin(), x.shape().end() - 1));
  Shape y_shape = x.shape();
  y_shape.back() = out_f;
  Tensor y = Tensor::empty(y_shape, x.device());
  Backend& be = backend(x.device());
  if (y.numel()) {
    if (bias.defined())  // y starts as b broadcast over the rows, then the GEMM adds x·Wᵀ
      be.strided_copy(y.data(), {out_f, 1}, bias.data(), {0, 1}, {m, out_f});
    if (windowed) {
      if (!bias.defined()) be.fill(y.data(), y.numel(), 0.0f);
      windowed->linear_forward(x.device(), x.data(), weight.data(), m, y.data());
    } else {
      be.gemm(false, true, m, out_f, in_f, 1.0f, x.data(), in_f, 0, weight.data(), in_f, 0,
              bias.defined() ? 1.0f : 0.0f, y.data(), out_f, 0, 1);
    }
  }
  add_flops(2 * m * in_f * out_f);  // nominal FLOPs (autograd/flop_count.h)
  return record(y, "linear", {x, weight, bias},
                [x = x.detach(), w = weight.detach(), m, in_f, out_f, windowed](const Tensor& gy,
                                                                      const std::vector<bool>& needs) {
                  add_flops(2 * m * in_f * out_f * (int64_t(needs[0]) + needs[1]));
                  Backend& be = backend(gy.device());
                  Tensor gx, gw, gb;
                  if (needs[0]) {  // dx (M, in) = dy (M, out) · W (out, in)
                    gx = Tensor::empty(x.shape(), gy.device());
                    if (gx.numel() && windowed)
                      windowed->linear_input_gradient(gy.device(), gy.data(), w.data(), m, gx.data());
                    else if (gx.numel())
                      be.gemm(false, false, m, in_f, out_f, 1.0f, gy.data(), out_f, 0, w.data(), in_f, 0,
                              0.0f, gx.data(), in_f, 0, 1);
                  }
                  if (needs[1]) {  // dW (out, in) = dyᵀ (out, M) · x (M, in)
                    gw = zeros(w.shape(), gy.device());
                    if (gw.numel() && windowed)  // 0 outside the blocks (zeros above)
                      windowed->linear_weight_gradient(gy.device(), gy.data(), x.data(), m, gw.data());
                    else if (gw.numel())
                      be.gemm(true, false, out_f, in_f, m, 1.0f, gy.data(), out_f, 0, x.data(), in_f, 0,
                              0.0f, gw.data(), in_f, 0, 1);
                  }
                  if (needs[2]) gb = sum(reshape(gy, {m, out_f}), {0});
                  return Grads{gx, gw, gb};
                });
}

}  // namespace murine
