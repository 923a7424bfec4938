// The reverse-mode engine: record() builds the graph as ops run; run_backward() walks it.
//
// [chain rule] dL/dx = Σ over consumers y of x: (dy/dx)ᵀ · dL/dy
// Each node's closure applies its local (dy/dx)ᵀ; the engine does the Σ (accumulating with +=) and
// visits nodes in reverse topological order, so a node runs only once all its consumers have.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/error.h"

namespace murine {

bool needs_graph(const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor record(Tensor out, const char* op, std::vector<Tensor> inputs, BackwardFn backward) {
  if (!needs_graph(inputs)) return out;
  auto node = std::make_shared<Node>();
  node->op = op;
  for (const Tensor& t : inputs) node->needs.push_back(t.defined() && t.requires_grad());
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
  return out;
}

namespace {

// Moves out the producer nodes that only `node` keeps alive (through inputs it solely owns).
void release_inputs(Node& node, std::vector<std::shared_ptr<Node>>& out) {
  for (Tensor& t : node.inputs)
    if (t.defined() && t.impl_ptr().use_count() == 1 && t.impl()->grad_fn)
      out.push_back(std::move(t.impl()->grad_fn));
  node.inputs.clear();
}

}  // namespace

Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending;
  release_inputs(*this, pending);
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1) release_inputs(*node, pending);
  }  // each node is destroyed here with its producers already moved out
}

namespace {

// Nodes reachable from `root`, each after every node that consumes its output (iterative DFS,
// so deep graphs cannot overflow the stack).
std::vector<Node*> topological_order(Node* root) {
  std::vector<Node*> order;
  std::unordered_set<Node*> visited{root};
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const Tensor& in = node->inputs[next++];
      Node* child = in.defined() ? in.impl()->grad_fn.get() : nullptr;
      if (child && visited.insert(child).second) stack.push_back({child, 0});
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  std::reverse(order.begin(), order.end());  // root first
  return order;
}

// leaf.grad += g (the first gradient is copied, so no two leaves ever share grad storage).
void accumulate_leaf(TensorImpl* leaf, const Tensor& g) {
  if (!leaf->grad) {
    leaf->grad = g.clone().impl_ptr();
  } else {
    Tensor acc(leaf->grad);
    add_(acc, g);
  }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_output, bool retain_graph) {
  MURINE_CHECK(root.requires_grad(),
               "backward: the tensor does not require grad and has no grad_fn (was it computed "
               "inside a NoGradGuard, or from tensors without requires_grad?)");
  MURINE_CHECK(grad_output.shape() == root.shape(),
               "backward: grad_output has shape " << shape_str(grad_output.shape())
                                                  << " but the tensor has shape "
                                                  << shape_str(root.shape()));
  MURINE_CHECK(grad_output.device() == root.device(),
               "backward: grad_output is on " << device_name(grad_output.device())
                                              << " but the tensor is on "
                                              << device_name(root.device()));
  NoGradGuard no_grad;  // backward computations never record nodes
  Node* root_node = root.impl()->grad_fn.get();
  if (!root_node) {  // backward on a leaf
    accumulate_leaf(root.impl(), grad_output);
    return;
  }
  std::unordered_map<Node*, Tensor> grads{{root_node, grad_output.detach()}};
  for (Node* node : topological_order(root_node)) {
    auto it = grads.find(node);
    if (it == grads.end()) continue;  // no gradient reached this node
    Tensor gy = std::move(it->second);
    grads.erase(it);
    MURINE_CHECK(node->backward,
                 "backward: trying to walk the graph a second time through '"
                     << node->op
                     << "'; its saved tensors were freed by the first backward (pass "
                        "retain_graph=true to the first call to keep them)");
    std::vector<Tensor> gx = node->backward(gy, node->needs);
    if (!retain_graph) node->backward = nullptr;  // frees the saved tensors
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      if (!node->needs[i] || i >= gx.size() || !gx[i].defined()) continue;
      const Tensor& in = node->inputs[i];
      Tensor g = gx[i].shape() == in.shape() ? gx[i] : sum_to(gx[i], in.shape());
      if (Node* producer = in.impl()->grad_fn.get()) {
        Tensor& slot = grads[producer];
        slot = slot.defined() ? add(slot, g) : g;
      } else {
        accumulate_leaf(in.impl(), g);
      }
    }
  }
}

}  // namespace murine
