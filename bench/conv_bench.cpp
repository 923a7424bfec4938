// Times CPU conv2d and conv_transpose2d, forward and backward (dx and dW), on the layers murine's
// models run: the demo DCGAN (32×32, ngf = ndf = 32, batch 64), the 64×64 DCGAN's outer layers, and
// the DDIM U-Net's 3×3 'same' and 1×1 convolutions. Prints the median of --runs timings in ms.
//
// Build (after `make BUILD=/tmp/cbuild /tmp/cbuild/libmurine.a`, from the repository root):
//   g++ -std=c++20 -O2 -fopenmp -I. bench/conv_bench.cpp /tmp/cbuild/libmurine.a -lopenblas
//       -lpthread -o /tmp/cbuild/conv_bench   (one command line)
// Run: /tmp/cbuild/conv_bench [runs] [filter] [budget_mib]   (runs defaults to 7; filter keeps
// layers whose name contains it; budget_mib sets the column budget, set_conv_column_budget_bytes).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/backend.h"

using namespace murine;

namespace {

struct Layer {
  std::string name;
  bool transposed;
  int64_t batch, in_channels, out_channels, size, kernel, stride, pad;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(clock::now().time_since_epoch()).count();
}

void run(const Layer& l, int runs) {
  Generator gen(1);
  Tensor x = randn({l.batch, l.in_channels, l.size, l.size}, gen).requires_grad_();
  // conv2d weight (O, C, kh, kw); conv_transpose2d weight (C, O, kh, kw)
  Tensor w = l.transposed ? randn({l.in_channels, l.out_channels, l.kernel, l.kernel}, gen)
                          : randn({l.out_channels, l.in_channels, l.kernel, l.kernel}, gen);
  w.requires_grad_();
  ConvArgs opt;
  opt.stride_h = opt.stride_w = l.stride;
  opt.pad_top = opt.pad_bottom = opt.pad_left = opt.pad_right = l.pad;
  auto forward = [&] {
    return l.transposed ? conv_transpose2d(x, w, Tensor(), opt) : conv2d(x, w, Tensor(), opt);
  };
  Tensor gy;
  {
    NoGradGuard no_grad;
    gy = randn(forward().shape(), gen);
  }
  std::vector<double> fwd, bwd;
  for (int r = 0; r < runs + 1; ++r) {  // the first run warms caches and the allocator
    x.zero_grad();
    w.zero_grad();
    double t0 = now_ms();
    Tensor y = forward();
    double t1 = now_ms();
    y.backward(gy);
    double t2 = now_ms();
    if (r == 0) continue;
    fwd.push_back(t1 - t0);
    bwd.push_back(t2 - t1);
  }
  std::printf("%-34s %9.2f %9.2f %9.2f\n", l.name.c_str(), median(fwd), median(bwd),
              median(fwd) + median(bwd));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 7;
  std::string filter = argc > 2 ? argv[2] : "";
  if (argc > 3) set_conv_column_budget_bytes((int64_t)(std::atof(argv[3]) * (1 << 20)));
  const std::vector<Layer> layers = {
      // name                                transposed  N   C    O    size k  s  p
      {"dcgan32 G convT 100->128 1->4", true, 64, 100, 128, 1, 4, 1, 0},
      {"dcgan32 G convT 128->64 4->8", true, 64, 128, 64, 4, 4, 2, 1},
      {"dcgan32 G convT 64->32 8->16", true, 64, 64, 32, 8, 4, 2, 1},
      {"dcgan32 G convT 32->3 16->32", true, 64, 32, 3, 16, 4, 2, 1},
      {"dcgan32 D conv 3->32 32->16", false, 64, 3, 32, 32, 4, 2, 1},
      {"dcgan32 D conv 32->64 16->8", false, 64, 32, 64, 16, 4, 2, 1},
      {"dcgan32 D conv 64->128 8->4", false, 64, 64, 128, 8, 4, 2, 1},
      {"dcgan32 D conv 128->1 4->1", false, 64, 128, 1, 4, 4, 1, 0},
      {"dcgan64 G convT 64->3 32->64", true, 64, 64, 3, 32, 4, 2, 1},
      {"dcgan64 D conv 3->64 64->32", false, 64, 3, 64, 64, 4, 2, 1},
      {"ddim conv3x3 64 @64x64 b8", false, 8, 64, 64, 64, 3, 1, 1},
      {"ddim conv3x3 128 @32x32 b8", false, 8, 128, 128, 32, 3, 1, 1},
      {"ddim conv3x3 256 @16x16 b8", false, 8, 256, 256, 16, 3, 1, 1},
      {"ddim conv3x3 512 @8x8 b8", false, 8, 512, 512, 8, 3, 1, 1},
      {"ddim conv1x1 128->64 @32x32 b8", false, 8, 128, 64, 32, 1, 1, 0},
      {"ddim conv1x1 512 @8x8 b8", false, 8, 512, 512, 8, 1, 1, 0},
  };
  std::printf("%-34s %9s %9s %9s   (median of %d, ms)\n", "layer", "forward", "backward", "total",
              runs);
  for (const Layer& l : layers)
    if (l.name.find(filter) != std::string::npos) run(l, runs);
}
