// Training checkpoints: one safetensors file holding the state of every part of a run (models,
// optimizers, EMA), each entry named "<part>/<name>" ("generator/0.weight", "g_optimizer/adam.m.3"),
// plus string metadata: the step, the random generator's state (seed and Philox offset), the
// architecture and the run's config. Written atomically: a crash mid-write leaves the previous
// checkpoint in place.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "models/trainable.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace murine {

struct Checkpoint {
  std::map<std::string, StateDict> parts;  // part name → its state dict
  int64_t step = 0;
  Generator rng{0};
  std::string architecture;  // e.g. "dcgan_torch ngf=64 ndf=64 image=64 r=0.4"
  std::string config_json;   // the run's config.json, for reference
  // Other random streams by name (the Dropout layers' mask generators, "generator.9"), saved as
  // metadata "stream:<name>" = "<seed> <offset>".
  std::map<std::string, Generator> streams;
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Throws murine::Error naming the path for a missing, truncated or garbled file, and for a file
// that is not a murine checkpoint (no step/rng metadata).
Checkpoint load_checkpoint(const std::string& path, Device device = Device::CPU);
// The part `name` of a checkpoint, or an error naming the parts there are (the StateParts overload is
// in models/trainable.h).
const StateDict& checkpoint_part(const Checkpoint& checkpoint, const std::string& name);

// Throws murine::Error naming the checkpoint, the tensor ("part/name") and how many of its values are
// NaN or infinite, for the first tensor that has any: a diverged run's checkpoint would otherwise sample
// all-black pictures, or resume into NaN losses, without a word.
void check_finite(const Checkpoint& checkpoint, const std::string& path);

}  // namespace murine
