// Module: parameter/buffer registry, state dicts, train/eval, device moves; and Sequential.
#include "layers/module.h"

#include <set>

#include "autograd/node.h"
#include "io/safetensors.h"
#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine {

namespace {

// Points `dst`'s TensorImpl at a copy of `src`'s values on dst's device (same shape), keeping every
// handle to dst valid.
void assign_in_place(Tensor& dst, const Tensor& src) {
  Tensor moved = src.to(dst.device()).detach().clone();
  dst.impl()->storage = moved.impl()->storage;
  dst.impl()->offset = moved.impl()->offset;
}

}  // namespace

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  for (const auto& [n, t] : params_)
    MURINE_CHECK(n != name, type_name() << ": parameter '" << name << "' is registered twice");
  value.requires_grad_(true);
  params_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  for (const auto& [n, t] : buffers_)
    MURINE_CHECK(n != name, type_name() << ": buffer '" << name << "' is registered twice");
  buffers_.emplace_back(name, value);
  return value;
}

void Module::set_buffer(const std::string& name, const Tensor& value) {
  for (auto& [n, t] : buffers_)
    if (n == name) {
      MURINE_CHECK(t.shape() == value.shape(), type_name() << ": buffer '" << name << "' has shape "
                                                           << shape_str(t.shape()) << ", new value "
                                                           << shape_str(value.shape()));
      assign_in_place(t, value);
      return;
    }
  throw Error(type_name() + ": no buffer named '" + name + "'");
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  MURINE_CHECK(child, type_name() << ": child '" << name << "' is null");
  for (const auto& [n, c] : children_)
    MURINE_CHECK(n != name, type_name() << ": child '" << name << "' is registered twice");
  child->train(training_);
  children_.emplace_back(name, std::move(child));
}

NamedTensors Module::named_parameters() const {
  NamedTensors out = params_;
  for (const auto& [name, child] : children_)
    for (auto& [n, t] : child->named_parameters()) out.emplace_back(name + "." + n, t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out = buffers_;
  for (const auto& [name, child] : children_)
    for (auto& [n, t] : child->named_buffers()) out.emplace_back(name + "." + n, t);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_children() const {
  std::vector<std::pair<std::string, Module*>> out;
  for (const auto& [n, c] : children_) out.emplace_back(n, c.get());
  return out;
}

std::vector<std::pair<std::string, Generator*>> Module::named_random_streams() {
  std::vector<std::pair<std::string, Generator*>> out;
  if (Generator* g = random_stream()) out.emplace_back("", g);
  for (auto& [n, c] : children_)
    for (auto& [name, g] : c->named_random_streams()) out.emplace_back(name.empty() ? n : n + "." + name, g);
  return out;
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> out;
  for (auto& [n, t] : named_parameters()) out[n] = t;
  for (auto& [n, t] : named_buffers()) out[n] = t;
  return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  std::map<std::string, Tensor> own = state_dict();
  if (strict) {
    for (const auto& [name, t] : own)
      MURINE_CHECK(state.count(name), type_name() << ": load_state_dict: missing '" << name << "' "
                                                  << shape_str(t.shape()));
    for (const auto& [name, t] : state)
      MURINE_CHECK(own.count(name), type_name() << ": load_state_dict: unexpected '" << name << "' "
                                                << shape_str(t.shape()));
  }
  NoGradGuard no_grad;
  for (auto& [name, t] : own) {
    auto it = state.find(name);
    if (it == state.end()) continue;
    MURINE_CHECK(it->second.shape() == t.shape(),
                 type_name() << ": load_state_dict: '" << name << "' has shape " << shape_str(t.shape())
                             << " in the model but " << shape_str(it->second.shape()) << " in the state");
    assign_in_place(t, it->second);
  }
  notify_state_loaded();
}

void Module::notify_state_loaded() {
  state_loaded();
  for (auto& [name, child] : children_) child->notify_state_loaded();
}

void Module::save(const std::string& path) const { save_safetensors(path, state_dict()); }

void Module::load(const std::string& path) { load_state_dict(load_safetensors(path, device_)); }

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  for (auto* list : {&params_, &buffers_})
    for (auto& [n, t] : *list) {
      if (t.device() == device) continue;
      Tensor moved = t.to(device);
      t.impl()->storage = moved.impl()->storage;
      t.impl()->offset = moved.impl()->offset;
      t.impl()->grad.reset();
    }
  device_ = device;
  for (auto& [n, c] : children_) c->to(device);
}

void Module::zero_grad() {
  for (Tensor& t : parameters()) t.zero_grad();
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> layers) {
  for (auto& l : layers) add(std::move(l));
}

void Sequential::add(std::shared_ptr<Module> layer) {
  register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& layer : layers_) y = layer->forward(y);
  return y;
}

Generator& global_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) { global_generator() = Generator(seed); }

}  // namespace murine
