// The scalar maths of every elementwise op and its derivative, shared by the CPU loops and the CUDA
// kernels so the two backends compute the same function. Each derivative is written beside its op.
#pragma once
#include <cmath>

#include "tensor/backend.h"
#include "tensor/philox.h"  // MURINE_HD

namespace murine::math {

MURINE_HD float sigmoid(float x) {
  // Split by sign so exp never overflows.
  if (x >= 0) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^-|x|) to stay finite.
MURINE_HD float softplus(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

MURINE_HD float unary(UnaryOp op, float x, float p0, float p1) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return expf(x);
    case UnaryOp::Log: return logf(x);
    case UnaryOp::Sqrt: return sqrtf(x);
    case UnaryOp::Abs: return fabsf(x);
    case UnaryOp::PowScalar: return powf(x, p0);
    case UnaryOp::Clip: return fminf(fmaxf(x, p0), p1);
    case UnaryOp::Relu: return x > 0 ? x : 0.0f;
    case UnaryOp::LeakyRelu: return x > 0 ? x : p0 * x;
    case UnaryOp::Sigmoid: return sigmoid(x);
    case UnaryOp::Tanh: return tanhf(x);
    case UnaryOp::Silu: return x * sigmoid(x);
    case UnaryOp::Softplus: return softplus(x);
    case UnaryOp::AddScalar: return x + p0;
    case UnaryOp::MulScalar: return x * p0;
  }
  return 0.0f;
}

// dy/dx at x (y = f(x) given for ops whose derivative is cheapest from y).
MURINE_HD float unary_derivative(UnaryOp op, float x, float y, float p0, float p1) {
  switch (op) {
    case UnaryOp::Neg: return -1.0f;                          // [d neg] -1
    case UnaryOp::Exp: return y;                              // [d exp] eˣ
    case UnaryOp::Log: return 1.0f / x;                       // [d log] 1/x
    case UnaryOp::Sqrt: return 0.5f / y;                      // [d sqrt] 1/(2√x)
    case UnaryOp::Abs: return (float)((x > 0) - (x < 0));     // [d abs] sign(x), 0 at 0
    case UnaryOp::PowScalar: return p0 * powf(x, p0 - 1.0f);  // [d pow] p·x^(p-1)
    case UnaryOp::Clip: return (x >= p0 && x <= p1) ? 1.0f : 0.0f;  // [d clip] 1 inside [lo, hi]
    case UnaryOp::Relu: return x > 0 ? 1.0f : 0.0f;           // [d relu] 1 for x > 0
    case UnaryOp::LeakyRelu: return x > 0 ? 1.0f : p0;        // [d leaky_relu] 1 or slope
    case UnaryOp::Sigmoid: return y * (1.0f - y);             // [d sigmoid] σ(1-σ)
    case UnaryOp::Tanh: return 1.0f - y * y;                  // [d tanh] 1 - tanh²
    case UnaryOp::Silu: {                                     // [d silu] σ + x·σ(1-σ)
      float s = sigmoid(x);
      return s + x * s * (1.0f - s);
    }
    case UnaryOp::Softplus: return sigmoid(x);                // [d softplus] σ(x)
    case UnaryOp::AddScalar: return 1.0f;
    case UnaryOp::MulScalar: return p0;
  }
  return 0.0f;
}

MURINE_HD float binary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Pow: return powf(a, b);
    // NaN-propagating, as NumPy's maximum/minimum and PyTorch's.
    case BinaryOp::Maximum: return (a != a || b != b) ? a + b : (a > b ? a : b);
    case BinaryOp::Minimum: return (a != a || b != b) ? a + b : (a < b ? a : b);
    case BinaryOp::Lt: return a < b ? 1.0f : 0.0f;
    case BinaryOp::Le: return a <= b ? 1.0f : 0.0f;
    case BinaryOp::Gt: return a > b ? 1.0f : 0.0f;
    case BinaryOp::Ge: return a >= b ? 1.0f : 0.0f;
    case BinaryOp::Eq: return a == b ? 1.0f : 0.0f;
    case BinaryOp::Ne: return a != b ? 1.0f : 0.0f;
  }
  return 0.0f;
}

}  // namespace murine::math
