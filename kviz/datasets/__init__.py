"""Keras 2's classic datasets: ``load_data()`` with Keras's URLs, file names, cache folders,
shapes and dtypes. See ``README.md`` in this folder for the offline rules (and MNIST's).

>>> from kviz.datasets import mnist, fashion_mnist, imdb, reuters, cifar10, cifar100
>>> from kviz.datasets import boston_housing
"""

from kviz.datasets import (
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from kviz.datasets._files import DownloadError

__all__ = [
    "DownloadError",
    "boston_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
