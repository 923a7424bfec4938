// Activation functions by their Keras names, for the `activation` argument of layers.
#pragma once
#include <string>

#include "autograd/ops.h"

namespace murine {

// "" or "linear" (identity), "relu", "sigmoid", "tanh", "swish"/"silu", "softplus",
// "leaky_relu" (slope 0.2, as keras.activations.leaky_relu; the LeakyReLU layer takes any slope),
// "softmax" (last axis for (N, F), channel axis 1 for NCHW).
Tensor apply_activation(const std::string& name, const Tensor& x);
// Throws naming `layer` when `name` is not one of the above.
void check_activation(const std::string& name, const std::string& layer);

}  // namespace murine
