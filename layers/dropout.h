// Dropout: in training, zeroes each element with probability `rate` and scales the survivors by
// 1/(1 - rate) (inverted dropout, as Keras and PyTorch), so inference is the identity. The mask
// comes from the layer's own Philox Generator, which advances on every training call: the same
// seed gives the same sequence of masks on every device.
#pragma once
#include <cstdint>
#include <optional>

#include "layers/module.h"

namespace murine {

struct DropoutOptions {
  double rate = 0.0;  // in [0, 1)
  // The layer's generator seed. Unset (Keras' seed=None): the next 64 bits of global_generator(), so
  // manual_seed makes a model's dropout reproducible and two layers still draw different masks.
  std::optional<uint64_t> seed;
};

class Dropout : public Module {
 public:
  explicit Dropout(DropoutOptions options);
  explicit Dropout(double rate) : Dropout(DropoutOptions{rate, std::nullopt}) {}
  Dropout(double rate, uint64_t seed) : Dropout(DropoutOptions{rate, seed}) {}

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  double rate() const { return options_.rate; }
  // The mask stream; checkpoints may save and restore its (seed, offset).
  Generator& generator() { return generator_; }

 protected:
  Generator* random_stream() override { return &generator_; }

 private:
  DropoutOptions options_;
  Generator generator_;
};

}  // namespace murine
