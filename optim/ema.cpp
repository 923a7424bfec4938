// ExponentialMovingAverage (see ema.h).
#include "optim/ema.h"

#include <cmath>

#include "autograd/ops_inplace.h"
#include "tensor/error.h"

namespace murine {

namespace {

// A fresh tensor with src's values on `device` (never sharing src's storage).
Tensor copy_onto(const Tensor& src, Device device) {
  Tensor out = Tensor::empty(src.shape(), device);
  copy_(out, src);
  return out;
}

}  // namespace

ExponentialMovingAverage::ExponentialMovingAverage(const Module& model, double decay)
    : ExponentialMovingAverage(model.named_parameters(), decay) {}

ExponentialMovingAverage::ExponentialMovingAverage(NamedTensors params, double decay)
    : params_(std::move(params)), decay_(decay) {
  MURINE_CHECK(std::isfinite(decay) && decay >= 0 && decay <= 1,
               "ExponentialMovingAverage: decay must be in [0, 1], got " << decay);
  MURINE_CHECK(!params_.empty(), "ExponentialMovingAverage: got no parameters (build the model first)");
  NoGradGuard no_grad;
  for (const auto& [name, p] : params_) {
    MURINE_CHECK(p.defined(), "ExponentialMovingAverage: parameter '" << name << "' is undefined");
    shadows_.emplace_back(name, copy_onto(p, p.device()));
  }
}

void ExponentialMovingAverage::update() {
  NoGradGuard no_grad;
  const float keep = (float)decay_, take = (float)(1.0 - decay_);
  for (size_t i = 0; i < shadows_.size(); ++i) {
    Tensor& s = shadows_[i].second;
    const Tensor& p = params_[i].second;
    MURINE_CHECK(s.shape() == p.shape(), "ExponentialMovingAverage: parameter '"
                                             << params_[i].first << "' changed shape from "
                                             << shape_str(s.shape()) << " to " << shape_str(p.shape()));
    if (s.device() != p.device()) s = copy_onto(s, p.device());  // the model moved
    // [ema] s_t = decay·s_{t−1} + (1 − decay)·p_t
    mul_(s, keep);
    axpy_(s, take, p);
  }
  ++num_updates_;
}

std::vector<Tensor> ExponentialMovingAverage::matching_parameters(const Module& model, const char* op) const {
  NamedTensors named = model.named_parameters();
  std::map<std::string, Tensor> by_name(named.begin(), named.end());
  MURINE_CHECK(by_name.size() == shadows_.size(),
               "ExponentialMovingAverage::" << op << ": the model has " << by_name.size()
                                            << " parameters, the average tracks " << shadows_.size());
  std::vector<Tensor> out;
  for (const auto& [name, s] : shadows_) {
    auto it = by_name.find(name);
    MURINE_CHECK(it != by_name.end(),
                 "ExponentialMovingAverage::" << op << ": the model has no parameter '" << name << "'");
    MURINE_CHECK(it->second.shape() == s.shape(),
                 "ExponentialMovingAverage::" << op << ": '" << name << "' has shape "
                                              << shape_str(it->second.shape()) << " in the model but "
                                              << shape_str(s.shape()) << " in the average");
    out.push_back(it->second);
  }
  return out;
}

void ExponentialMovingAverage::copy_to(Module& model) const {
  std::vector<Tensor> targets = matching_parameters(model, "copy_to");
  NoGradGuard no_grad;
  for (size_t i = 0; i < targets.size(); ++i) copy_(targets[i], shadows_[i].second);
}

void ExponentialMovingAverage::swap(Module& model) {
  std::vector<Tensor> targets = matching_parameters(model, "swap");
  NoGradGuard no_grad;
  for (size_t i = 0; i < targets.size(); ++i) {
    Tensor& s = shadows_[i].second;
    if (s.device() != targets[i].device()) s = copy_onto(s, targets[i].device());
    swap_values_(targets[i], s);
  }
}

std::map<std::string, Tensor> ExponentialMovingAverage::state_dict() const {
  MURINE_CHECK(num_updates_ <= (int64_t(1) << 24),
               "ExponentialMovingAverage: state_dict: num_updates " << num_updates_
                                                                   << " is too large to store exactly as float32");
  std::map<std::string, Tensor> out;
  for (const auto& [name, s] : shadows_) out["ema." + name] = s;
  out["ema.num_updates"] = scalar((float)num_updates_);
  return out;
}

void ExponentialMovingAverage::load_state_dict(const std::map<std::string, Tensor>& state) {
  const char* who = "ExponentialMovingAverage: load_state_dict";
  auto count = state.find("ema.num_updates");
  MURINE_CHECK(count != state.end() && count->second.defined() && count->second.numel() == 1,
               who << ": the state has no one-number 'ema.num_updates'");
  float n = count->second.item();
  MURINE_CHECK(n >= 0 && n == std::floor(n), who << ": 'ema.num_updates' = " << n << " is not a count");
  MURINE_CHECK(state.size() == shadows_.size() + 1,
               who << ": the state has " << state.size() - 1 << " shadows, the average tracks " << shadows_.size());
  for (const auto& [name, s] : shadows_) {
    auto it = state.find("ema." + name);
    MURINE_CHECK(it != state.end(), who << ": missing 'ema." << name << "'");
    MURINE_CHECK(it->second.defined() && it->second.shape() == s.shape(),
                 who << ": 'ema." << name << "' has shape "
                     << (it->second.defined() ? shape_str(it->second.shape()) : "undefined")
                     << " but the parameter has shape " << shape_str(s.shape()));
  }
  NoGradGuard no_grad;
  for (auto& [name, s] : shadows_) copy_(s, state.at("ema." + name));
  num_updates_ = (int64_t)n;
}

}  // namespace murine
