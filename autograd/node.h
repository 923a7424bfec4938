// A node of the define-by-run graph: the op that produced a tensor, the inputs it read, and the
// closure that turns dL/doutput into dL/dinput for each input. The closure holds the tensors the
// backward needs (saved tensors); the engine drops it once it has run, unless retain_graph is set.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace murine {

// grads[i] = dL/dinputs[i] given gy = dL/doutput; needs[i] says whether inputs[i] wants a gradient
// (an undefined grads[i] means "no gradient"). Gradients may have broadcast shapes: see sum_to.
using BackwardFn =
    std::function<std::vector<Tensor>(const Tensor& gy, const std::vector<bool>& needs)>;

struct Node {
  std::string op;              // op name, for error messages
  std::vector<Tensor> inputs;  // every input of the op, in order
  std::vector<bool> needs;     // inputs[i].requires_grad() at record time
  BackwardFn backward;         // empty once freed

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Tears down the chain of producers iteratively, so a graph of any depth is freed without
  // recursing once per node.
  ~Node();
};

// Whether ops record graph nodes now; false inside a NoGradGuard. Per thread.
bool grad_enabled();

// RAII scope in which no op records a node (inference, optimizer updates, backward itself).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Attaches a node to `out` when grad mode is on and any input requires grad; returns out.
// Ops call it right after computing their forward, with the backward beside it.
Tensor record(Tensor out, const char* op, std::vector<Tensor> inputs, BackwardFn backward);
// Whether record() would attach a node for these inputs (lets an op skip saving tensors).
bool needs_graph(const std::vector<Tensor>& inputs);

// Walks the graph below `root` in reverse topological order, accumulating into leaf grads.
void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph);

}  // namespace murine
