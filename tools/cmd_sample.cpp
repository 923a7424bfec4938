// `murine sample --checkpoint FILE|RUN_DIR --n 64 [--steps 20] --out grid.png [--out-dir DIR]`: rebuilds
// the model a checkpoint was trained as (from the run config stored in it), loads its weights and writes
// a grid of samples (the GANs' generator in inference mode; the DDIM's EMA network with `--steps`
// diffusion steps), or with --out-dir one PNG per sample.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "autograd/ops.h"
#include "io/image_grid.h"
#include "io/json_limits.h"
#include "models/trainable.h"
#include "tensor/error.h"
#include "tools/command.h"
#include "train/checkpoint.h"

namespace murine::cli {

namespace {

struct SampleArgs {
  std::string checkpoint, out = "samples.png", out_dir, device = "cpu";
  int64_t n = 64, steps = 0, columns = 0;
  uint64_t seed = 0;
};

int run_sample(const SampleArgs& a) {
  MURINE_CHECK(a.n > 0, "murine sample: --n must be positive, got " << a.n);
  MURINE_CHECK(a.steps >= 0, "murine sample: --steps must be positive, got " << a.steps);
  MURINE_CHECK(a.columns >= 0, "murine sample: --columns must be positive, got " << a.columns);
  const Device device = parse_device(a.device, "murine sample");
  // A run directory stands for its checkpoint (train/trainer.h's layout).
  std::string path = a.checkpoint;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    path += "/checkpoint.safetensors";
    MURINE_CHECK(std::filesystem::exists(path, ec),
                 "murine sample: '" << a.checkpoint << "' is a directory without a checkpoint.safetensors (not a run directory)");
  }
  Checkpoint c = load_checkpoint(path);
  check_finite(c, path);
  ModelConfig config;
  try {
    config = ModelConfig::from_json(parse_json(c.config_json, "murine sample: the config in checkpoint '" + path + "'"));
  } catch (const nlohmann::json::exception& e) {
    MURINE_CHECK(false, "murine sample: checkpoint '" << a.checkpoint << "' holds no murine run config: " << e.what());
  }
  std::unique_ptr<Trainable> model = make_trainable(config);
  MURINE_CHECK(model->architecture() == c.architecture, "murine sample: checkpoint '" << a.checkpoint << "' says it is "
               << c.architecture << " but its config builds " << model->architecture());
  MURINE_CHECK(a.steps == 0 || config.model == "ddim",
               "murine sample: --steps sets the DDIM's diffusion steps; checkpoint '" << a.checkpoint << "' is a "
               << config.model << ", which samples in one pass");
  model->load_state_parts(c.parts);
  model->to(device);
  Generator gen(a.seed);
  if (!a.out_dir.empty()) {
    // One PNG per sample, drawn in batches of 64 from the same noise stream (what FID tools read).
    std::filesystem::create_directories(a.out_dir, ec);
    MURINE_CHECK(!ec && std::filesystem::is_directory(a.out_dir),
                 "murine sample: cannot create --out-dir '" << a.out_dir << "': " << ec.message());
    constexpr int64_t kBatch = 64;
    for (int64_t first = 0; first < a.n; first += kBatch) {
      const int64_t count = std::min(kBatch, a.n - first);
      Tensor images = model->sample(count, gen, a.steps).to(Device::CPU);
      for (int64_t i = 0; i < count; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%06lld.png", (long long)(first + i));
        save_image(reshape(slice(images, 0, i, i + 1), {images.size(1), images.size(2), images.size(3)}),
                   a.out_dir + "/" + name);
      }
    }
    std::printf("wrote %lld PNGs (000000.png …) to %s: samples of %s (step %lld)\n", (long long)a.n,
                a.out_dir.c_str(), c.architecture.c_str(), (long long)c.step);
    return 0;
  }
  Tensor images = model->sample(a.n, gen, a.steps);
  int columns = a.columns > 0 ? (int)a.columns : (int)std::ceil(std::sqrt((double)a.n));
  save_grid(images, columns, a.out);
  std::printf("wrote %s: %lld samples of %s (step %lld)\n", a.out.c_str(), (long long)a.n, c.architecture.c_str(),
              (long long)c.step);
  return 0;
}

}  // namespace

Command add_sample_command(CLI::App& app) {
  auto a = std::make_shared<SampleArgs>();
  CLI::App* sub = app.add_subcommand("sample", "draw samples from a trained model's checkpoint into a PNG grid");
  sub->add_option("--checkpoint", a->checkpoint, "a run's checkpoint.safetensors, or its run directory")->required();
  sub->add_option("--n", a->n, "number of samples")->capture_default_str();
  sub->add_option("--steps", a->steps, "ddim only: diffusion steps (default: the run's --sampling-steps)");
  sub->add_option("--seed", a->seed, "seed of the noise");
  sub->add_option("--columns", a->columns, "images per row (default: a square grid)");
  sub->add_option("--out", a->out, "output PNG (the grid)")->capture_default_str();
  sub->add_option("--out-dir", a->out_dir, "write one PNG per sample (000000.png, …) into this folder instead of a grid");
  sub->add_option("--device", a->device, "cpu or cuda");
  return {sub, [a] { return run_sample(*a); }};
}

}  // namespace murine::cli
