// Concatenate and Add.
#include "layers/merge.h"

#include <sstream>

#include "tensor/error.h"

namespace murine {

static std::string shapes_str(const std::vector<Tensor>& xs) {
  std::ostringstream os;
  for (size_t i = 0; i < xs.size(); ++i) os << (i ? ", " : "") << shape_str(xs[i].shape());
  return os.str();
}

Concatenate::Concatenate(ConcatenateOptions options) : options_(options) {}

Tensor Concatenate::forward(const Tensor& x) {
  throw Error("Concatenate: takes a list of tensors, e.g. concatenate({a, b}); got one tensor " +
              shape_str(x.shape()));
}

// [concatenate] y = [x₀, x₁, …] along `axis`;  dxᵢ = the slice of dy that xᵢ filled
Tensor Concatenate::forward(const std::vector<Tensor>& xs) {
  MURINE_CHECK(!xs.empty(), "Concatenate: needs at least one input, got an empty list");
  const int rank = xs[0].rank();
  MURINE_CHECK(options_.axis >= -rank && options_.axis < rank,
               "Concatenate: axis " << options_.axis << " is out of range for inputs of rank " << rank);
  const int64_t axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  for (const Tensor& x : xs) {
    bool match = x.rank() == rank;
    for (int d = 0; match && d < rank; ++d) match = d == axis || x.shape()[d] == xs[0].shape()[d];
    MURINE_CHECK(match, "Concatenate: inputs must have equal shapes except along axis " << options_.axis
                                                                                     << ", got " << shapes_str(xs));
  }
  return concat(xs, axis);
}

Tensor Add::forward(const Tensor& x) {
  throw Error("Add: takes a list of tensors, e.g. add({x, residual}); got one tensor " + shape_str(x.shape()));
}

// [add layer] y = Σᵢ xᵢ;  dxᵢ = dy (summed back over any axis xᵢ was broadcast along)
Tensor Add::forward(const std::vector<Tensor>& xs) {
  MURINE_CHECK(!xs.empty(), "Add: needs at least one input, got an empty list");
  Shape out = xs[0].shape();
  for (const Tensor& x : xs) {
    try {
      out = broadcast_shapes(out, x.shape(), "Add");
    } catch (const Error&) {
      throw Error("Add: input shapes do not match (nor broadcast): " + shapes_str(xs));
    }
  }
  Tensor y = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) y = add(y, xs[i]);
  return y;
}

}  // namespace murine
