// Activations. Each is an elementwise UnaryOp; its derivative sits beside its definition in
// tensor/elementwise_math.h, and detail::unary_op records the backward gx = gy · f'(x).
#include "autograd/ops_internal.h"

namespace murine {

using detail::unary_op;

// [relu] y = max(x, 0)
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::Relu, x); }
// [leaky_relu] y = x for x > 0, α·x otherwise
Tensor leaky_relu(const Tensor& x, float negative_slope) {
  return unary_op(UnaryOp::LeakyRelu, x, negative_slope);
}
// [sigmoid] y = 1 / (1 + e⁻ˣ)
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::Sigmoid, x); }
// [tanh] y = (eˣ - e⁻ˣ) / (eˣ + e⁻ˣ)
Tensor tanh(const Tensor& x) { return unary_op(UnaryOp::Tanh, x); }
// [silu] y = x·σ(x)  (Keras: swish)
Tensor silu(const Tensor& x) { return unary_op(UnaryOp::Silu, x); }
// [softplus] y = log(1 + eˣ)
Tensor softplus(const Tensor& x) { return unary_op(UnaryOp::Softplus, x); }

}  // namespace murine
