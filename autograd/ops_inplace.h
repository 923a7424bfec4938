// In-place updates without a graph, for optimizers and moving averages (train/). Each one writes
// into the storage of its first argument, so every handle and view of that tensor sees the new
// values and no TensorImpl is replaced. They run on the tensor's own device with the Backend's
// unary/binary primitives (out may alias an input elementwise), record nothing, and refuse a tensor
// that requires grad while grad mode is on (wrap the update in a NoGradGuard). Tensor arguments must
// have the updated tensor's shape and device; errors name the op and the shapes.
// (add_(a, b), a += b with broadcasting, is in autograd/ops.h.)
#pragma once
#include "tensor/tensor.h"

namespace murine {

// dst ← src, same shape; src may live on another device (it is copied over first).
void copy_(Tensor& dst, const Tensor& src);
// x ← value everywhere.
void fill_(Tensor& x, float value);
// x ← a·x
void mul_(Tensor& x, float a);
// x ← x + a
void add_scalar_(Tensor& x, float a);
// x ← √x
void sqrt_(Tensor& x);
// x ← x − y, x ← x·y, x ← x / y (elementwise, same shape).
void sub_(Tensor& x, const Tensor& y);
void mul_(Tensor& x, const Tensor& y);
void div_(Tensor& x, const Tensor& y);
// y ← y + a·x  (BLAS axpy)
void axpy_(Tensor& y, float a, const Tensor& x);
// y ← y + w·(x − y)  (PyTorch's lerp_; Keras writes its moment updates this way)
void lerp_(Tensor& y, const Tensor& x, float w);
// y ← y + a·(x1·x2)  (PyTorch's addcmul_)
void addcmul_(Tensor& y, float a, const Tensor& x1, const Tensor& x2);
// y ← y + a·(x1 / x2)  (PyTorch's addcdiv_)
void addcdiv_(Tensor& y, float a, const Tensor& x1, const Tensor& x2);
// Exchanges the values of a and b (same shape and device) through a temporary copy.
void swap_values_(Tensor& a, Tensor& b);

}  // namespace murine
