// matmul with NumPy semantics: (…, M, K) @ (…, K, N), batch dims broadcast, 1-D operands promoted
// and the added axis removed afterwards. One cblas/cuBLAS GEMM call per batch (strided), and the
// backward reuses the same GEMM with transpose flags instead of copying transposes.
#include "tensor/ops_internal.h"

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
  return record(out, "matmul", {a, b},
                [a = a.detach(), b = b.detach()](const Tensor& gy, const std::vector<bool>& needs) {
                  return Grads{needs[0] ? gemm_forward(gy, false, b, true) : Tensor(),
                               needs[1] ? gemm_forward(a, true, gy, false) : Tensor()};
                });
}

}  // namespace murine
