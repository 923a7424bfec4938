// `murine sample --checkpoint FILE --n 64 [--steps 20] --out grid.png`: rebuilds the model a checkpoint
// was trained as (from the run config stored in it), loads its weights and writes a grid of samples
// (the GANs' generator in inference mode; the DDIM's EMA network with `--steps` diffusion steps).
#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>

#include "io/image_grid.h"
#include "models/trainable.h"
#include "tensor/error.h"
#include "tools/command.h"
#include "train/checkpoint.h"

namespace murine::cli {

namespace {

struct SampleArgs {
  std::string checkpoint, out = "samples.png", device = "cpu";
  int64_t n = 64, steps = 0, columns = 0;
  uint64_t seed = 0;
};

int run_sample(const SampleArgs& a) {
  MURINE_CHECK(a.n > 0, "murine sample: --n must be positive, got " << a.n);
  MURINE_CHECK(a.steps >= 0, "murine sample: --steps must be positive, got " << a.steps);
  MURINE_CHECK(a.columns >= 0, "murine sample: --columns must be positive, got " << a.columns);
  const Device device = parse_device(a.device, "murine sample");
  Checkpoint c = load_checkpoint(a.checkpoint);
  ModelConfig config;
  try {
    config = ModelConfig::from_json(nlohmann::json::parse(c.config_json));
  } catch (const nlohmann::json::exception& e) {
    MURINE_CHECK(false, "murine sample: checkpoint '" << a.checkpoint << "' holds no murine run config: " << e.what());
  }
  std::unique_ptr<Trainable> model = make_trainable(config);
  MURINE_CHECK(model->architecture() == c.architecture, "murine sample: checkpoint '" << a.checkpoint << "' says it is "
               << c.architecture << " but its config builds " << model->architecture());
  model->load_state_parts(c.parts);
  model->to(device);
  Generator gen(a.seed);
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
  sub->add_option("--checkpoint", a->checkpoint, "a run's checkpoint.safetensors")->required();
  sub->add_option("--n", a->n, "number of samples");
  sub->add_option("--steps", a->steps, "ddim: diffusion steps (default: the run's --sampling-steps)");
  sub->add_option("--seed", a->seed, "seed of the noise");
  sub->add_option("--columns", a->columns, "images per row (default: a square grid)");
  sub->add_option("--out", a->out, "output PNG");
  sub->add_option("--device", a->device, "cpu or cuda");
  return {sub, [a] { return run_sample(*a); }};
}

}  // namespace murine::cli
