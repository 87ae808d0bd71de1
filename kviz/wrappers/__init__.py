"""Keras 2's ``keras.wrappers``: the scikit-learn API (``kviz.wrappers.scikit_learn``).

>>> from kviz.wrappers.scikit_learn import KerasClassifier, KerasRegressor
>>> KerasClassifier._estimator_type, KerasRegressor._estimator_type
('classifier', 'regressor')
"""

from kviz.wrappers import scikit_learn
