// Activation layers: Activation (any activation function by its Keras name, layers/activation_fn.h)
// and LeakyReLU with a chosen slope (Keras' default 0.3; keras.activations.leaky_relu uses 0.2).
// Both are elementwise and shape-preserving, with no parameters.
#pragma once
#include <string>

#include "layers/module.h"

namespace murine {

// Keras: layers.Activation('swish'). "" or "linear" is the identity.
class Activation : public Module {
 public:
  explicit Activation(std::string activation);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Activation"; }
  const std::string& activation() const { return activation_; }

 private:
  std::string activation_;
};

struct LeakyReLUOptions {
  double negative_slope = 0.3;  // Keras' LeakyReLU default (PyTorch's nn.LeakyReLU: 0.01)
};

// Keras: layers.LeakyReLU(negative_slope=0.2).
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(LeakyReLUOptions options = {});
  explicit LeakyReLU(double negative_slope) : LeakyReLU(LeakyReLUOptions{negative_slope}) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LeakyReLU"; }
  double negative_slope() const { return options_.negative_slope; }

 private:
  LeakyReLUOptions options_;
};

}  // namespace murine
