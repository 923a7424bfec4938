// Training checkpoints in one safetensors file.
#include "train/checkpoint.h"

#include <cmath>
#include <string>
#include <vector>

#include "io/json_limits.h"
#include "io/safetensors.h"
#include "tensor/error.h"

namespace murine {

namespace {
constexpr char kSeparator = '/';  // state-dict names use '.', so '/' separates the part
}

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  std::map<std::string, Tensor> flat;
  for (const auto& [part, state] : c.parts) {
    MURINE_CHECK(part.find(kSeparator) == std::string::npos,
                 "save_checkpoint: part name '" << part << "' must not contain '" << kSeparator << "'");
    for (const auto& [name, tensor] : state) flat[part + kSeparator + name] = tensor;
  }
  SafetensorsMetadata meta{{"format", "murine-checkpoint-1"},
                           {"step", std::to_string(c.step)},
                           {"rng_seed", std::to_string(c.rng.seed)},
                           {"rng_offset", std::to_string(c.rng.offset)},
                           {"architecture", c.architecture},
                           {"config", c.config_json}};
  for (const auto& [name, g] : c.streams)
    meta["stream:" + name] = std::to_string(g.seed) + " " + std::to_string(g.offset);
  save_safetensors(path, flat, meta);
}

Checkpoint load_checkpoint(const std::string& path, Device device) {
  SafetensorsMetadata meta = read_safetensors_metadata(path);
  MURINE_CHECK(meta.count("format") && meta.at("format") == "murine-checkpoint-1",
               "load_checkpoint: '" << path << "' is not a murine checkpoint (no murine-checkpoint-1 metadata)");
  Checkpoint c;
  try {
    c.step = std::stoll(meta.at("step"));
    c.rng.seed = std::stoull(meta.at("rng_seed"));
    c.rng.offset = std::stoull(meta.at("rng_offset"));
  } catch (const std::exception&) {
    throw Error("load_checkpoint: '" + path + "' has malformed step or rng metadata");
  }
  MURINE_CHECK(c.step >= 0, "load_checkpoint: '" << path << "' records step " << c.step << " (negative)");
  for (const auto& [key, value] : meta) {
    if (key.rfind("stream:", 0) != 0) continue;
    Generator g;
    size_t used = 0, space = value.find(' ');
    try {
      g.seed = std::stoull(value.substr(0, space), &used);
      g.offset = std::stoull(value.substr(space + 1));
    } catch (const std::exception&) {
      space = std::string::npos;
    }
    MURINE_CHECK(space != std::string::npos && used == space,
                 "load_checkpoint: '" << path << "' has malformed metadata " << text_excerpt(key) << " = "
                                      << text_excerpt(value) << " (expected \"SEED OFFSET\")");
    c.streams[key.substr(7)] = g;
  }
  c.architecture = meta.count("architecture") ? meta.at("architecture") : "";
  c.config_json = meta.count("config") ? meta.at("config") : "";
  for (auto& [key, tensor] : load_safetensors(path, device)) {
    size_t cut = key.find(kSeparator);
    MURINE_CHECK(cut != std::string::npos, "load_checkpoint: '" << path << "' holds " << text_excerpt(key)
                                                                << ", which names no part");
    c.parts[key.substr(0, cut)][key.substr(cut + 1)] = tensor;
  }
  return c;
}

const StateDict& checkpoint_part(const Checkpoint& c, const std::string& name) { return checkpoint_part(c.parts, name); }

void check_finite(const Checkpoint& c, const std::string& path) {
  for (const auto& [part, tensors] : c.parts)
    for (const auto& [name, tensor] : tensors) {
      const std::vector<float> values = tensor.to(Device::CPU).to_vector();
      int64_t bad = 0;
      for (float v : values) bad += !std::isfinite(v);
      MURINE_CHECK(bad == 0, "checkpoint '" << path << "': tensor " << text_excerpt(part + "/" + name) << " holds " << bad
                                            << " non-finite value" << (bad == 1 ? "" : "s") << " (NaN or Inf) of "
                                            << values.size() << ": the run diverged before it was saved");
    }
}

}  // namespace murine
