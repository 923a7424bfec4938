// Activation functions by name.
#include "layers/activation_fn.h"

#include "tensor/error.h"

namespace murine {

void check_activation(const std::string& name, const std::string& layer) {
  static const char* known[] = {"", "linear", "relu", "sigmoid", "tanh", "swish", "silu", "softplus",
                                "leaky_relu", "softmax"};
  for (const char* k : known)
    if (name == k) return;
  throw Error(layer + ": unknown activation '" + name +
              "' (known: linear, relu, sigmoid, tanh, swish, silu, softplus, leaky_relu, softmax)");
}

Tensor apply_activation(const std::string& name, const Tensor& x) {
  if (name.empty() || name == "linear") return x;
  if (name == "relu") return relu(x);
  if (name == "sigmoid") return sigmoid(x);
  if (name == "tanh") return tanh(x);
  if (name == "swish" || name == "silu") return silu(x);
  if (name == "softplus") return softplus(x);
  if (name == "leaky_relu") return leaky_relu(x, 0.2f);
  if (name == "softmax") return softmax(x, x.rank() == 4 ? 1 : -1);
  check_activation(name, "activation");
  return x;
}

}  // namespace murine
