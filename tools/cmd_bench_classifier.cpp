// `murine bench classifier --model mlp|cnn [--layer standard|sz]`: times full training steps of a
// classifier (models/classifier.h) on random data of its data set's shape: mlp 1×28×28 (Fashion-MNIST,
// 60000 training images), cnn 3×32×32 (CIFAR-10, 50000). One step is what ClassifierTrainer::step does
// with the batch in hand: forward in training mode (the cnn's Dropout(0.25) draws its masks), the mean
// softmax cross-entropy, backward, the recipe's optimizer step (make_optimizer: mlp Adam 1e-3 in Keras'
// convention, cnn tf.keras 2 RMSprop 1e-4; its lr schedule is not applied, it costs nothing), the loss read
// back. --warmup steps run untimed, then each of
// --steps steps is timed alone (steady_clock, a device synchronize on cuda); the median is reported as
// ms/step, batch / median as images/s, and the epoch it implies as (training images) / (images/s).
// Two lines go to stdout, one for people and one of key=value pairs in the form of `murine bench`'s,
//   bench framework=murine model=mlp device=cpu threads=1 batch=32 image=28 channels=1 layer=standard ...
//     ... standard=1 optimizer=adam steps=10 warmup=2 ms_per_step=... min_ms=... images_per_s=...
//     ... epoch_images=60000 epoch_s=... tf32=off gflop_per_step=... gflops=... peak_rss_mb=...
// (the nominal GEMM-like FLOPs of the last timed step, autograd/flop_count.h, over the median; the peak RSS).
// which bench/torch_anchor.py prints for the same step in PyTorch (bench/README.md).
#include "tools/cmd_bench_classifier.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "autograd/flop_count.h"
#include "layers/losses.h"
#include "models/classifier.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tensor/gemm_mode.h"
#include "tools/peak_memory.h"
#include "train/classifier_trainer.h"

namespace murine::cli {

namespace {

constexpr const char* kOp = "murine bench classifier";

struct BenchClassifierArgs {
  std::string model = "mlp", layer = "standard", device = "cpu";
  double param_reduction = 0.5;
  int64_t batch = 32, steps = 10, warmup = 2, threads = 0;
  bool tf32 = false;
  uint64_t seed = 0;
};

// The data set a model is trained on in the papers: its image shape and training-set size.
struct DataShape {
  const char* name;
  int64_t channels, image_size, train_images;
};
DataShape data_shape(const std::string& model) {
  if (model == "mlp") return {"fashion-mnist", 1, 28, 60000};
  return {"cifar10", 3, 32, 50000};
}

int run_bench_classifier(const BenchClassifierArgs& a) {
  MURINE_CHECK(a.model == "mlp" || a.model == "cnn", kOp << ": --model must be mlp or cnn, got '" << a.model << "'");
  MURINE_CHECK(a.layer == "standard" || a.layer == "sz",
               kOp << ": --layer must be standard or sz, got '" << a.layer << "'");
  MURINE_CHECK(a.batch > 0, kOp << ": --batch must be positive, got " << a.batch);
  MURINE_CHECK(a.steps > 0, kOp << ": --steps must be positive, got " << a.steps);
  MURINE_CHECK(a.warmup >= 0, kOp << ": --warmup must be >= 0, got " << a.warmup);
  MURINE_CHECK(a.threads >= 0, kOp << ": --threads must be >= 0 (0: all cores), got " << a.threads);
  const Device dev = parse_device(a.device, kOp);
  MURINE_CHECK(!a.tf32 || dev == Device::CUDA, kOp << ": --tf32 applies to --device cuda only");
  set_gemm_tf32(a.tf32);
  int threads = 1;
#ifdef _OPENMP
  if (a.threads > 0) omp_set_num_threads((int)a.threads);
  threads = omp_get_max_threads();
#endif

  const DataShape data = data_shape(a.model);
  ClassifierRunConfig run;
  run.model.model = a.model;
  run.model.layer = a.layer;
  run.model.param_reduction = a.param_reduction;
  run.model.channels = data.channels;
  run.model.image_size = data.image_size;
  run.model.classes = 10;
  run = run.with_recipe();
  manual_seed(a.seed);  // the initial weights and the Dropout streams
  std::shared_ptr<Sequential> net = make_classifier(run.model);
  net->to(dev);
  std::unique_ptr<Optimizer> optimizer = make_optimizer(run, net->parameters());

  // One fixed batch: pixels U[0, 1), labels uniform over the classes (as float class indices).
  Generator gen(a.seed + 1);
  const Tensor x = rand({a.batch, data.channels, data.image_size, data.image_size}, gen, dev);
  std::vector<float> labels = rand({a.batch}, gen).to_vector();
  for (float& l : labels) l = std::min(std::floor(l * 10.0f), 9.0f);
  const Tensor y = from_vector(labels, {a.batch}, dev);

  using Clock = std::chrono::steady_clock;
  net->train();
  int64_t step_flops = 0;  // the nominal FLOPs of the last step (autograd/flop_count.h)
  auto timed_step = [&] {
    reset_flops();
    const auto t0 = Clock::now();
    optimizer->zero_grad();
    Tensor loss = softmax_cross_entropy(y, (*net)(x));
    loss.backward();
    optimizer->step();
    (void)loss.item();
    backend(dev).synchronize();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    step_flops = flops_counted();
    return ms;
  };
  for (int64_t i = 0; i < a.warmup; ++i) timed_step();
  std::vector<double> ms;
  for (int64_t i = 0; i < a.steps; ++i) ms.push_back(timed_step());

  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  const double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  const double images_per_s = (double)a.batch / (median / 1000.0);
  const double epoch_s = (double)data.train_images / images_per_s;
  const double gflop_per_step = (double)step_flops * 1e-9;
  const double gflops = gflop_per_step / (median / 1000.0);
  char variant[48] = "standard";
  if (a.layer == "sz") std::snprintf(variant, sizeof variant, "sz p=%g", a.param_reduction);

  std::printf("murine bench classifier %s (%s, %d threads, batch %lld, in %lldx%lldx%lld, %s, %s %g): %.2f ms/step "
              "median (min %.2f, max %.2f over %lld steps after %lld warm-up), %.1f images/s; one epoch of %s "
              "(%lld images) %.1f s; %.3f GFLOP/step, %.1f GFLOP/s, peak %.0f MB\n",
              a.model.c_str(), a.device.c_str(), threads, (long long)a.batch, (long long)data.channels,
              (long long)data.image_size, (long long)data.image_size, variant, run.optimizer.c_str(), run.lr, median,
              ms.front(), ms.back(), (long long)a.steps, (long long)a.warmup, images_per_s, data.name,
              (long long)data.train_images, epoch_s, gflop_per_step, gflops, peak_rss_mb());
  std::printf("bench framework=murine model=%s device=%s threads=%d batch=%lld image=%lld channels=%lld layer=%s "
              "standard=%d optimizer=%s steps=%lld warmup=%lld ms_per_step=%.3f min_ms=%.3f images_per_s=%.1f "
              "epoch_images=%lld epoch_s=%.2f tf32=%s gflop_per_step=%.5f gflops=%.2f peak_rss_mb=%.1f\n",
              a.model.c_str(), a.device.c_str(), threads, (long long)a.batch, (long long)data.image_size,
              (long long)data.channels, a.layer.c_str(), a.layer == "standard" ? 1 : 0, run.optimizer.c_str(),
              (long long)a.steps, (long long)a.warmup, median, ms.front(), images_per_s,
              (long long)data.train_images, epoch_s, a.tf32 ? "on" : "off", gflop_per_step, gflops, peak_rss_mb());
  return 0;
}

}  // namespace

Command add_bench_classifier_command(CLI::App& bench) {
  auto a = std::make_shared<BenchClassifierArgs>();
  CLI::App* sub = bench.add_subcommand("classifier", "time training steps of a classifier (mlp or cnn) on random data");
  sub->add_option("--model", a->model, "mlp (1x28x28, Fashion-MNIST) or cnn (3x32x32, CIFAR-10)")->capture_default_str();
  sub->add_option("--layer", a->layer, "standard or sz (the Dense(512) / last hidden Dense is SzDense)")
      ->capture_default_str();
  sub->add_option("--param-reduction", a->param_reduction, "p of the SzDense (sz)")->capture_default_str();
  sub->add_option("--batch", a->batch, "batch size")->capture_default_str();
  sub->add_option("--steps", a->steps, "timed steps (the median is reported)")->capture_default_str();
  sub->add_option("--warmup", a->warmup, "untimed steps first")->capture_default_str();
  sub->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  sub->add_option("--threads", a->threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)");
  sub->add_flag("--tf32", a->tf32, "let cuBLAS use TF32 tensor cores (cuda; off by default)");
  sub->add_option("--seed", a->seed, "seed of the weights and the random data")->capture_default_str();
  return {sub, [a] { return run_bench_classifier(*a); }};
}

}  // namespace murine::cli
