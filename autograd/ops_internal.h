// Helpers shared by the front-end op files (not part of the public API).
#pragma once
#include <initializer_list>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine::detail {

// Throws naming `op` when the tensors are on different devices (no implicit transfers).
void check_same_device(const char* op, std::initializer_list<const Tensor*> tensors);

// y = f(x) for an elementwise UnaryOp, with its backward gx = gy · f'(x) recorded beside it.
Tensor unary_op(UnaryOp op, const Tensor& x, float p0 = 0.0f, float p1 = 0.0f);

// out = a ∘ b with broadcasting, forward only (no graph).
Tensor binary_forward(BinaryOp op, const Tensor& a, const Tensor& b);

}  // namespace murine::detail
