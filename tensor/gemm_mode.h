// Whether GEMMs may use TF32 tensor cores (10-bit mantissa products, FP32 accumulation) where the
// device has them: the CUDA backend's cuBLAS calls. Off by default, so CUDA results track the CPU's to
// about 1e-6; PyTorch's equivalent is torch.backends.cuda.matmul.allow_tf32 (off by default for
// matmuls since 1.12, on for cuDNN convolutions). The CPU backend ignores it.
#pragma once

namespace murine {

void set_gemm_tf32(bool allowed);
bool gemm_tf32();

}  // namespace murine
