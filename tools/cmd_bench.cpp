// `murine bench dcgan_torch|dcgan_keras|ddim`: times full training steps of a model on random data
// (`murine bench classifier --model mlp|cnn` is tools/cmd_bench_classifier.cpp, a subcommand of this one).
// The model is built at the requested size, --warmup steps run untimed, then each of --steps steps is
// timed on its own (steady_clock around train_step, with a device synchronize on cuda) and the median is
// reported as ms/step and batch / median as images/s. Two lines go to stdout: one for people, and one
// machine-readable line of key=value pairs,
//   bench framework=murine model=ddim device=cpu threads=2 batch=64 image=64 widths=64,128,256,512 ...
//     ... steps=10 warmup=2 ms_per_step=123.4 min_ms=120.1 images_per_s=518.6 ...
//     ... gflop_per_step=... gflops=... peak_rss_mb=...
// which bench/torch_anchor.py prints in the same form for the same step in PyTorch (bench/README.md).
// gflop_per_step is the nominal GEMM-like work of the last timed step (autograd/flop_count.h says what
// is counted), gflops that over the median step, peak_rss_mb the process's peak resident set so far.
// A benchmark measures; nothing here checks values.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "autograd/flop_count.h"
#include "autograd/ops.h"
#include "models/trainable.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tensor/gemm_mode.h"
#include "tools/cmd_bench_classifier.h"
#include "tools/cmd_bench_layer.h"
#include "tools/cmd_bench_sgemm.h"
#include "tools/command.h"
#include "tools/peak_memory.h"

namespace murine::cli {

namespace {

struct BenchArgs {
  std::string model, device = "cpu";
  int64_t batch = 0;  // 0: the model's paper batch (set in run_bench), an explicit 0 is an error
  bool batch_given = false;
  int64_t steps = 10, warmup = 2, threads = 0;
  bool tf32 = false;
  uint64_t seed = 0;
  // The model's sizes, at the paper's defaults (image 64, ngf = ndf = 64; the DDIM's widths 64…512).
  ModelConfig config = [] {
    ModelConfig c;
    c.image_size = 64, c.ngf = 64, c.ndf = 64;
    return c;
  }();
};

// The paper's batch size of each model (models.md).
int64_t paper_batch(const std::string& model) {
  if (model == "dcgan_torch") return 128;
  if (model == "dcgan_keras") return 32;
  return 64;  // ddim
}

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

// The model-specific part of the result line ("ngf=64 ndf=64", "width_scale=1", "widths=64,128,...").
std::string model_text(const BenchArgs& a) {
  if (a.model == "dcgan_torch")
    return "latent=" + std::to_string(a.config.latent) + " ngf=" + std::to_string(a.config.ngf) +
           " ndf=" + std::to_string(a.config.ndf);
  if (a.model == "dcgan_keras") {
    std::ostringstream scale;
    scale << a.config.width_scale;
    return "latent=" + std::to_string(a.config.latent) + " width_scale=" + scale.str();
  }
  return "widths=" + join(a.config.widths);
}

int run_bench(BenchArgs a) {
  const std::string& m = a.model;
  MURINE_CHECK(m == "dcgan_torch" || m == "dcgan_keras" || m == "ddim",
               "murine bench: unknown model '" << m << "' (dcgan_torch, dcgan_keras or ddim)");
  if (!a.batch_given) a.batch = paper_batch(m);
  MURINE_CHECK(a.batch > 0, "murine bench: --batch must be positive, got " << a.batch);
  MURINE_CHECK(a.steps > 0, "murine bench: --steps must be positive, got " << a.steps);
  MURINE_CHECK(a.warmup >= 0, "murine bench: --warmup must be >= 0, got " << a.warmup);
  MURINE_CHECK(a.threads >= 0, "murine bench: --threads must be >= 0 (0: all cores), got " << a.threads);
  const Device dev = parse_device(a.device, "murine bench");
  MURINE_CHECK(!a.tf32 || dev == Device::CUDA, "murine bench: --tf32 applies to --device cuda only");
  set_gemm_tf32(a.tf32);
  int threads = 1;
#ifdef _OPENMP
  if (a.threads > 0) omp_set_num_threads((int)a.threads);
  threads = omp_get_max_threads();
#endif

  a.config.model = m;
  manual_seed(a.seed);  // the models' initial weights
  std::unique_ptr<Trainable> model = make_trainable(a.config);
  Generator gen(a.seed + 1);
  // Fixed random images in the model's pixel range; the DDIM fits its normaliser to them.
  Tensor real = rand({a.batch, 3, a.config.image_size, a.config.image_size}, gen);
  if (model->pixel_range() == PixelRange::MinusOneOne) real = add(mul(real, 2.0f), -1.0f);
  model->prepare(real);
  model->to(dev);
  real = real.to(dev);
  char variant_text[48];
  std::snprintf(variant_text, sizeof variant_text, "mouse r=%g", a.config.window2d_width);
  std::string variant = a.config.standard ? "standard" : variant_text;

  using Clock = std::chrono::steady_clock;
  int64_t step_flops = 0;  // the nominal FLOPs of the last step (autograd/flop_count.h)
  auto timed_step = [&] {
    reset_flops();
    auto t0 = Clock::now();
    model->train_step(real, gen);
    backend(dev).synchronize();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    step_flops = flops_counted();
    return ms;
  };
  for (int64_t i = 0; i < a.warmup; ++i) timed_step();
  std::vector<double> ms;
  for (int64_t i = 0; i < a.steps; ++i) ms.push_back(timed_step());

  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  const double images_per_s = (double)a.batch / (median / 1000.0);
  const double gflop_per_step = (double)step_flops * 1e-9;
  const double gflops = gflop_per_step / (median / 1000.0);

  std::printf("murine bench %s (%s, %d threads, batch %lld, image %lld, %s, %s): %.1f ms/step median "
              "(min %.1f, max %.1f over %lld steps after %lld warm-up), %.1f images/s; %.2f GFLOP/step, %.1f GFLOP/s, "
              "peak %.0f MB\n",
              m.c_str(), a.device.c_str(), threads, (long long)a.batch, (long long)a.config.image_size,
              model_text(a).c_str(), variant.c_str(), median, sorted.front(), sorted.back(), (long long)a.steps,
              (long long)a.warmup, images_per_s, gflop_per_step, gflops, peak_rss_mb());
  std::printf("bench framework=murine model=%s device=%s threads=%d batch=%lld image=%lld %s standard=%d "
              "steps=%lld warmup=%lld ms_per_step=%.2f min_ms=%.2f images_per_s=%.2f tf32=%s gflop_per_step=%.4f "
              "gflops=%.2f peak_rss_mb=%.1f\n",
              m.c_str(), a.device.c_str(), threads, (long long)a.batch, (long long)a.config.image_size,
              model_text(a).c_str(), a.config.standard ? 1 : 0, (long long)a.steps, (long long)a.warmup, median,
              sorted.front(), images_per_s, a.tf32 ? "on" : "off", gflop_per_step, gflops, peak_rss_mb());
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* sub = app.add_subcommand("bench", "time full training steps of a model on random data");
  sub->add_option("model", a->model, "dcgan_torch, dcgan_keras or ddim (or a subcommand: classifier, layer, sgemm)");
  // The subcommands of `murine bench`, one tools/cmd_bench_<name>.cpp and .h each: a new one is its
  // #include above and one more entry here.
  const std::vector<Command> subcommands = {
      add_bench_classifier_command(*sub),
      add_bench_layer_command(*sub),
      add_bench_sgemm_command(*sub),
  };
  CLI::Option* batch = sub->add_option("--batch", a->batch, "batch size (default: the paper's, 128 / 32 / 64)");
  sub->add_option("--steps", a->steps, "timed steps (the median is reported)")->capture_default_str();
  sub->add_option("--warmup", a->warmup, "untimed steps first")->capture_default_str();
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--threads", a->threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)");
  sub->add_option("--image-size", a->config.image_size, "image side (dcgan: 64 or 32)")->capture_default_str();
  sub->add_option("--latent", a->config.latent, "latent size (dcgan)")->capture_default_str();
  sub->add_option("--ngf", a->config.ngf, "generator width (dcgan_torch)")->capture_default_str();
  sub->add_option("--ndf", a->config.ndf, "discriminator width (dcgan_torch)")->capture_default_str();
  sub->add_option("--width-scale", a->config.width_scale, "multiplies every channel count (dcgan_keras)")
      ->capture_default_str();
  sub->add_option("--widths", a->config.widths, "U-Net widths, the last is the middle (ddim)")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--window2d-width", a->config.window2d_width, "window radius r of the mouse layers")
      ->capture_default_str();
  sub->add_flag("--standard", a->config.standard, "standard layers instead of the mouse layers");
  sub->add_flag("--tf32", a->tf32, "let cuBLAS use TF32 tensor cores (cuda; off by default)");
  sub->add_option("--seed", a->seed, "seed of the weights and the random data")->capture_default_str();
  return {sub, [a, batch, sub, subcommands] {
            for (const Command& subcommand : subcommands)
              if (subcommand.app->parsed()) return subcommand.run();
            MURINE_CHECK(sub->get_option("model")->count(),
                         "murine bench: name the model: dcgan_torch, dcgan_keras, ddim, or a subcommand "
                         "(classifier, layer, sgemm)");
            a->batch_given = batch->count() > 0;
            return run_bench(*a);
          }};
}

}  // namespace murine::cli
