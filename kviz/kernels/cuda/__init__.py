"""CUDA kernels (Numba ``numba.cuda``), loaded only when kviz computes on a GPU.

Nothing in ``import kviz`` loads this package: :mod:`kviz.kernels.device` imports it on the
first copy to the GPU. Every kernel takes and returns :class:`~kviz.kernels.device.DeviceArray`
objects (C-contiguous), and has a CPU twin it is tested against under the Numba CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``, ``tests/cuda``).

* :mod:`~kviz.kernels.cuda.launch`: launch geometry, allocation, upload.
* :mod:`~kviz.kernels.cuda.elementwise`: unary/binary/scalar maps with NumPy broadcasting,
  activation gradients, casts.
* :mod:`~kviz.kernels.cuda.reduction`: sum/mean/max/min over any axes.
* :mod:`~kviz.kernels.cuda.layout`: transposes.
* :mod:`~kviz.kernels.cuda.matmul`: a tiled (shared-memory) matrix product with a fused bias and
  ReLU epilogue, batched.
* :mod:`~kviz.kernels.cuda.conv`: im2col and its gather-form inverse (no atomics).
* :mod:`~kviz.kernels.cuda.pooling`: max (with argmax) and average pooling, both directions.
* :mod:`~kviz.kernels.cuda.softmax`: row softmax / log-softmax and their gradients.
* :mod:`~kviz.kernels.cuda.optimizers`: fused SGD (momentum, Nesterov), RMSprop, Adam steps.
* :mod:`~kviz.kernels.cuda.array_ops`: NumPy-like operations on DeviceArrays built on the above.
* :mod:`~kviz.kernels.cuda.primitives`: the CUDA twins of kviz's op primitives.
"""
