// Module: the base of every layer and model. It owns named parameters (trainable tensors) and
// buffers (constant state such as running statistics or a connection window), child modules, and a
// training flag. Names are dotted paths, as in PyTorch's state_dict ("0.weight",
// "block.norm.running_mean"). Layers build lazily: Keras-style options need not give the input size,
// and the first forward (or an explicit build) creates the parameters.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/node.h"
#include "autograd/ops.h"

namespace murine {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
class MaskedKernel;

class Module {
 public:
  virtual ~Module() = default;

  // The layer's computation. Layers with several inputs (Concatenate, Add) take a vector instead.
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Keras-style class name ("Dense", "mConv2D"), used in errors and summaries.
  virtual std::string type_name() const = 0;

  // The layer's kernel (the weight of Dense, Conv2D, Conv2DTranspose and their masked twins) once
  // built; undefined for layers without one.
  virtual Tensor kernel_weight() const { return Tensor(); }
  // The connection window of a masked layer (layers/masked_kernel.h); nullptr when unmasked.
  virtual const MaskedKernel* masked_kernel() const { return nullptr; }

  NamedTensors named_parameters() const;  // recursive, dotted names
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Module*>> named_children() const;
  // The random streams of this module and its children (Dropout's mask generator), by dotted module
  // name ("3", "down0.res1.dropout"). A checkpoint saves and restores them so a resumed run draws the
  // same masks as an uninterrupted one.
  std::vector<std::pair<std::string, Generator*>> named_random_streams();

  // Parameters and buffers by name. load_state_dict copies values into the existing tensors (so every
  // handle to a parameter stays valid); with strict, missing or unexpected names are errors; then every
  // module's state_loaded() runs.
  std::map<std::string, Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);
  // The state dict as a safetensors file (atomic write) and back.
  void save(const std::string& path) const;
  void load(const std::string& path);

  // Training mode (batch statistics, dropout) vs inference; applies to every child.
  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  // Moves every parameter and buffer to `device` in place (handles stay valid).
  void to(Device device);
  Device device() const { return device_; }
  void zero_grad();

 protected:
  // This module's own random stream, if it draws one (Dropout); children are walked by the caller.
  virtual Generator* random_stream() { return nullptr; }
  // Called on this module and every child after load_state_dict wrote into their tensors, for state
  // derived from them (a masked layer's window figures).
  virtual void state_loaded() {}
  // Registers a trainable tensor (requires_grad is set) or a constant buffer; returns it.
  Tensor register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value);
  // Registers a child; its parameters appear as "<name>.<param>".
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    add_child(name, child);
    return child;
  }
  // Replaces a registered buffer's value in place (e.g. running statistics).
  void set_buffer(const std::string& name, const Tensor& value);

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  void notify_state_loaded();
  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  Device device_ = Device::CPU;
};

// Sequential: applies its children in order; children are named "0", "1", … like PyTorch's.
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> layers);
  void add(std::shared_ptr<Module> layer);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }
  size_t size() const { return layers_.size(); }
  Module& operator[](size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

// The process-wide generator layers draw their initial weights from (as torch.manual_seed /
// keras.utils.set_random_seed); manual_seed resets it.
Generator& global_generator();
void manual_seed(uint64_t seed);

}  // namespace murine
