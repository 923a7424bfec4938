// Shape ops. reshape is a view (shared storage); permute, concat, slice, pad and broadcast_to copy,
// each as one strided_copy primitive, so every tensor stays contiguous. Each backward is the
// adjoint copy: permute ↔ inverse permute, concat ↔ slices, slice ↔ pad with zeros, broadcast ↔ sum.
#include "autograd/ops_internal.h"

namespace murine {

using Grads = std::vector<Tensor>;

// [reshape] y = x viewed with another shape;  dx = reshape(dy, x.shape)
Tensor reshape(const Tensor& x, const Shape& shape_in) {
  Shape shape = shape_in;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < (int)shape.size(); ++i) {
    if (shape[i] == -1) {
      MURINE_CHECK(infer < 0, "reshape: only one dimension can be -1 in " << shape_str(shape_in));
      infer = i;
    } else {
      MURINE_CHECK(shape[i] >= 0, "reshape: invalid dimension " << shape[i] << " in " << shape_str(shape_in));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    MURINE_CHECK(known != 0 && x.numel() % known == 0,
                 "reshape: cannot reshape " << shape_str(x.shape()) << " into " << shape_str(shape_in));
    shape[infer] = x.numel() / known;
  }
  MURINE_CHECK(numel(shape) == x.numel(), "reshape: cannot reshape " << shape_str(x.shape()) << " ("
                                              << x.numel() << " elements) into " << shape_str(shape_in));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->offset = x.impl()->offset;
  impl->shape = shape;
  Shape x_shape = x.shape();
  return record(Tensor(impl), "reshape", {x}, [x_shape](const Tensor& gy, const std::vector<bool>&) {
    return Grads{reshape(gy, x_shape)};
  });
}

Tensor flatten(const Tensor& x, int64_t start_axis) {
  int start = x.rank() == 0 ? 0 : normalize_axis(start_axis, x.rank(), "flatten");
  Shape shape(x.shape().begin(), x.shape().begin() + start);
  shape.push_back(-1);
  if (x.numel() == 0) shape.back() = numel(Shape(x.shape().begin() + start, x.shape().end()));
  return reshape(x, shape);
}

// [permute] y[i_perm[0], …] = x[i_0, …], out.shape[k] = x.shape[perm[k]];  dx = permute(dy, perm⁻¹)
Tensor permute(const Tensor& x, const std::vector<int64_t>& perm) {
  int rank = x.rank();
  MURINE_CHECK((int)perm.size() == rank, "permute: perm has " << perm.size()
                                             << " axes but x has shape " << shape_str(x.shape()));
  std::vector<int64_t> inverse(rank, -1);
  Shape shape(rank), src_strides(rank), x_strides = contiguous_strides(x.shape());
  for (int k = 0; k < rank; ++k) {
    int a = normalize_axis(perm[k], rank, "permute");
    MURINE_CHECK(inverse[a] < 0, "permute: axis " << a << " appears twice in the permutation");
    inverse[a] = k;
    shape[k] = x.shape()[a];
    src_strides[k] = x_strides[a];
  }
  Tensor out = Tensor::empty(shape, x.device());
  if (out.numel())
    backend(x.device()).strided_copy(out.data(), contiguous_strides(shape), x.data(), src_strides, shape);
  return record(out, "permute", {x}, [inverse](const Tensor& gy, const std::vector<bool>&) {
    return Grads{permute(gy, inverse)};
  });
}

Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1) {
  int rank = x.rank();
  MURINE_CHECK(rank >= 2 || (axis0 == axis1), "transpose: x has shape " << shape_str(x.shape())
                                                                      << "; need at least 2 axes");
  std::vector<int64_t> perm(rank);
  for (int i = 0; i < rank; ++i) perm[i] = i;
  std::swap(perm[normalize_axis(axis0, rank, "transpose")], perm[normalize_axis(axis1, rank, "transpose")]);
  return permute(x, perm);
}

// [concat] y = [x_0, x_1, …] along axis;  dx_i = slice of dy
Tensor concat(const std::vector<Tensor>& xs, int64_t axis_in) {
  MURINE_CHECK(!xs.empty(), "concat: needs at least one tensor");
  const Tensor& first = xs[0];
  int rank = first.rank();
  MURINE_CHECK(rank > 0, "concat: cannot concatenate 0-d tensors");
  int axis = normalize_axis(axis_in, rank, "concat");
  Shape shape = first.shape();
  shape[axis] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    MURINE_CHECK(x.device() == first.device(), "concat: tensor " << i << " is on " << device_name(x.device())
                                                                 << " but tensor 0 is on " << device_name(first.device()));
    bool same = x.rank() == rank;
    for (int d = 0; same && d < rank; ++d) same = d == axis || x.shape()[d] == first.shape()[d];
    MURINE_CHECK(same, "concat: tensor " << i << " has shape " << shape_str(x.shape())
                                         << ", which does not match tensor 0's " << shape_str(first.shape())
                                         << " outside axis " << axis);
    shape[axis] += x.shape()[axis];
  }
  Tensor out = Tensor::empty(shape, first.device());
  Shape out_strides = contiguous_strides(shape);
  std::vector<int64_t> starts;
  int64_t start = 0;
  for (const Tensor& x : xs) {
    starts.push_back(start);
    if (x.numel())
      backend(x.device()).strided_copy(out.data() + start * out_strides[axis], out_strides, x.data(),
                                       contiguous_strides(x.shape()), x.shape());
    start += x.shape()[axis];
  }
  starts.push_back(start);
  return record(out, "concat", xs, [starts, axis](const Tensor& gy, const std::vector<bool>& needs) {
    Grads gx(needs.size());
    for (size_t i = 0; i < needs.size(); ++i)
      if (needs[i]) gx[i] = slice(gy, axis, starts[i], starts[i + 1]);
    return gx;
  });
}

namespace {

// Copies `src` into the box of `dst` that starts at `begin` and advances by `step` along each axis.
void copy_into_box(Tensor& dst, const Tensor& src, const Shape& begin, const Shape& step) {
  if (!src.numel()) return;
  Shape dst_strides = contiguous_strides(dst.shape()), box_strides(dst.rank());
  int64_t offset = 0;
  for (int d = 0; d < dst.rank(); ++d) {
    offset += begin[d] * dst_strides[d];
    box_strides[d] = dst_strides[d] * step[d];
  }
  backend(dst.device()).strided_copy(dst.data() + offset, box_strides, src.data(),
                                     contiguous_strides(src.shape()), src.shape());
}

// Reads the box of `src` that starts at `begin`, advancing by `step`, with shape `shape`.
Tensor copy_from_box(const Tensor& src, const Shape& shape, const Shape& begin, const Shape& step) {
  Tensor out = Tensor::empty(shape, src.device());
  if (!out.numel()) return out;
  Shape src_strides = contiguous_strides(src.shape()), box_strides(src.rank());
  int64_t offset = 0;
  for (int d = 0; d < src.rank(); ++d) {
    offset += begin[d] * src_strides[d];
    box_strides[d] = src_strides[d] * step[d];
  }
  backend(src.device()).strided_copy(out.data(), contiguous_strides(shape), src.data() + offset,
                                     box_strides, shape);
  return out;
}

}  // namespace

// [slice] y = x[start:stop:step] along axis;  dx = zeros with dy copied back into the sliced positions
Tensor slice(const Tensor& x, int64_t axis_in, int64_t start, int64_t stop, int64_t step) {
  int axis = normalize_axis(axis_in, x.rank(), "slice");
  MURINE_CHECK(step > 0, "slice: step must be positive, got " << step);
  int64_t n = x.shape()[axis];
  auto clamp = [n](int64_t i) { return std::min(std::max(i < 0 ? i + n : i, (int64_t)0), n); };
  start = clamp(start);
  stop = clamp(stop);
  int64_t count = stop > start ? (stop - start + step - 1) / step : 0;
  Shape shape = x.shape(), begin(x.rank(), 0), steps(x.rank(), 1);
  shape[axis] = count;
  begin[axis] = start;
  steps[axis] = step;
  Tensor out = copy_from_box(x, shape, begin, steps);
  Shape x_shape = x.shape();
  return record(out, "slice", {x}, [x_shape, begin, steps](const Tensor& gy, const std::vector<bool>&) {
    Tensor gx = zeros(x_shape, gy.device());
    copy_into_box(gx, gy, begin, steps);
    return Grads{gx};
  });
}

// [pad] y = x surrounded by `value`;  dx = the interior of dy
Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pads, float value) {
  MURINE_CHECK((int)pads.size() <= x.rank(), "pad: " << pads.size() << " (before, after) pairs for x of shape "
                                                    << shape_str(x.shape()));
  Shape shape = x.shape(), begin(x.rank(), 0), steps(x.rank(), 1);
  int lead = x.rank() - (int)pads.size();
  for (size_t i = 0; i < pads.size(); ++i) {
    MURINE_CHECK(pads[i].first >= 0 && pads[i].second >= 0,
                 "pad: negative padding (" << pads[i].first << ", " << pads[i].second << ") for axis " << lead + i);
    shape[lead + i] += pads[i].first + pads[i].second;
    begin[lead + i] = pads[i].first;
  }
  Tensor out = full(shape, value, x.device());
  copy_into_box(out, x, begin, steps);
  Shape x_shape = x.shape();
  return record(out, "pad", {x}, [x_shape, begin, steps](const Tensor& gy, const std::vector<bool>&) {
    return Grads{copy_from_box(gy, x_shape, begin, steps)};
  });
}

// [broadcast_to] y = x repeated along broadcast axes;  dx = sum_to(dy, x.shape)
Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  MURINE_CHECK(x.rank() <= (int)shape.size() && broadcast_shapes(x.shape(), shape, "broadcast_to") == shape,
               "broadcast_to: cannot broadcast " << shape_str(x.shape()) << " to " << shape_str(shape));
  Tensor out = Tensor::empty(shape, x.device());
  if (out.numel())
    backend(x.device()).strided_copy(out.data(), contiguous_strides(shape), x.data(),
                                     broadcast_strides(x.shape(), shape), shape);
  Shape x_shape = x.shape();
  return record(out, "broadcast_to", {x}, [x_shape](const Tensor& gy, const std::vector<bool>&) {
    return Grads{sum_to(gy, x_shape)};
  });
}

}  // namespace murine
