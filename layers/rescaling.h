// Rescaling: y = x · scale + offset elementwise (Keras' layers.Rescaling). A model that expects
// normalised input puts it first: torchvision's Normalize(mean 0.5, std 0.5) on [0, 1] images is
// Rescaling(scale = 2, offset = −1).
#pragma once
#include "layers/module.h"

namespace murine {

struct RescalingOptions {
  double scale = 1.0;
  double offset = 0.0;
};

class Rescaling : public Module {
 public:
  explicit Rescaling(RescalingOptions options) : options_(options) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Rescaling"; }
  const RescalingOptions& options() const { return options_; }

 private:
  RescalingOptions options_;
};

}  // namespace murine
