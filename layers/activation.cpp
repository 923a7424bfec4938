// Activation and LeakyReLU.
#include "layers/activation.h"

#include <cmath>

#include "layers/activation_fn.h"
#include "tensor/error.h"

namespace murine {

Activation::Activation(std::string activation) : activation_(std::move(activation)) {
  check_activation(activation_, "Activation");
}

// y = f(x) for the named f; its derivative is the op's own (autograd/ops_activation.cpp).
Tensor Activation::forward(const Tensor& x) { return apply_activation(activation_, x); }

LeakyReLU::LeakyReLU(LeakyReLUOptions options) : options_(options) {
  MURINE_CHECK(std::isfinite(options_.negative_slope) && options_.negative_slope >= 0,
               "LeakyReLU: negative_slope must be a finite number >= 0, got " << options_.negative_slope);
}

// y = x for x > 0, negative_slope·x otherwise (the leaky_relu op and its derivative).
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, (float)options_.negative_slope); }

}  // namespace murine
