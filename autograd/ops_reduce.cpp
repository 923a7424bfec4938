// Reductions over any set of axes (sum, mean, var, max), softmax / log_softmax along one axis, and
// sum_to, the adjoint of broadcasting. The forward moves the reduced axes last (a copy only when
// they are not already last) and reduces contiguous rows.
#include <algorithm>
#include <cmath>

#include "autograd/ops_internal.h"

namespace murine {

using Grads = std::vector<Tensor>;

namespace {

// x's shape with the reduced axes set to 1 (the keepdim shape).
Shape keepdim_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape out = shape;
  for (int a : axes) out[a] = 1;
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdim) {
  if (keepdim) return keepdim_shape(shape, axes);
  Shape out;
  for (int i = 0; i < (int)shape.size(); ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) out.push_back(shape[i]);
  return out;
}

// Forward only: reduce `axes` of x with op; result in the keepdim shape.
Tensor reduce_forward(ReduceOp op, const Tensor& x, const std::vector<int>& axes, const char* name) {
  int rank = x.rank();
  std::vector<int64_t> perm;
  for (int i = 0; i < rank; ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
  int64_t rows = 1;
  for (int64_t p : perm) rows *= x.shape()[p];
  for (int a : axes) perm.push_back(a);
  int64_t cols = 1;
  for (int a : axes) cols *= x.shape()[a];
  MURINE_CHECK(cols > 0 || op == ReduceOp::Sum,
               name << ": cannot reduce over an empty axis of a tensor of shape " << shape_str(x.shape()));
  bool already_last = true;
  for (int i = 0; i < rank; ++i) already_last = already_last && perm[i] == i;
  Tensor src = x;
  if (!already_last) {
    NoGradGuard no_grad;
    src = permute(x, perm);
  }
  Tensor out = Tensor::empty(keepdim_shape(x.shape(), axes), x.device());
  if (rows) backend(x.device()).reduce_rows(op, out.data(), src.data(), rows, cols);
  return out;
}

}  // namespace

// [sum] y = Σ_axes x;  dx = broadcast(dy)
Tensor sum(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim) {
  std::vector<int> axes = normalize_axes(axes_in, x.rank(), "sum");
  Tensor out = reshape(reduce_forward(ReduceOp::Sum, x, axes, "sum").detach(),
                       reduced_shape(x.shape(), axes, keepdim));
  Shape x_shape = x.shape(), kshape = keepdim_shape(x.shape(), axes);
  return record(out, "sum", {x}, [x_shape, kshape](const Tensor& gy, const std::vector<bool>&) {
    return Grads{broadcast_to(reshape(gy, kshape), x_shape)};
  });
}

// [mean] y = (1/N) Σ_axes x, N = number of reduced elements
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim) {
  std::vector<int> axes = normalize_axes(axes_in, x.rank(), "mean");
  int64_t n = 1;
  for (int a : axes) n *= x.shape()[a];
  MURINE_CHECK(n > 0, "mean: cannot average over an empty axis of a tensor of shape " << shape_str(x.shape()));
  return mul(sum(x, axes_in, keepdim), 1.0f / (float)n);
}

// [var] y = Σ_axes (x - mean x)² / (N - correction)
Tensor var(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim, int64_t correction) {
  std::vector<int> axes = normalize_axes(axes_in, x.rank(), "var");
  int64_t n = 1;
  for (int a : axes) n *= x.shape()[a];
  MURINE_CHECK(n - correction > 0, "var: " << n << " elements with correction " << correction
                                           << " leave no degrees of freedom (shape "
                                           << shape_str(x.shape()) << ")");
  Tensor centered = sub(x, mean(x, axes_in, true));
  return mul(sum(mul(centered, centered), axes_in, keepdim), 1.0f / (float)(n - correction));
}

// [max] y = max_axes x;  dx = dy · [x = y] / #ties (gradient shared among tied maxima)
Tensor max(const Tensor& x, const std::vector<int64_t>& axes_in, bool keepdim) {
  std::vector<int> axes = normalize_axes(axes_in, x.rank(), "max");
  Tensor y_keep = reduce_forward(ReduceOp::Max, x, axes, "max");
  Tensor out = reshape(y_keep.detach(), reduced_shape(x.shape(), axes, keepdim));
  std::vector<int64_t> axes64(axes.begin(), axes.end());
  Shape kshape = y_keep.shape();
  return record(out, "max", {x},
                [x = x.detach(), y_keep, axes64, kshape](const Tensor& gy, const std::vector<bool>&) {
                  Tensor mask = eq(x, y_keep);
                  Tensor count = sum(mask, axes64, true);
                  return Grads{mul(mask, div(reshape(gy, kshape), count))};
                });
}

static Tensor softmax_forward(const Tensor& x, int64_t axis_in, bool log, const char* name) {
  int axis = normalize_axis(axis_in, x.rank(), name);
  int64_t outer = 1, inner = 1, n = x.shape()[axis];
  for (int i = 0; i < axis; ++i) outer *= x.shape()[i];
  for (int i = axis + 1; i < x.rank(); ++i) inner *= x.shape()[i];
  Tensor out = Tensor::empty(x.shape(), x.device());
  if (out.numel()) backend(x.device()).softmax(out.data(), x.data(), outer, n, inner, log);
  return out;
}

// [softmax] y = exp(x - max x) / Σ exp(x - max x);  dx = y ⊙ (dy - Σ_axis dy ⊙ y)
Tensor softmax(const Tensor& x, int64_t axis) {
  Tensor out = softmax_forward(x, axis, false, "softmax");
  return record(out, "softmax", {x}, [y = out.detach(), axis](const Tensor& gy, const std::vector<bool>&) {
    return Grads{mul(y, sub(gy, sum(mul(gy, y), {axis}, true)))};
  });
}

// [log_softmax] y = x - max x - log Σ exp(x - max x);  dx = dy - exp(y) ⊙ Σ_axis dy
Tensor log_softmax(const Tensor& x, int64_t axis) {
  Tensor out = softmax_forward(x, axis, true, "log_softmax");
  return record(out, "log_softmax", {x}, [y = out.detach(), axis](const Tensor& gy, const std::vector<bool>&) {
    return Grads{sub(gy, mul(exp(y), sum(gy, {axis}, true)))};
  });
}

// [sum_to] the adjoint of broadcast_to: sums x over the axes that broadcasting `shape` added
Tensor sum_to(const Tensor& x, const Shape& shape) {
  MURINE_CHECK(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape(),
               "sum_to: shape " << shape_str(shape) << " does not broadcast to " << shape_str(x.shape()));
  if (x.shape() == shape) return x;
  std::vector<int64_t> axes;
  size_t lead = x.shape().size() - shape.size();
  for (size_t i = 0; i < x.shape().size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) axes.push_back((int64_t)i);
  if (axes.empty()) return reshape(x, shape);
  return reshape(sum(x, axes, true), shape);
}

}  // namespace murine
