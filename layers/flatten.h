// Flatten and Reshape: views of each sample under another shape; the batch axis (axis 0) is kept.
// murine is NCHW, so Flatten of (N, C, H, W) orders features channel-major (C, H, W), as PyTorch's
// nn.Flatten; Keras (channels-last) orders them (H, W, C).
#pragma once
#include "layers/module.h"

namespace murine {

// (N, d1, …, dk) → (N, d1·…·dk); a 1-D input (N) becomes (N, 1), as in Keras.
class Flatten : public Module {
 public:
  Flatten() = default;
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }
};

struct ReshapeOptions {
  Shape target_shape;  // without the batch axis; one entry may be -1 (inferred)
};

// Keras: layers.Reshape((4, 4, 1024)): (N, …) → (N, target_shape…).
class Reshape : public Module {
 public:
  explicit Reshape(ReshapeOptions options);
  explicit Reshape(Shape target_shape) : Reshape(ReshapeOptions{std::move(target_shape)}) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Reshape"; }
  const Shape& target_shape() const { return options_.target_shape; }

 private:
  ReshapeOptions options_;
};

}  // namespace murine
