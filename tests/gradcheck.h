// Central-difference gradient check shared by the op tests.
//
// [central difference] ∂L/∂x_i ≈ (L(x + h·e_i) - L(x - h·e_i)) / 2h, error O(h²)
// with L = Σ_j w_j · f(x)_j for a fixed random w, so every output element is checked at once
// and every input element gets its own numerical derivative. L is accumulated in double.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/backend.h"

namespace murine::testing {

using Function = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double h = 1e-3;      // step
  double atol = 1e-3;   // |numeric - analytic| <= atol + rtol·|numeric|
  double rtol = 1e-2;
  uint64_t seed = 1234;
};

inline double weighted_sum(const Tensor& y, const std::vector<float>& w) {
  std::vector<float> v = y.to_vector();
  double s = 0;
  for (size_t j = 0; j < v.size(); ++j) s += (double)w[j] * (double)v[j];
  return s;
}

// Checks d(Σ w·f(inputs))/d(inputs[k]) for every input with requires_grad. Inputs are perturbed in
// place, so `f` may read a parameter either from its arguments or from the layer that holds it.
inline void expect_gradients_match(const Function& f, std::vector<Tensor> inputs,
                                   GradcheckOptions opt = {}) {
  for (Tensor& x : inputs) x.zero_grad();
  Tensor y = f(inputs);
  Generator gen(opt.seed);
  Tensor w = randn(y.shape(), gen, y.device());
  std::vector<float> wv = w.to_vector();
  y.backward(w);

  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor x = inputs[k];
    if (!x.requires_grad()) continue;
    ASSERT_TRUE(x.grad().defined()) << "input " << k << " got no gradient";
    std::vector<float> analytic = x.grad().to_vector();
    std::vector<float> values = x.to_vector();
    for (size_t i = 0; i < values.size(); ++i) {
      // Perturbs x in place, so parameters held inside a layer (not passed through `args`) move too.
      auto eval_at = [&](float v) {
        NoGradGuard no_grad;
        Backend& be = backend(x.device());
        be.copy_from_host(x.data() + i, &v, sizeof(float));
        double loss = weighted_sum(f(inputs), wv);
        be.copy_from_host(x.data() + i, &values[i], sizeof(float));
        return loss;
      };
      float up = values[i] + (float)opt.h, down = values[i] - (float)opt.h;  // the steps float can take
      double numeric = (eval_at(up) - eval_at(down)) / ((double)up - (double)down);
      EXPECT_NEAR(analytic[i], numeric, opt.atol + opt.rtol * std::fabs(numeric))
          << "input " << k << ", element " << i;
    }
  }
}

// A tensor of the given shape with values drawn uniformly from [lo, hi), requiring grad.
inline Tensor uniform_param(const Shape& shape, float lo, float hi, uint64_t seed) {
  Generator gen(seed);
  Tensor u = rand(shape, gen);
  Tensor t = from_vector(u.to_vector(), shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = lo + (hi - lo) * p[i];
  t.requires_grad_();
  return t;
}

}  // namespace murine::testing
