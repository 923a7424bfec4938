// What the convolution tests share (tests/test_conv.cpp on the CPU, tests/test_cuda_ops.cpp
// against the GPU): ConvArgs from a few numbers, and a scoped column budget.
#pragma once
#include <cstdint>

#include "autograd/ops.h"
#include "tensor/backend.h"

namespace murine::testing {

// The same stride, padding (all four sides) and dilation on both axes.
inline ConvArgs conv_options(int64_t stride, int64_t pad, int64_t dilation = 1, int64_t groups = 1) {
  ConvArgs o;
  o.stride_h = o.stride_w = stride;
  o.pad_top = o.pad_bottom = o.pad_left = o.pad_right = pad;
  o.dilation_h = o.dilation_w = dilation;
  o.groups = groups;
  return o;
}

// Sets the conv column budget (how many images one im2col lowers) for a scope, then restores it.
class ColumnBudget {
 public:
  explicit ColumnBudget(int64_t bytes) : saved_(conv_column_budget_bytes()) {
    set_conv_column_budget_bytes(bytes);
  }
  ~ColumnBudget() { set_conv_column_budget_bytes(saved_); }
  ColumnBudget(const ColumnBudget&) = delete;
  ColumnBudget& operator=(const ColumnBudget&) = delete;

 private:
  int64_t saved_;
};

}  // namespace murine::testing
