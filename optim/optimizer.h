// Optimizer: the base of SGD and Adam. It holds handles to the parameters it updates, and per
// parameter the state tensors ("slots": momentum buffers, Adam's moments) a subclass asks for.
// step() updates, in place and under a NoGradGuard, every parameter that has a gradient: the new
// values are written into the parameter's own storage, so every handle to it (the module's, the
// optimizer's, a view's) sees them and no TensorImpl is ever replaced. A parameter without a
// gradient is skipped (its slots and its update count do not move), as in Keras and PyTorch.
//
// Counting. iterations() counts the step() calls that updated something (Keras'
// optimizer.iterations); updates(i) counts the updates parameter i received (PyTorch's per-parameter
// state["step"]). The two agree whenever every parameter has a gradient at every step.
//
// State dict (for checkpoints): {"step": iterations, "<prefix>.<slot>.<i>": slot of parameter i,
// "<prefix>.step.<i>": updates(i)}, e.g. "adam.m.3", "adam.v.3", "adam.step.3", "sgd.momentum.0",
// with i the parameter's position in the list given to the constructor. Counts are stored as
// float32 scalars (exact up to 2^24 steps). Slots that were never used are absent. Hyperparameters
// (lr, betas, …) are construction arguments and are not saved.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tensor/backend.h"
#include "tensor/tensor.h"

namespace murine {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;  // a copy would share the slot tensors
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;

  // One update of every parameter that has a gradient (in place, no graph).
  void step();
  // Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);
  int64_t iterations() const { return iterations_; }
  int64_t updates(size_t index) const { return updates_.at(index); }
  const std::vector<Tensor>& parameters() const { return params_; }
  // "SGD", "Adam": used in error messages.
  const std::string& type_name() const { return type_name_; }

  // The state as named tensors (handles to the live slots; "step" counts are fresh scalars).
  std::map<std::string, Tensor> state_dict() const;
  // Replaces the whole state with copies of `state` on each parameter's device. "step" is required;
  // an unknown name, a slot of the wrong shape or a parameter index out of range is an error, and
  // nothing is changed then. A slot absent from `state` starts again from zero.
  void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  // `prefix` names the state dict entries ("adam"); `slot_names` lists the slots update() may use.
  Optimizer(std::vector<Tensor> params, double lr, std::string type_name, std::string prefix,
            std::vector<std::string> slot_names);
  // Writes the new value of parameter `index` into `param` from its gradient. Runs under a
  // NoGradGuard; updates(index) already counts this update and iterations() this step.
  virtual void update(size_t index, Tensor& param, const Tensor& grad) = 0;
  // Slot `name` of parameter `index`: zeros of the parameter's shape on its device on first use
  // (and moved along if the parameter has changed device since).
  Tensor& slot(const std::string& name, size_t index);
  // An update of one kind in one pass over param, grad and the slots (Backend::optimizer_update;
  // Adam: m, v; RMSprop: v and no slot_b): the values of the in-place ops it stands for.
  void update_in_one_pass(OptimizerUpdate update, const OptimizerScalars& scalars, Tensor& param,
                          const Tensor& grad, Tensor& slot_a, Tensor* slot_b = nullptr);

  double lr_;

 private:
  std::vector<Tensor> params_;
  std::string type_name_, prefix_;
  std::vector<std::string> slot_names_;
  std::map<std::string, std::vector<Tensor>> slots_;  // slot name → one tensor per parameter
  std::vector<int64_t> updates_;
  int64_t iterations_ = 0;
};

}  // namespace murine
