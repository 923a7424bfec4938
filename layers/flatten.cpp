// Flatten and Reshape.
#include "layers/flatten.h"

#include "tensor/error.h"

namespace murine {

// y[n, :] = x[n, …] in row-major order; dx = reshape(dy) (reshape's backward).
Tensor Flatten::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() >= 1, "Flatten: expects input (batch, …), got a 0-d tensor");
  Shape per_sample(x.shape().begin() + 1, x.shape().end());
  return reshape(x, {x.shape()[0], numel(per_sample)});
}

Reshape::Reshape(ReshapeOptions options) : options_(std::move(options)) {
  const Shape& t = options_.target_shape;
  int unknown = 0;
  for (int64_t d : t) {
    MURINE_CHECK(d > 0 || d == -1, "Reshape: target_shape entries must be positive or -1, got "
                                       << shape_str(t));
    unknown += d == -1;
  }
  MURINE_CHECK(unknown <= 1, "Reshape: target_shape may hold at most one -1, got " << shape_str(t));
}

// (N, …) → (N, target_shape) with the -1 entry, if any, inferred per sample.
Tensor Reshape::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() >= 1, "Reshape: expects input (batch, …), got a 0-d tensor");
  const int64_t batch = x.shape()[0];
  const int64_t per_sample = numel(Shape(x.shape().begin() + 1, x.shape().end()));
  Shape out{batch};
  int64_t known = 1;
  for (int64_t d : options_.target_shape) {
    out.push_back(d);
    if (d != -1) known *= d;
  }
  for (int64_t& d : out)
    if (d == -1) {
      MURINE_CHECK(known > 0 && per_sample % known == 0,
                   "Reshape: cannot reshape input " << shape_str(x.shape()) << " to target_shape "
                                                    << shape_str(options_.target_shape) << ": "
                                                    << per_sample << " values per sample are not a multiple of "
                                                    << known);
      d = per_sample / known;
      known *= d;
    }
  MURINE_CHECK(known == per_sample, "Reshape: cannot reshape input " << shape_str(x.shape()) << " to target_shape "
                                                                     << shape_str(options_.target_shape) << ": "
                                                                     << per_sample << " values per sample, the target holds "
                                                                     << known);
  return reshape(x, out);
}

}  // namespace murine
