// Optimizer base (see optimizer.h): the step loop, slots, and the state dict round trip.
#include "optim/optimizer.h"

#include <cassert>
#include <cmath>
#include <set>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops_inplace.h"
#include "tensor/error.h"

namespace murine {

namespace {

constexpr int64_t kMaxExactCount = int64_t(1) << 24;  // float32 holds every integer up to here

Tensor count_tensor(const std::string& owner, const std::string& key, int64_t count) {
  MURINE_CHECK(count <= kMaxExactCount, owner << ": state_dict: '" << key << "' = " << count
                                              << " is too large to store exactly as float32");
  return scalar((float)count);
}

int64_t read_count(const std::string& owner, const std::string& key, const Tensor& t) {
  MURINE_CHECK(t.numel() == 1, owner << ": load_state_dict: '" << key << "' must hold one number, got shape "
                                     << shape_str(t.shape()));
  float v = t.item();
  MURINE_CHECK(v >= 0 && v == std::floor(v) && v <= (float)kMaxExactCount,
               owner << ": load_state_dict: '" << key << "' = " << v << " is not a step count");
  return (int64_t)v;
}

// A fresh tensor on `device` holding src's values (never sharing src's storage).
Tensor copy_onto(const Tensor& src, Device device) {
  Tensor out = Tensor::empty(src.shape(), device);
  copy_(out, src);
  return out;
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, double lr, std::string type_name, std::string prefix,
                     std::vector<std::string> slot_names)
    : lr_(lr),
      params_(std::move(params)),
      type_name_(std::move(type_name)),
      prefix_(std::move(prefix)),
      slot_names_(std::move(slot_names)),
      updates_(params_.size(), 0) {
  MURINE_CHECK(!params_.empty(), type_name_ << ": got no parameters (a Keras-style layer creates its "
                                               "parameters at its first forward or build(); do that first)");
  std::set<const TensorImpl*> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    MURINE_CHECK(params_[i].defined(), type_name_ << ": parameter " << i << " is undefined");
    MURINE_CHECK(seen.insert(params_[i].impl()).second,
                 type_name_ << ": parameter " << i << " appears twice in the list (it would be updated twice)");
  }
  set_lr(lr);
  for (const std::string& s : slot_names_) slots_[s].resize(params_.size());
}

void Optimizer::set_lr(double lr) {
  MURINE_CHECK(std::isfinite(lr) && lr >= 0, type_name_ << ": lr must be finite and >= 0, got " << lr);
  lr_ = lr;
}

void Optimizer::step() {
  NoGradGuard no_grad;
  bool any = false;
  for (const Tensor& p : params_) any = any || p.grad().defined();
  if (!any) return;  // Keras: nothing to apply, the iteration count does not move either
  ++iterations_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    MURINE_CHECK(grad.shape() == params_[i].shape() && grad.device() == params_[i].device(),
                 type_name_ << ": parameter " << i << " of shape " << shape_str(params_[i].shape())
                            << " has a gradient of shape " << shape_str(grad.shape()) << " on "
                            << device_name(grad.device()));
    ++updates_[i];
    update(i, params_[i], grad);
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

Tensor& Optimizer::slot(const std::string& name, size_t index) {
  auto it = slots_.find(name);
  MURINE_CHECK(it != slots_.end(), type_name_ << ": no slot named '" << name << "'");  // a subclass bug
  Tensor& s = it->second.at(index);
  const Tensor& p = params_[index];
  if (!s.defined())
    s = zeros(p.shape(), p.device());
  else if (s.device() != p.device())
    s = copy_onto(s, p.device());
  return s;
}

void Optimizer::update_in_one_pass(OptimizerUpdate update, const OptimizerScalars& scalars, Tensor& param,
                                   const Tensor& grad, Tensor& slot_a, Tensor* slot_b) {
  MURINE_CHECK(grad.shape() == param.shape() && grad.device() == param.device(),
               type_name_ << ": gradient of shape " << shape_str(grad.shape()) << " on " << device_name(grad.device())
                          << " for a parameter of shape " << shape_str(param.shape()) << " on "
                          << device_name(param.device()));
  assert(slot_a.shape() == param.shape() && (!slot_b || slot_b->shape() == param.shape()));
  if (param.numel() == 0) return;
  backend(param.device())
      .optimizer_update(update, scalars, param.data(), grad.data(), slot_a.data(), slot_b ? slot_b->data() : nullptr,
                        param.numel());
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> out;
  out["step"] = count_tensor(type_name_, "step", iterations_);
  for (const auto& [name, per_param] : slots_)
    for (size_t i = 0; i < per_param.size(); ++i)
      if (per_param[i].defined()) out[prefix_ + "." + name + "." + std::to_string(i)] = per_param[i];
  for (size_t i = 0; i < updates_.size(); ++i)
    if (updates_[i] > 0) {
      std::string key = prefix_ + ".step." + std::to_string(i);
      out[key] = count_tensor(type_name_, key, updates_[i]);
    }
  return out;
}

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state) {
  const std::string who = type_name_ + ": load_state_dict";
  auto step_it = state.find("step");
  MURINE_CHECK(step_it != state.end(), who << ": the state has no 'step'");
  int64_t iterations = read_count(type_name_, "step", step_it->second);

  // Validate everything first, so a bad state changes nothing.
  std::map<std::string, std::vector<Tensor>> slots;
  for (const std::string& s : slot_names_) slots[s].resize(params_.size());
  std::vector<int64_t> updates(params_.size(), 0);
  for (const auto& [key, value] : state) {
    if (key == "step") continue;
    const std::string head = prefix_ + ".";
    size_t dot = key.rfind('.');
    MURINE_CHECK(key.compare(0, head.size(), head) == 0 && dot != std::string::npos && dot > head.size(),
                 who << ": unexpected entry '" << key << "' (expected 'step' or '" << prefix_
                     << ".<slot>.<index>')");
    std::string name = key.substr(head.size(), dot - head.size()), index_text = key.substr(dot + 1);
    MURINE_CHECK(!index_text.empty() && index_text.find_first_not_of("0123456789") == std::string::npos &&
                     index_text.size() < 10,
                 who << ": '" << key << "' does not end in a parameter index");
    size_t index = std::stoul(index_text);
    MURINE_CHECK(index < params_.size(), who << ": '" << key << "' names parameter " << index << " but there are "
                                             << params_.size());
    MURINE_CHECK(value.defined(), who << ": '" << key << "' is undefined");
    if (name == "step") {
      updates[index] = read_count(type_name_, key, value);
      continue;
    }
    MURINE_CHECK(slots.count(name), who << ": unexpected entry '" << key << "' (no slot '" << name << "')");
    MURINE_CHECK(value.shape() == params_[index].shape(),
                 who << ": '" << key << "' has shape " << shape_str(value.shape()) << " but parameter " << index
                     << " has shape " << shape_str(params_[index].shape()));
    slots[name][index] = value;
  }

  // Then copy in, each slot onto its parameter's device.
  NoGradGuard no_grad;
  for (auto& [name, per_param] : slots)
    for (size_t i = 0; i < per_param.size(); ++i)
      if (per_param[i].defined()) per_param[i] = copy_onto(per_param[i], params_[i].device());
  slots_ = std::move(slots);
  updates_ = std::move(updates);
  iterations_ = iterations;
}

}  // namespace murine
