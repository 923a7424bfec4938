// Post-training pruning masks: the windows the Front. Neurorobot. paper's masking scripts
// (mizutanilab/biomimetic-nn, MNIST_4layers*Nrm200824/5.py and CIFAR10_DiagNrmCNN200909.py) lay over
// a trained Dense kernel, zeroing the weights outside them before the network is evaluated again.
// train/masking_experiment.h runs the experiment; this file only draws the masks.
//
// Layout. A mask is for a Dense weight in murine's (out, in) layout: rows = ny outputs (index iy),
// cols = nx inputs (index ix). The scripts index the Keras kernel (in, out) as kernel[ix][iy]; the
// formulas below are written in their ix, iy, so mask[iy][ix] is the script's kernel[ix][iy].
//
// Width. The scripts sweep an integer id over a 512 × 512 layer (idim = 512, id = 512, 507, …, 2;
// the striping script 0, 5, …, 507 stripes). murine takes width w ∈ [0, 1] and uses the script's
// id = round(w·n) for a side of n nodes (so w = id/512 gives the script's id exactly), with every form
// oriented so that w = 1 keeps every weight and smaller w keeps fewer. For a square layer each form is
// exactly the script's; for rows ≠ cols the diagonal runs from (0, 0) to (ny−1, nx−1) with slope
// rxy = (nx−1)/(ny−1) (as the schizophrenia layer's band; 0 when ny = 1) and widths along x are
// counted in x nodes (id_x = round(w·nx)), along y in y nodes (id_y = round(w·ny)).
//
//   diagonal    (MNIST_4layersDiagonalNrm200824.py) keep |ix − rxy·iy| < id_x: a band of 2·id_x − 1
//               diagonals; w = 1 keeps all, w = 0 none.
//   centered    (MNIST_4layersCenteredNrm200825.py) keep |iy − ny/2| ≤ id_y/2 and |ix − nx/2| ≤ id_x/2:
//               a centred square, id nodes a side (id + 1 when id and n have the same parity and
//               id < n); w = 0 keeps the one centre weight of an even-sized layer (none of an odd
//               one), as the formula does.
//   gaussian    (MNIST_4layersGaussNrm200824.py) soft: g = exp(−(ix − rxy·iy)² / (2σ²)), σ = 2·id_x;
//               g = 1 everywhere when id_x ≥ nx (the script's `if id < idim`); σ = 0 (w ≈ 0) gives the
//               limit g = [ix = rxy·iy].
//   random      (MNIST_4layersRandomNrm200824.py) zero (ny − id_y)·(nx − id_x) distinct weights, each
//               drawn as the script draws it: iy, then ix, uniformly, drawn again while already zeroed.
//               The script uses Python's `random.randrange`; murine draws from its Philox
//               Generator(seed) (tensor/random.h), so the set differs from Python's but has the same law
//               (a uniformly random set of that many weights).
//   striping    (MNIST_4layersStripingNrm200824.py) zero s = round((1 − w)·ny) wrapped diagonals (the
//               script's id is this stripe count s): stripe a ∈ [0, s) starts at iy0 = int(a·ny/s) and
//               zeroes (iy = (ix + iy0) mod ny, ix) for every ix. Kept fraction 1 − s/ny.
//   sz-diagonal (papercodes/CIFAR10_DiagNrmCNN200909.py) the schizophrenia-mimicking layer's 'diagonal'
//               band (layers/window.h window_diagonal) with param_reduction p = 1 − w (the script sweeps
//               p = id·0.01): zero where |rxy·iy − ix| ≥ hb·√(rxy² + 1), hb = nx·ny/√(nx² + ny²)·(1 − √p);
//               kept fraction about w.
//
// The scripts then divide the masked kernel by the kept fraction (the "Nrm" of their names):
// train/masking_experiment.h does that with kept_fraction() of the mask.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace murine {

// The form names, in the order above.
const std::vector<std::string>& pruning_mask_forms();

// The mask of `form` for a (rows, cols) = (out, in) Dense weight at width w ∈ [0, 1]: a float32 CPU
// tensor (rows, cols) of 0/1 (soft values in (0, 1] for 'gaussian'). `seed` is used by 'random' only.
// Throws murine::Error naming the argument for an unknown form (listing the forms), a width that is
// not in [0, 1], or a non-positive size.
Tensor pruning_mask(const std::string& form, int64_t rows, int64_t cols, double width, uint64_t seed = 0);

// Σ mask / numel: the fraction of the weights a mask keeps ('gaussian': the mean of g), the scripts'
// fcount by which they divide the kept weights.
double kept_fraction(const Tensor& mask);

}  // namespace murine
