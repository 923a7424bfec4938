// A small configuration of each trainable model (models/trainable.h), quick on the CPU; shared by the
// model tests and the CPU-versus-CUDA training-step test.
#pragma once
#include <string>

#include "models/trainable.h"

namespace murine::testing {

inline ModelConfig small_model_config(const std::string& model) {
  ModelConfig c;
  c.model = model;
  c.image_size = model == "ddim" ? 16 : 32;
  c.latent = 8, c.ngf = 4, c.ndf = 4, c.width_scale = 1.0 / 32;
  c.widths = {8, 16, 16, 24};
  c.block_depth = 1;
  c.sampling_steps = 2;
  return c;
}

}  // namespace murine::testing
