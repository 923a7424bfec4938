// `murine bench layer --kind dense|conv|convT ...`: times one masked layer's forward and backward
// (dx and dW) both ways, with the dense products of W ⊙ window and with the window-aware products
// (autograd/windowed_gemm.h), alternating the two so the machine's drift hits both. Prints a line
// for people and one key=value line:
//   bench framework=murine model=layer kind=convT in=512 out=256 kernel=4 image=4 batch=32 form=2d ...
//     ... usage=34.5 mac_fraction=0.42 chosen=window dense_ms=… window_ms=… speedup=…
// `chosen` is the path the layer takes by its cost estimate (WindowPath::Auto).
#include "tools/cmd_bench_layer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "autograd/ops.h"
#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/dense.h"
#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine::cli {

namespace {

struct BenchLayerArgs {
  std::string kind = "convT", form = "2d";
  int64_t in = 512, out = 256, kernel = 4, stride = 0, image_size = 4, batch = 32;
  int64_t input2d_width = 0, output2d_width = 0;
  double window2d_width = 0.4, param_reduction = 0.5;
  int64_t steps = 10, warmup = 2, threads = 0;
  uint64_t seed = 0;
};

std::shared_ptr<KernelLayer> make_layer(const BenchLayerArgs& a) {
  // The window's x side is the weight's axis 1 (input channels; output channels of a transposed
  // convolution), its y side axis 0; each grid defaults to about √n nodes a row.
  const int64_t x_nodes = a.kind == "convT" ? a.out : a.in, y_nodes = a.kind == "convT" ? a.in : a.out;
  WindowSpec spec{.form = a.form,
                  .input2d_width = a.input2d_width ? a.input2d_width : default_2d_width(x_nodes),
                  .output2d_width = a.output2d_width ? a.output2d_width : default_2d_width(y_nodes),
                  .window2d_width = a.window2d_width, .param_reduction = a.param_reduction};
  if (a.kind == "dense") {
    DenseOptions o = Dense::torch(a.in, a.out);
    o.window = spec;
    return std::make_shared<mDense>(o);
  }
  if (a.kind == "conv") {
    // stride 1, "same" padding for odd kernels (the DDIM's 3×3), else the DCGAN discriminator's k4 s2 p1
    const int64_t stride = a.stride ? a.stride : (a.kernel % 2 ? 1 : 2);
    Conv2DOptions o = Conv2D::torch(a.in, a.out, a.kernel, stride, a.kernel % 2 ? a.kernel / 2 : 1, false);
    o.window = spec;
    return std::make_shared<mConv2D>(o);
  }
  // the DCGAN generator's k4 s2 p1 up-sampling
  const int64_t stride = a.stride ? a.stride : 2;
  Conv2DOptions o = Conv2DTranspose::torch(a.in, a.out, a.kernel, stride, a.kernel % 2 ? a.kernel / 2 : 1, 0, false);
  o.window = spec;
  return std::make_shared<mConv2DTranspose>(o);
}

int run_bench_layer(const BenchLayerArgs& a) {
  MURINE_CHECK(a.kind == "dense" || a.kind == "conv" || a.kind == "convT",
               "murine bench layer: --kind must be dense, conv or convT, got '" << a.kind << "'");
  MURINE_CHECK(a.in > 0 && a.out > 0 && a.batch > 0 && a.image_size > 0 && a.kernel > 0,
               "murine bench layer: --in, --out, --batch, --image-size and --kernel must be positive");
  MURINE_CHECK(a.steps > 0 && a.warmup >= 0, "murine bench layer: --steps must be positive and --warmup >= 0");
  int threads = 1;
#ifdef _OPENMP
  if (a.threads > 0) omp_set_num_threads((int)a.threads);
  threads = omp_get_max_threads();
#endif
  manual_seed(a.seed);
  std::shared_ptr<KernelLayer> layer = make_layer(a);
  Generator gen(a.seed + 1);
  Tensor x = a.kind == "dense" ? randn({a.batch, a.in}, gen)
                                     : randn({a.batch, a.in, a.image_size, a.image_size}, gen);
  x.requires_grad_(true);
  const Tensor y0 = layer->forward(x);  // builds the layer
  const Tensor gy = randn(y0.shape(), gen);
  const MaskedKernel& kernel = *layer->masked_kernel();

  using Clock = std::chrono::steady_clock;
  auto timed_step = [&](WindowPath path) {
    set_window_path(path);
    layer->zero_grad();
    x.zero_grad();
    auto t0 = Clock::now();
    layer->forward(x).backward(gy);
    backend(x.device()).synchronize();
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  for (int64_t i = 0; i < a.warmup; ++i) timed_step(WindowPath::Dense), timed_step(WindowPath::Window);
  std::vector<double> dense_ms, window_ms;
  for (int64_t i = 0; i < a.steps; ++i) {  // alternating: A B A B
    dense_ms.push_back(timed_step(WindowPath::Dense));
    window_ms.push_back(timed_step(WindowPath::Window));
  }
  set_window_path(WindowPath::Auto);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  };
  const double dense = median(dense_ms), window = median(window_ms);
  const WindowPlan& plan = kernel.plan();
  const bool chosen = kernel.blocks(x.device()) != nullptr;
  std::string shape = a.kind == "dense" ? "" : " kernel=" + std::to_string(a.kernel) + " image=" + std::to_string(a.image_size);

  std::printf("murine bench layer %s %lld→%lld%s, batch %lld, %s window at %.1f %% usage: dense %.2f ms, "
              "window-aware %.2f ms (%.2f× faster; %.3f of the multiply-adds, blocks of %lld channels); "
              "the layer takes the %s path\n",
              a.kind.c_str(), (long long)a.in, (long long)a.out, shape.c_str(), (long long)a.batch, a.form.c_str(),
              kernel.stats().usage_percent, dense, window, dense / window, plan.blocks.mac_fraction(),
              (long long)plan.blocks.width, chosen ? "window-aware" : "dense");
  std::printf("bench framework=murine model=layer kind=%s in=%lld out=%lld%s batch=%lld threads=%d form=%s "
              "window2d_width=%g param_reduction=%g usage=%.3f mac_fraction=%.4f block_width=%lld chosen=%s "
              "steps=%lld warmup=%lld dense_ms=%.3f window_ms=%.3f speedup=%.3f\n",
              a.kind.c_str(), (long long)a.in, (long long)a.out, shape.c_str(), (long long)a.batch, threads,
              a.form.c_str(), a.window2d_width, a.param_reduction, kernel.stats().usage_percent,
              plan.blocks.mac_fraction(), (long long)plan.blocks.width, chosen ? "window" : "dense",
              (long long)a.steps, (long long)a.warmup, dense, window, dense / window);
  return 0;
}

}  // namespace

Command add_bench_layer_command(CLI::App& bench) {
  auto a = std::make_shared<BenchLayerArgs>();
  CLI::App* sub = bench.add_subcommand("layer", "time one masked layer's forward+backward, dense and window-aware");
  sub->add_option("--kind", a->kind, "dense (mDense), conv (mConv2D) or convT (mConv2DTranspose)")->capture_default_str();
  sub->add_option("--in", a->in, "input channels (features)")->capture_default_str();
  sub->add_option("--out", a->out, "output channels (features)")->capture_default_str();
  sub->add_option("--kernel", a->kernel, "kernel side (conv, convT)")->capture_default_str();
  sub->add_option("--stride", a->stride, "stride (0: 1 for odd kernels and 2 for even ones; convT 2)")
      ->capture_default_str();
  sub->add_option("--image-size", a->image_size, "input image side (conv, convT)")->capture_default_str();
  sub->add_option("--batch", a->batch, "batch size")->capture_default_str();
  sub->add_option("--form", a->form, "window form: 2d, diagonal, ...")->capture_default_str();
  sub->add_option("--window2d-width", a->window2d_width, "window radius r ('2d')")->capture_default_str();
  sub->add_option("--input2d-width", a->input2d_width, "nodes per grid row, x side ('2d'; 0: about √n)")
      ->capture_default_str();
  sub->add_option("--output2d-width", a->output2d_width, "nodes per grid row, y side ('2d'; 0: about √n)")
      ->capture_default_str();
  sub->add_option("--param-reduction", a->param_reduction, "p ('diagonal')")->capture_default_str();
  sub->add_option("--steps", a->steps, "timed steps of each path (medians reported)")->capture_default_str();
  sub->add_option("--warmup", a->warmup, "untimed steps of each path first")->capture_default_str();
  sub->add_option("--threads", a->threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)");
  sub->add_option("--seed", a->seed, "seed of the weights and the data")->capture_default_str();
  return {sub, [a] { return run_bench_layer(*a); }};
}

}  // namespace murine::cli
