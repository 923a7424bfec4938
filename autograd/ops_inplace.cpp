// In-place, no-graph updates (see ops_inplace.h), each built from the Backend's elementwise
// primitives with the output aliasing the updated tensor. The fused forms (axpy_, lerp_, addcmul_,
// addcdiv_) compute their right-hand term into one temporary, then add it in place.
#include "autograd/ops_inplace.h"

#include "autograd/ops_internal.h"

namespace murine {

namespace {

// The tensor written to: defined, and not a graph leaf while the graph is being recorded.
void check_target(const char* op, const Tensor& x) {
  MURINE_CHECK(x.defined(), op << ": the tensor to update is undefined");
  MURINE_CHECK(!(grad_enabled() && x.requires_grad()),
               op << ": in-place update of a tensor that requires grad while grad mode is on "
                     "(wrap it in a NoGradGuard)");
}

// A tensor read by the update: defined, with the target's shape, on the target's device.
void check_operand(const char* op, const char* arg, const Tensor& x, const Tensor& y) {
  MURINE_CHECK(y.defined(), op << ": " << arg << " is undefined");
  MURINE_CHECK(y.shape() == x.shape(), op << ": " << arg << " of shape " << shape_str(y.shape())
                                          << " does not match the updated tensor's shape "
                                          << shape_str(x.shape()));
  detail::check_same_device(op, {&x, &y});
}

void unary_into(UnaryOp op, Tensor& out, const Tensor& x, float p0 = 0.0f, float p1 = 0.0f) {
  if (out.numel()) backend(out.device()).unary(op, out.data(), x.data(), out.numel(), p0, p1);
}

// out = a ∘ b, all three of out's shape (out may alias a or b).
void binary_into(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  if (!out.numel()) return;
  Shape strides = contiguous_strides(out.shape());
  backend(out.device()).binary(op, out.data(), out.shape(), a.data(), strides, b.data(), strides);
}

// y ← y + a·(x1 ∘ x2), ∘ = op: addcmul_ and addcdiv_ differ only in the product's operation.
void add_scaled_combination(const char* name, BinaryOp op, Tensor& y, float a, const Tensor& x1,
                            const Tensor& x2) {
  check_target(name, y);
  check_operand(name, "x1", y, x1);
  check_operand(name, "x2", y, x2);
  Tensor term = Tensor::empty(y.shape(), y.device());
  binary_into(op, term, x1, x2);
  unary_into(UnaryOp::MulScalar, term, term, a);
  binary_into(BinaryOp::Add, y, y, term);
}

}  // namespace

void copy_(Tensor& dst, const Tensor& src) {
  check_target("copy_", dst);
  MURINE_CHECK(src.defined(), "copy_: src is undefined");
  MURINE_CHECK(src.shape() == dst.shape(), "copy_: src of shape " << shape_str(src.shape())
                                               << " does not match dst's shape " << shape_str(dst.shape()));
  Tensor moved = src.to(dst.device());
  const float* from = moved.data();
  if (dst.numel() && from != dst.data())
    backend(dst.device()).copy(dst.data(), from, (size_t)dst.numel() * sizeof(float));
}

void fill_(Tensor& x, float value) {
  check_target("fill_", x);
  if (x.numel()) backend(x.device()).fill(x.data(), x.numel(), value);
}

void mul_(Tensor& x, float a) {
  check_target("mul_", x);
  unary_into(UnaryOp::MulScalar, x, x, a);
}

void add_scalar_(Tensor& x, float a) {
  check_target("add_scalar_", x);
  unary_into(UnaryOp::AddScalar, x, x, a);
}

void sqrt_(Tensor& x) {
  check_target("sqrt_", x);
  unary_into(UnaryOp::Sqrt, x, x);
}

void sub_(Tensor& x, const Tensor& y) {
  check_target("sub_", x);
  check_operand("sub_", "y", x, y);
  binary_into(BinaryOp::Sub, x, x, y);
}

void mul_(Tensor& x, const Tensor& y) {
  check_target("mul_", x);
  check_operand("mul_", "y", x, y);
  binary_into(BinaryOp::Mul, x, x, y);
}

void div_(Tensor& x, const Tensor& y) {
  check_target("div_", x);
  check_operand("div_", "y", x, y);
  binary_into(BinaryOp::Div, x, x, y);
}

// [axpy_] y ← y + a·x
void axpy_(Tensor& y, float a, const Tensor& x) {
  check_target("axpy_", y);
  check_operand("axpy_", "x", y, x);
  Tensor term = Tensor::empty(y.shape(), y.device());
  unary_into(UnaryOp::MulScalar, term, x, a);
  binary_into(BinaryOp::Add, y, y, term);
}

// [lerp_] y ← y + w·(x − y)
void lerp_(Tensor& y, const Tensor& x, float w) {
  check_target("lerp_", y);
  check_operand("lerp_", "x", y, x);
  Tensor term = Tensor::empty(y.shape(), y.device());
  binary_into(BinaryOp::Sub, term, x, y);
  unary_into(UnaryOp::MulScalar, term, term, w);
  binary_into(BinaryOp::Add, y, y, term);
}

// [addcmul_] y ← y + a·(x1·x2)
void addcmul_(Tensor& y, float a, const Tensor& x1, const Tensor& x2) {
  add_scaled_combination("addcmul_", BinaryOp::Mul, y, a, x1, x2);
}

// [addcdiv_] y ← y + a·(x1 / x2)
void addcdiv_(Tensor& y, float a, const Tensor& x1, const Tensor& x2) {
  add_scaled_combination("addcdiv_", BinaryOp::Div, y, a, x1, x2);
}

void swap_values_(Tensor& a, Tensor& b) {
  check_target("swap_values_", a);
  check_target("swap_values_", b);
  check_operand("swap_values_", "b", a, b);
  Tensor saved = a.detach().clone();
  copy_(a, b);
  copy_(b, saved);
}

}  // namespace murine
