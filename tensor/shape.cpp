// Shapes, strides and NumPy broadcasting.
#include "tensor/shape.h"

#include <algorithm>

#include "tensor/error.h"

namespace murine {

// Every dimension is at least 0, and the product of the nonzero ones fits in int64 (checked, since
// shapes come from files): a shape (0, 2^40, 2^40) is refused rather than overflowing a stride.
int64_t numel(const Shape& shape) {
  int64_t n = 1;
  bool empty = false;
  for (int64_t d : shape) {
    MURINE_CHECK(d >= 0, "numel: shape " << shape_str(shape) << " has a negative dimension");
    if (d == 0) {
      empty = true;
      continue;
    }
    MURINE_CHECK(!__builtin_mul_overflow(n, d, &n), "numel: shape " << shape_str(shape) << " has more than 2^63 elements");
  }
  return empty ? 0 : n;
}

Shape contiguous_strides(const Shape& shape) {
  numel(shape);  // the strides are partial products of the dimensions: this checks they fit
  Shape strides(shape.size());
  int64_t s = 1;
  for (int i = (int)shape.size() - 1; i >= 0; --i) {
    strides[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    MURINE_CHECK(da == db || da == 1 || db == 1,
                 op << ": shapes " << shape_str(a) << " and " << shape_str(b)
                    << " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Shape& from, const Shape& to) {
  Shape own = contiguous_strides(from);
  Shape strides(to.size(), 0);
  size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    strides[lead + i] = from[i] == 1 ? 0 : own[i];
  return strides;
}

int normalize_axis(int64_t axis, int rank, const char* op) {
  MURINE_CHECK(axis >= -rank && axis < rank,
               op << ": axis " << axis << " is out of range for a tensor of rank " << rank);
  return (int)(axis < 0 ? axis + rank : axis);
}

std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int rank, const char* op) {
  std::vector<int> out;
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : axes) out.push_back(normalize_axis(a, rank, op));
  std::sort(out.begin(), out.end());
  MURINE_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(),
               op << ": an axis is repeated in the axis list");
  return out;
}

}  // namespace murine
