"""kviz: Keras-2 models on NumPy and Numba, with notebook widgets that show what a network does.

``import kviz as keras`` gives the Keras 2 module layout (``keras.layers.Dense``,
``keras.models.Sequential``, ``keras.backend``...). Importing kviz loads neither Numba's CUDA
support nor ipywidgets.

>>> import kviz
>>> kviz.__version__
'0.1.0'
"""

__version__ = "0.1.0"
