// Elementwise ops with NumPy broadcasting, each with its backward beside it. A gradient may come back
// in the broadcast (output) shape; the engine sums it down to the input's shape (sum_to).
#include "autograd/ops_internal.h"

namespace murine {

using detail::binary_forward;
using detail::unary_op;
using Grads = std::vector<Tensor>;

namespace detail {

void check_same_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = *tensors.begin();
  for (const Tensor* t : tensors)
    MURINE_CHECK(t->device() == first->device(),
                 op << ": tensors are on different devices (" << device_name(first->device())
                    << " and " << device_name(t->device())
                    << "); move them with .to(device) first");
}

Tensor binary_forward(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = binary_op_name(op);
  check_same_device(name, {&a, &b});
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = Tensor::empty(shape, a.device());
  if (out.numel())
    backend(a.device()).binary(op, out.data(), shape, a.data(), broadcast_strides(a.shape(), shape),
                               b.data(), broadcast_strides(b.shape(), shape));
  return out;
}

// Whether f'(x) is cheapest read from y = f(x) (then y is saved instead of x).
static bool derivative_reads_y(UnaryOp op) {
  return op == UnaryOp::Exp || op == UnaryOp::Sqrt || op == UnaryOp::Sigmoid || op == UnaryOp::Tanh;
}

Tensor unary_op(UnaryOp op, const Tensor& x, float p0, float p1) {
  Tensor out = Tensor::empty(x.shape(), x.device());
  if (out.numel()) backend(x.device()).unary(op, out.data(), x.data(), x.numel(), p0, p1);
  if (!needs_graph({x})) return out;
  Tensor saved = derivative_reads_y(op) ? out.detach() : x.detach();
  return record(out, unary_op_name(op), {x}, [op, saved, p0, p1](const Tensor& gy, const std::vector<bool>&) {
    // [unary backward] dL/dx = dL/dy · f'(x)  (f' per op in tensor/elementwise_math.h)
    Tensor gx = Tensor::empty(gy.shape(), gy.device());
    bool y = derivative_reads_y(op);
    if (gx.numel())
      backend(gy.device()).unary_backward(op, gx.data(), y ? nullptr : saved.data(),
                                          y ? saved.data() : nullptr, gy.data(), gy.numel(), p0, p1);
    return Grads{gx};
  });
}

}  // namespace detail

// [add] y = a + b;  da = dy, db = dy
Tensor add(const Tensor& a, const Tensor& b) {
  return record(binary_forward(BinaryOp::Add, a, b), "add", {a, b},
                [](const Tensor& gy, const std::vector<bool>&) { return Grads{gy, gy}; });
}

// [sub] y = a - b;  da = dy, db = -dy
Tensor sub(const Tensor& a, const Tensor& b) {
  return record(binary_forward(BinaryOp::Sub, a, b), "sub", {a, b},
                [](const Tensor& gy, const std::vector<bool>& needs) {
                  return Grads{gy, needs[1] ? neg(gy) : Tensor()};
                });
}

// [mul] y = a·b;  da = dy·b, db = dy·a
Tensor mul(const Tensor& a, const Tensor& b) {
  return record(binary_forward(BinaryOp::Mul, a, b), "mul", {a, b},
                [a = a.detach(), b = b.detach()](const Tensor& gy, const std::vector<bool>& needs) {
                  return Grads{needs[0] ? mul(gy, b) : Tensor(), needs[1] ? mul(gy, a) : Tensor()};
                });
}

// [div] y = a/b;  da = dy/b, db = -dy·a/b² = -dy·y/b
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Div, a, b);
  return record(out, "div", {a, b},
                [b = b.detach(), y = out.detach()](const Tensor& gy, const std::vector<bool>& needs) {
                  return Grads{needs[0] ? div(gy, b) : Tensor(),
                               needs[1] ? neg(div(mul(gy, y), b)) : Tensor()};
                });
}

// [pow] y = a^b;  da = dy·b·a^(b-1), db = dy·y·log(a)
Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Pow, a, b);
  return record(out, "pow", {a, b},
                [a = a.detach(), b = b.detach(), y = out.detach()](const Tensor& gy,
                                                                   const std::vector<bool>& needs) {
                  return Grads{needs[0] ? mul(gy, mul(b, pow(a, add(b, -1.0f)))) : Tensor(),
                               needs[1] ? mul(gy, mul(y, log(a))) : Tensor()};
                });
}

Tensor pow(const Tensor& a, float exponent) { return unary_op(UnaryOp::PowScalar, a, exponent); }

// [maximum] y = max(a, b);  da = dy·([a > b] + ½[a = b]), db = dy·([b > a] + ½[a = b]) (ties split, as PyTorch)
static Tensor extremum(BinaryOp op, const Tensor& a, const Tensor& b) {
  return record(binary_forward(op, a, b), binary_op_name(op), {a, b},
                [op, a = a.detach(), b = b.detach()](const Tensor& gy, const std::vector<bool>& needs) {
                  BinaryOp wins = op == BinaryOp::Maximum ? BinaryOp::Gt : BinaryOp::Lt;
                  Tensor tie_half = mul(binary_forward(BinaryOp::Eq, a, b), 0.5f);
                  return Grads{needs[0] ? mul(gy, add(binary_forward(wins, a, b), tie_half)) : Tensor(),
                               needs[1] ? mul(gy, add(binary_forward(wins, b, a), tie_half)) : Tensor()};
                });
}
Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::Minimum, a, b); }

Tensor add(const Tensor& a, float b) { return unary_op(UnaryOp::AddScalar, a, b); }
Tensor mul(const Tensor& a, float b) { return unary_op(UnaryOp::MulScalar, a, b); }
Tensor neg(const Tensor& a) { return unary_op(UnaryOp::Neg, a); }
Tensor exp(const Tensor& a) { return unary_op(UnaryOp::Exp, a); }
Tensor log(const Tensor& a) { return unary_op(UnaryOp::Log, a); }
Tensor sqrt(const Tensor& a) { return unary_op(UnaryOp::Sqrt, a); }
Tensor abs(const Tensor& a) { return unary_op(UnaryOp::Abs, a); }

Tensor clip(const Tensor& a, float lo, float hi) {
  MURINE_CHECK(lo <= hi, "clip: lo " << lo << " is greater than hi " << hi);
  return unary_op(UnaryOp::Clip, a, lo, hi);
}

// Comparisons: 0/1 masks, no gradient (piecewise constant).
Tensor lt(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Ge, a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_forward(BinaryOp::Ne, a, b); }

static Tensor where_forward(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::check_same_device("where", {&cond, &a, &b});
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = Tensor::empty(shape, a.device());
  if (out.numel())
    backend(a.device()).where(out.data(), shape, cond.data(), broadcast_strides(cond.shape(), shape),
                              a.data(), broadcast_strides(a.shape(), shape), b.data(),
                              broadcast_strides(b.shape(), shape));
  return out;
}

// [where] y = cond ? a : b;  da = cond ? dy : 0, db = cond ? 0 : dy
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  return record(where_forward(cond, a, b), "where", {cond, a, b},
                [cond = cond.detach()](const Tensor& gy, const std::vector<bool>& needs) {
                  Tensor zero = scalar(0.0f, gy.device());
                  return Grads{Tensor(), needs[1] ? where_forward(cond, gy, zero) : Tensor(),
                               needs[2] ? where_forward(cond, zero, gy) : Tensor()};
                });
}

void add_(Tensor& a, const Tensor& b) {
  detail::check_same_device("add_", {&a, &b});
  MURINE_CHECK(!(grad_enabled() && a.requires_grad()),
               "add_: in-place update of a tensor that requires grad while grad mode is on "
               "(wrap it in a NoGradGuard)");
  MURINE_CHECK(broadcast_shapes(a.shape(), b.shape(), "add_") == a.shape(),
               "add_: b of shape " << shape_str(b.shape()) << " does not broadcast to a's shape "
                                   << shape_str(a.shape()));
  if (a.numel())
    backend(a.device()).binary(BinaryOp::Add, a.data(), a.shape(), a.data(),
                               contiguous_strides(a.shape()), b.data(),
                               broadcast_strides(b.shape(), a.shape()));
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, float b) { return add(a, b); }
Tensor operator-(const Tensor& a, float b) { return add(a, -b); }
Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
Tensor operator/(const Tensor& a, float b) { return div(a, scalar(b, a.device())); }
Tensor operator+(float a, const Tensor& b) { return add(b, a); }
Tensor operator-(float a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(float a, const Tensor& b) { return mul(b, a); }
Tensor operator/(float a, const Tensor& b) { return div(scalar(a, b.device()), b); }

}  // namespace murine
