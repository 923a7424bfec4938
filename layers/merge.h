// Merge layers: Concatenate (along an axis) and Add (elementwise sum), each over a list of tensors.
// They take several inputs, so they are called with a vector: concat({a, b}); the one-tensor
// forward of Module is an error naming the layer.
#pragma once
#include <vector>

#include "layers/module.h"

namespace murine {

struct ConcatenateOptions {
  // The channel axis of NCHW (and the feature axis of (N, F)), where Keras' channels-last default
  // axis=-1 concatenates. Negative values count from the end.
  int64_t axis = 1;
};

class Concatenate : public Module {
 public:
  explicit Concatenate(ConcatenateOptions options = {});
  explicit Concatenate(int64_t axis) : Concatenate(ConcatenateOptions{axis}) {}
  Tensor forward(const std::vector<Tensor>& xs);
  Tensor operator()(const std::vector<Tensor>& xs) { return forward(xs); }
  Tensor forward(const Tensor& x) override;  // an error: Concatenate takes a list
  std::string type_name() const override { return "Concatenate"; }
  int64_t axis() const { return options_.axis; }

 private:
  ConcatenateOptions options_;
};

// Keras: layers.Add()([x, residual]). Inputs broadcast as Keras' merge layers allow (a size-1
// axis against any size); usually they have equal shapes.
class Add : public Module {
 public:
  Add() = default;
  Tensor forward(const std::vector<Tensor>& xs);
  Tensor operator()(const std::vector<Tensor>& xs) { return forward(xs); }
  Tensor forward(const Tensor& x) override;  // an error: Add takes a list
  std::string type_name() const override { return "Add"; }
};

}  // namespace murine
