// ExponentialMovingAverage: shadow copies of a model's parameters that trail them,
//   s_t = decay·s_{t−1} + (1 − decay)·p_t   after each optimizer step (the DDIM's EMA network, 0.999).
// The shadows start as copies of the parameters' values at construction. (The Keras DDIM example
// builds its EMA network with keras.models.clone_model, which gives it freshly initialised weights
// instead; after n updates that start is weighted by decay^n, e.g. 0.999^5000 ≈ 0.7 %.)
// Only parameters are averaged; buffers (windows, running statistics) are left to the model.
// Use copy_to(model) to load the averages into a model (for example a second instance used for
// sampling), or swap(model) before and after sampling with the training model itself.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "layers/module.h"

namespace murine {

class ExponentialMovingAverage {
 public:
  // Tracks model.named_parameters() (names such as "0.weight").
  explicit ExponentialMovingAverage(const Module& model, double decay = 0.999);
  // Tracks the given named tensors.
  explicit ExponentialMovingAverage(NamedTensors params, double decay = 0.999);

  // s ← decay·s + (1 − decay)·p for every tracked parameter (in place, no graph).
  void update();
  // Writes every shadow into the parameter of the same name in `model` (in place; the shapes must
  // match). Parameters of `model` that are not tracked are an error, so is a missing one.
  void copy_to(Module& model) const;
  // Exchanges the shadows and `model`'s parameter values; a second swap restores both.
  void swap(Module& model);

  // {"ema.<name>": shadow, "ema.num_updates": count} (handles to the live shadows).
  std::map<std::string, Tensor> state_dict() const;
  // Copies every shadow in; a missing or unexpected name or a wrong shape is an error (and then
  // nothing is changed).
  void load_state_dict(const std::map<std::string, Tensor>& state);

  double decay() const { return decay_; }
  int64_t num_updates() const { return num_updates_; }
  const NamedTensors& shadows() const { return shadows_; }

 private:
  // The model's parameter for shadow i, checked against it by name and shape.
  std::vector<Tensor> matching_parameters(const Module& model, const char* op) const;
  NamedTensors params_, shadows_;
  double decay_;
  int64_t num_updates_ = 0;
};

}  // namespace murine
