// Shapes, strides and NumPy broadcasting: the index arithmetic every op shares.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace murine {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& shape);
// Row-major (C order) strides in elements.
Shape contiguous_strides(const Shape& shape);
// "(2, 3, 4)"; used in every error message.
std::string shape_str(const Shape& shape);

// NumPy broadcasting: align trailing dims; each pair must be equal or one of them 1.
// Throws naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Strides for reading a tensor of shape `from` as if it had shape `to` (0 on broadcast dims).
Shape broadcast_strides(const Shape& from, const Shape& to);

// Turns a possibly negative axis into [0, rank); throws naming `op` when out of range.
int normalize_axis(int64_t axis, int rank, const char* op);
// Sorted, de-duplicated, normalised axes; empty `axes` means all axes.
std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int rank, const char* op);

}  // namespace murine
