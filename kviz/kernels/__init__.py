"""Numba kernels: arrays in, arrays out (level 1; the only kviz package that imports numba).

Importing a kernels module never imports numba: kernels are decorated with
:func:`kviz.kernels.jit.jit`, which compiles them (or loads them from Numba's on-disk cache) on
their first call. Callers keep a NumPy fallback for dtypes/layouts a kernel does not take and for
machines where numba is missing or disabled (``KVIZ_DISABLE_NUMBA=1``).

* :mod:`kviz.kernels.jit`: the shared lazy ``@jit`` decorator and the project's numba options.
* :mod:`kviz.kernels.optimizer_updates`: fused optimizer steps (SGD ... Nadam).
* :mod:`kviz.kernels.rnn` (NumPy versions in :mod:`kviz.kernels.rnn_numpy`): per-time-step gate
  kernels of SimpleRNN/LSTM/GRU, forward and backward.
* :mod:`kviz.kernels.conv` (im2col/col2im), :mod:`kviz.kernels.pooling`,
  :mod:`kviz.kernels.scatter` (the gather/Embedding gradient), :mod:`kviz.kernels.elementwise`
  (fused ReLU + bias gradient).
* :mod:`kviz.kernels.blas` (BLAS threads, allocator) and :mod:`kviz.kernels.threads` (the
  chunk worker pool): the threading policy, decided in one place.
* :mod:`kviz.kernels.device`: GPU arrays (``DeviceArray``), copies, the host-fallback warning
  and the CUDA device probe, without importing numba; :mod:`kviz.kernels.cuda`: the CUDA kernels
  (``numba.cuda``), imported on the first copy to the GPU (docs/cuda.md).
"""
