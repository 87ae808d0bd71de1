"""Every Python snippet of the seed documents runs on kviz with ``keras`` replaced by ``kviz``.

The snippets are extracted at test time from ``../shared/seeds`` by ``extract.py`` (ids such as
``"004-17"``: seed file prefix and block index). Each snippet runs in a fresh namespace, in a
temporary working directory, after its *context* (``CONTEXT`` below):

* ``after``: ids of earlier snippets run first in the same namespace (each with its own
  context), where the snippet continues one (``model`` from the previous block...);
* ``setup``: code that defines what the seed leaves undefined (``data``, ``labels``, a model
  named in the prose...), with small random arrays of the shapes the snippet expects. It is
  written as Keras code and rewritten like the snippet, so the same context also runs on
  tf-keras (``test_seed_snippets_oracle.py`` checks the contexts there);
* ``subs``: textual substitutions ``(old, new)`` applied to the snippet before it runs, each
  with its reason in a comment: fewer epochs or samples where the seed trains for long, a
  relative path for an absolute one, a typo in the seed repaired. Each ``old`` must occur in
  the snippet, so a changed seed is noticed;
* ``check``: code run after the snippet (same namespace, rewritten too) where the snippet only
  defines something, so that it is also used, or where the seed states a result;
* ``raises``: ``(exception type name, message part)`` where the seed shows the snippet raising
  that error (the documented behaviour);
* ``datasets``: ``"mnist"`` (the offline copies in ``../shared/data`` through the
  ``keras_datasets_dir`` fixture) and/or ``"cifar10"`` (a small synthetic file in the real
  format, with the checksum patched).

``rewrite_imports`` turns ``import keras`` into ``import kviz as keras``, ``from keras.x import
y`` into ``from kviz.x import y`` and ``import keras.x as k`` into ``import kviz.x as k``;
nothing else changes (line numbers are kept, tracebacks point at the seed's lines).

Three tables decide what a test expects; every snippet is in at most one of the last two:

* ``OUT_OF_SCOPE``: snippets that cannot run on kviz for a reason outside kviz's scope
  (Theano, TensorFlow sessions, third-party packages, downloads). They are not executed; the
  test checks that the snippet still contains the text that puts it out of scope.
* ``KNOWN_GAPS``: snippets that should run but fail because kviz lacks or breaks a feature,
  with the issue and the exact error (``"Type: first line of the message"``, matched as a
  prefix). The test asserts that the snippet still fails with that error; when it runs, move
  it out of the table and refresh ``docs/seeds-coverage.md``
  (``python tests/seeds/coverage_report.py``).
* every other snippet must run.

``NOT_PYTHON`` pins the blocks that ``extract.py`` does not treat as Python (signatures,
printed output, shell commands...), so that no snippet is skipped silently.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import re
import tarfile
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from extract import all_blocks  # noqa: E402  (tests/seeds is on sys.path under pytest)


def _code(*parts: str) -> str:
    """The parts (context fragments or indented code), dedented and joined."""
    return "".join(textwrap.dedent(p).strip("\n") + "\n" for p in parts)


# The tables below are data: kept out of the formatter's way.
# fmt: off
# ------------------------------------------------------------------------------------------------
# Context fragments (Keras code, rewritten like the snippets)
# ------------------------------------------------------------------------------------------------
NP = "import numpy as np\n"
KERAS = "import keras\n"
K_ = "from keras import backend as K\n"
FUNCTIONAL = "from keras.layers import Input, Dense\nfrom keras.models import Model\n"
SEQUENTIAL = "from keras.models import Sequential\nfrom keras.layers import Dense, Activation, Dropout\n"
# `data` (64, 784) and one-hot `labels` (64, 10), as the functional-API guide assumes
MNIST_LIKE = _code(NP, """
    data = np.random.random((64, 784))
    labels = np.eye(10)[np.random.randint(10, size=64)]
""")
# a compiled 784 -> 10 classifier called `model`, and data `x`, `y` of its shapes
SMALL_MODEL = _code(NP, SEQUENTIAL, """
    model = Sequential([Dense(16, activation='relu', input_dim=784), Dense(10, activation='softmax')])
    model.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
    x = np.random.random((40, 784))
    y = np.eye(10)[np.random.randint(10, size=40)]
""")
# inputs a1, a2 and outputs b1, b2, b3 for `Model(inputs=[a1, a2], outputs=[b1, b2, b3])`
TWO_IN_THREE_OUT = _code(FUNCTIONAL, """
    from keras.layers import concatenate
    a1, a2 = Input(shape=(4,)), Input(shape=(3,))
    h = concatenate([a1, a2])
    b1, b2, b3 = Dense(1)(h), Dense(2)(h), Dense(3)(a2)
""")
# the functional guide's headline data: 100 word ids < 10000, 5 extra features, a 0/1 label
HEADLINES = _code(NP, """
    headline_data = np.random.randint(1, 10000, size=(32, 100))
    additional_data = np.random.random((32, 5))
    labels = np.random.randint(2, size=(32, 1))
""")
# the FAQ's custom layer `AttentionLayer`, in a compiled model
ATTENTION_LAYER = _code(NP, K_, """
    from keras.layers import Layer, Input, Dense
    from keras.models import Model
    class AttentionLayer(Layer):
        def call(self, inputs):
            return inputs * K.softmax(inputs)
    inp = Input(shape=(4,))
    model = Model(inp, Dense(2)(AttentionLayer()(inp)))
    model.compile(optimizer='sgd', loss='mse')
""")
# a small image classifier `model` and image data for the ImageDataGenerator notes
IMAGES = _code(NP, SEQUENTIAL, """
    from keras.layers import Flatten
    from keras.preprocessing.image import ImageDataGenerator
    x_train, x_test = np.random.random((20, 8, 8, 3)), np.random.random((6, 8, 8, 3))
    y_train = np.eye(2)[np.random.randint(2, size=20)]
    y_test = np.eye(2)[np.random.randint(2, size=6)]
    model = Sequential([Flatten(input_shape=(8, 8, 3)), Dense(2, activation='softmax')])
    model.compile(optimizer='rmsprop', loss='categorical_crossentropy')
    batch_size, epochs = 8, 1
""")

# ------------------------------------------------------------------------------------------------
# CONTEXT: snippet id -> how to run it (keys described in the module docstring)
# ------------------------------------------------------------------------------------------------
CONTEXT: dict[str, dict] = {
    # --- 000: "About Keras Models" (Keras 1/2 notes) -------------------------------------------
    "000-00": {"setup": FUNCTIONAL, "check": "assert 'layers' in cfg\n"},
    "000-03": {
        # model1 has a layer named 'hidden2'; the seed then predicts with model2 (a typo for
        # intermediate_model; here model2 is model1)
        "setup": _code(NP, SEQUENTIAL, """
            from keras.models import Model
            model1 = Sequential([Dense(8, input_dim=6, name='hidden1'), Dense(5, name='hidden2'), Dense(2)])
            model2 = model1
            Z_test = np.random.random((7, 6))
        """),
        "check": "assert intermediate_model.output_shape == (None, 5)\n",
    },
    "000-05": {"after": ["000-04"]},
    "000-06": {"after": ["000-04"], "check": "assert len(model.layers) == 1\n"},
    "000-09": {
        # `process_line` turns a text line "x1 ... x784 label" into one sample
        "setup": _code(SMALL_MODEL, """
            def process_line(line):
                v = np.array(line.split(), dtype='float32')
                return v[None, :784], np.eye(10)[[int(v[784])]]
            with open('my_file.txt', 'w') as fh:
                for i in range(5):
                    fh.write(' '.join(['0.5'] * 784 + [str(i)]) + '\\n')
        """),
        "subs": [
            (  # typo in the seed: the body of `while 1:` is not indented
                _code("""
                    def generate_arrays_from_file(path):
                        while 1:
                        f = open(path)
                        for line in f:
                            # create Numpy arrays of input data
                            # and labels, from each line in the file
                            x, y = process_line(line)
                            yield (x, y)
                        f.close()
                """),
                _code("""
                    def generate_arrays_from_file(path):
                        while 1:
                            f = open(path)
                            for line in f:
                                # create Numpy arrays of input data
                                # and labels, from each line in the file
                                x, y = process_line(line)
                                yield (x, y)
                            f.close()
                """),
            ),
            ("'/my_file.txt'", "'my_file.txt'"),  # a file in the test's tmp dir, not in /
            ("samples_per_epoch=10000, nb_epoch=10", "samples_per_epoch=8, nb_epoch=2"),  # speed
        ],
    },
    "000-10": {
        # ImageNet() yields chunks of (images, one-hot labels): here two small chunks
        "setup": _code(SMALL_MODEL, """
            nb_epoch = 2
            def ImageNet():
                for _ in range(2):
                    yield np.random.random((40, 784)), np.eye(10)[np.random.randint(10, size=40)]
        """),
    },
    # --- 001: "Keras Model class API" + functional-API guide -----------------------------------
    "001-01": {"setup": TWO_IN_THREE_OUT},
    "001-06": {"setup": MNIST_LIKE},
    "001-07": {"after": ["001-06"], "check": "assert tuple(y.shape) == (None, 10)\n"},
    "001-08": {
        "after": ["001-07"],
        "check": "assert tuple(processed_sequences.shape) == (None, 20, 10)\n",
    },
    "001-09": {
        "setup": HEADLINES,
        "subs": [
            ("epochs=50, batch_size=32)", "epochs=1, batch_size=32)"),  # speed
            ("epochs=50, \n", "epochs=1, \n"),  # speed
        ],
    },
    "001-10": {
        "setup": _code(NP, """
            data_a = np.random.randint(2, size=(8, 280, 256)).astype('float32')
            data_b = np.random.randint(2, size=(8, 280, 256)).astype('float32')
            labels = np.random.randint(2, size=(8, 1))
        """),
        "subs": [("labels, epochs=10)", "labels, epochs=1)")],  # speed
    },
    # --- 002: Korean notes -----------------------------------------------------------------------
    "002-00": {"setup": MNIST_LIKE},
    "002-02": {
        "setup": MNIST_LIKE,
        "subs": [  # the seed elides the arguments with `...`
            (
                "model.compile(...)",
                "model.compile(optimizer='rmsprop', loss='categorical_crossentropy')",
            ),
            ("model.fit(...)", "model.fit(data, labels, epochs=1)"),
        ],
    },
    # --- 003: Model class API reference (PDF text) -----------------------------------------------
    "003-01": {"setup": TWO_IN_THREE_OUT},
    # --- 004: Chinese notes, FAQ, Sequential and functional guides -------------------------------
    "004-00": {
        # q, a1, a2: batches of word ids (question, right answer, wrong answer); y: any (n, 1)
        "setup": _code(NP, """
            q, a1, a2 = (np.random.randint(1, 10000, size=(16, 12)) for _ in range(3))
            y = np.zeros((16, 1))
        """),
        "subs": [("y, epochs=10)", "y, epochs=1)")],  # speed
    },
    "004-01": {
        "setup": _code(NP, """
            train_images = np.random.random((8, 32, 32, 3))
            train_targets = np.random.randint(100, size=(8, 1))
            random_y = np.zeros((8, 1))
        """),
        "subs": [
            ("Input(shape=(224,224,3))", "Input(shape=(32,32,3))"),  # speed: smaller images
            ("random_y], epochs=10)", "random_y], epochs=1)"),  # speed
        ],
    },
    "004-02": {
        "setup": NP + K_ + "from keras import layers\n",
        "check": _code("""
            from keras.models import Model
            inp = layers.Input(shape=(4,))
            m = Model(inp, Antirectifier()(inp))
            assert m.output_shape == (None, 8)
            assert m.predict(np.random.random((3, 4))).shape == (3, 8)
        """),
    },
    "004-04": {
        "datasets": ["mnist"],
        "subs": [
            (  # speed: 128 training images; the display below uses 300 test images
                "(x_train, _), (x_test, _) = mnist.load_data()\n",
                "(x_train, _), (x_test, _) = mnist.load_data()\n"
                "x_train, x_test = x_train[:128], x_test[:300]\n",
            ),
            ("epochs=30,", "epochs=1,"),  # speed
        ],
    },
    "004-05": {
        "setup": NP + K_ + "import random\nnum_classes = 10\n",
        "check": _code("""
            x = np.random.random((40, 6))
            digit_indices = [np.arange(4 * d, 4 * d + 4) for d in range(num_classes)]
            pairs, pair_labels = create_pairs(x, digit_indices)
            assert pairs.shape == (60, 2, 6) and pair_labels.shape == (60,)
            loss = contrastive_loss(np.ones((4, 1), 'float32'), np.random.random((4, 1)).astype('float32'))
            assert np.shape(loss) == ()
        """),
    },
    "004-06": {"setup": "from keras.layers import Dense\nlayer = Dense(3)\n"},
    "004-07": {
        "datasets": ["mnist"],
        "subs": [
            (  # speed: 1000 training and 200 test images instead of 60000 and 10000
                "(x_train, y_train), (x_test, y_test) = mnist.load_data()\n",
                "(x_train, y_train), (x_test, y_test) = mnist.load_data()\n"
                "x_train, y_train, x_test, y_test = x_train[:1000], y_train[:1000], x_test[:200], y_test[:200]\n",
            ),
            ("x_train.reshape(60000, 784)", "x_train.reshape(1000, 784)"),  # (the same)
            ("x_test.reshape(10000, 784)", "x_test.reshape(200, 784)"),  # (the same)
            ("epochs = 20", "epochs = 1"),  # speed
        ],
    },
    "004-09": {
        "setup": _code(NP, """
            from keras.wrappers.scikit_learn import KerasClassifier
            from sklearn.model_selection import GridSearchCV
            from keras.models import Sequential
            from keras.layers import Conv2D, Activation, MaxPooling2D, Dropout, Flatten, Dense
            from keras.utils import to_categorical
            input_shape, num_classes = (8, 8, 1), 3
            x_train, x_test = np.random.random((30, 8, 8, 1)), np.random.random((9, 8, 8, 1))
            # one-hot labels, as in Keras's examples/mnist_sklearn_wrapper.py that the seed
            # quotes (best_model.evaluate gets them without the wrapper's conversion)
            y_train = to_categorical(np.random.randint(3, size=30), num_classes)
            y_test = to_categorical(np.random.randint(3, size=9), num_classes)
        """),
        "subs": [("'epochs': [3, 6]", "'epochs': [1]")],  # speed
    },
    "004-10": {"setup": IMAGES},
    "004-15": {
        # `get_config` of the R-CNN notes' ObjectProposal layer, attached to such a layer
        "setup": _code("""
            from keras.layers import Layer
            class ObjectProposal(Layer):
                def __init__(self, maximum_proposals=300, minimum_size=16, stride=16, **kwargs):
                    super().__init__(**kwargs)
                    self.maximum_proposals = maximum_proposals
                    self.minimum_size = minimum_size
                    self.stride = stride
        """),
        "check": _code("""
            ObjectProposal.get_config = get_config
            cfg = ObjectProposal(maximum_proposals=5, name='op').get_config()
            assert cfg['name'] == 'op' and cfg['maximum_proposals'] == 5 and cfg['stride'] == 16
        """),
    },
    "004-17": {
        # a tiny 20-newsgroups-like corpus and GloVe file in the tmp dir
        "setup": _code(NP, """
            import os
            words = 'the cat dog sat on mat a ran fast slow red blue'.split()
            for group in ['alt.atheism', 'sci.space', 'rec.autos']:
                os.makedirs(os.path.join('news20', '20_newsgroup', group))
                for k in range(4):
                    with open(os.path.join('news20', '20_newsgroup', group, str(100 + k)), 'w') as fh:
                        fh.write('From: x\\n\\n' + ' '.join(np.random.choice(words, 30)))
            os.makedirs('glove.6B')
            with open(os.path.join('glove.6B', 'glove.6B.100d.txt'), 'w', encoding='UTF-8') as fh:
                for w in words[:8]:
                    fh.write(w + ' ' + ' '.join(['0.1'] * 100) + '\\n')
        """),
        "subs": [
            (
                "TEXT_DATA_DIR='/news20/20_newsgroup'",
                "TEXT_DATA_DIR='news20/20_newsgroup'",
            ),  # tmp dir
            ("GLOVE_DIR='/glove.6B'", "GLOVE_DIR='glove.6B'"),  # tmp dir
            ("epochs=20, batch_size=128)", "epochs=1, batch_size=128)"),  # speed
        ],
    },
    "004-21": {"setup": NP + "y_train = np.random.randint(10, size=20)\nnb_classes = 10\n"},
    "004-22": {
        "datasets": ["mnist", "cifar10"],
        "setup": "img_rows, img_cols = 28, 28\n",
        "subs": [
            # bug in the seed: the reshape below is MNIST's but would get CIFAR-10's arrays (it
            # fails in Keras too), so the CIFAR-10 arrays get their own names
            (
                "(X_train, y_train), (X_test, y_test) = cifar10.load_data()",
                "(cX_train, cy_train), (cX_test, cy_test) = cifar10.load_data()",
            ),
        ],
        "check": "assert X_train.shape == (60000, 28, 28, 1) and cX_train.shape[1:] == (32, 32, 3)\n",
    },
    "004-25": {"setup": NP + "x = np.random.random((8, 8, 3))\n"},
    "004-26": {
        "setup": NP + KERAS + "import matplotlib.pyplot as plt\n",
        "check": _code(SMALL_MODEL, """
            history = LossHistory()
            model.fit(x, y, epochs=2, batch_size=20, validation_split=0.25, callbacks=[history], verbose=0)
            assert len(history.losses['epoch']) == 2 and history.val_acc['epoch'][0] is not None
            history.loss_plot('epoch')
        """),
    },
    "004-28": {"setup": IMAGES + "X_train = x_train\n"},
    "004-29": {
        "after": ["004-28"],
        "setup": "x_val, y_val = np.random.random((10, 8, 8, 3)), np.random.randint(2, size=10)\nbatch_size = 4\n",
        "check": "assert len(val_generator) == 3\n",
    },
    "004-30": {
        "setup": _code(NP, """
            from keras.models import Sequential
            from keras.layers import Convolution2D, Activation, MaxPooling2D, Dropout, Flatten, Dense
            model = Sequential()
            nb_filters, kernel_size, pool_size, nb_classes = 8, (3, 3), (2, 2), 10
            input_shape = (28, 28, 1)
        """),
    },
    "004-31": {
        "setup": _code("""
            from keras.models import Sequential
            from keras.layers import LSTM, Dense
            from keras import initializers
            from keras.utils import plot_model
            model = Sequential()
            nb_classes = 10
        """),
        # typo in the seed: `dim_input_vector - 28` for `dim_input_vector = 28`
        "subs": [("dim_input_vector - 28", "dim_input_vector = 28")],
    },
    "004-37": {"setup": SMALL_MODEL},
    "004-38": {"setup": SMALL_MODEL},
    "004-39": {"after": ["004-38"]},
    "004-40": {"setup": SMALL_MODEL},
    "004-41": {"after": ["004-40"]},
    "004-42": {"after": ["004-40"]},
    "004-43": {
        # the docstring's "original model", its weights saved to `fname`
        "setup": _code(SEQUENTIAL, """
            fname = 'original_weights.h5'
            model = Sequential()
            model.add(Dense(2, input_dim=3, name='dense_1'))
            model.add(Dense(3, name='dense_2'))
            model.save_weights(fname)
        """),
    },
    "004-44": {"setup": ATTENTION_LAYER + "model.save('my_model.h5')\n"},
    "004-45": {
        "setup": _code(ATTENTION_LAYER, "model.save('my_model.h5')\nfrom keras.models import load_model\n"),
    },
    "004-46": {"setup": ATTENTION_LAYER + "json_string = model.to_json()\n"},
    "004-47": {
        "setup": _code(NP, FUNCTIONAL, """
            inp = Input(shape=(6,))
            original = Model(inp, Dense(2)(Dense(4, name='my_layer')(inp)))
            data = np.random.random((5, 6))
        """),
        # the seed's placeholder for "create the original model"
        "subs": [("model = ...  # create the original model", "model = original")],
        "check": "assert intermediate_output.shape == (5, 4)\n",
    },
    "004-48": {
        "setup": _code(NP, SEQUENTIAL, """
            model = Sequential([Dense(8, input_dim=6), Activation('relu'), Dense(5), Activation('relu'), Dense(2)])
            x = np.random.random((3, 6))
        """),
        "check": "assert layer_output.shape == (3, 5)\n",
    },
    "004-49": {
        "setup": _code(NP, K_, SEQUENTIAL, """
            model = Sequential([Dense(8, input_dim=6), Dropout(0.5), Dense(5), Activation('relu'), Dense(2)])
            x = np.random.random((3, 6))
        """),
        "check": "assert layer_output.shape == (3, 5)\n",
    },
    "004-50": {"setup": SMALL_MODEL},
    "004-51": {"setup": SMALL_MODEL, "check": "assert 'val_loss' in hist.history\n"},
    "004-52": {"setup": "from keras.layers import Dense\n"},
    "004-53": {
        "setup": _code(NP, FUNCTIONAL, "data, labels = np.random.random((16, 32)), np.random.random((16, 32))\n"),
        "subs": [
            (  # the seed says that frozen_model.fit "does NOT update the weights of `layer`"
                "frozen_model.fit(data, labels)  # this does NOT update the weights of `layer`\n",
                "w0 = [w.copy() for w in layer.get_weights()]\n"
                "frozen_model.fit(data, labels)  # this does NOT update the weights of `layer`\n"
                "w1 = [w.copy() for w in layer.get_weights()]\n",
            )
        ],
        "check": "assert all(np.array_equal(a, b) for a, b in zip(w0, w1))\n",
    },
    "004-54": {
        "setup": _code(NP, """
            from keras.models import Sequential
            from keras.layers import LSTM, Dense
            x = np.random.random((32, 21, 16))
        """),
    },
    "004-55": {"setup": SEQUENTIAL, "check": "assert len(model.layers) == 1\n"},
    "004-57": {
        "setup": _code(SMALL_MODEL, """
            import os, h5py
            os.makedirs('input')
            with h5py.File('input/file.hdf5', 'w') as fh:
                fh['x_data'] = np.random.random((6, 784))
        """),
    },
    "004-61": {"check": "assert model.output_shape == (None, 10)\n"},
    "004-62": {"after": ["004-61"]},
    "004-63": {"after": ["004-61"]},
    "004-64": {"after": ["004-61"]},
    "004-65": {"after": ["004-61"]},
    "004-66": {"setup": SEQUENTIAL},
    "004-67": {"setup": SEQUENTIAL + KERAS},
    "004-68": {"subs": [("epochs=20,", "epochs=2,")]},  # speed
    "004-69": {"subs": [("epochs=20,", "epochs=2,")]},  # speed
    "004-70": {
        "subs": [  # speed: 8 training and 4 test images, 1 epoch
            ("np.random.random((100, 100, 100, 3))", "np.random.random((8, 100, 100, 3))"),
            ("np.random.randint(10, size=(100, 1))", "np.random.randint(10, size=(8, 1))"),
            ("np.random.random((20, 100, 100, 3))", "np.random.random((4, 100, 100, 3))"),
            ("np.random.randint(10, size=(20, 1))", "np.random.randint(10, size=(4, 1))"),
            ("batch_size=32, epochs=10)", "batch_size=32, epochs=1)"),
        ],
    },
    "004-71": {
        "setup": _code(NP, """
            max_features = 50
            x_train, y_train = np.random.randint(1, 50, size=(16, 12)), np.random.randint(2, size=(16, 1))
            x_test, y_test = np.random.randint(1, 50, size=(8, 12)), np.random.randint(2, size=(8, 1))
        """),
        "subs": [("batch_size=16, epochs=10)", "batch_size=16, epochs=1)")],  # speed
    },
    "004-72": {
        "setup": _code(NP, """
            seq_length = 20
            x_train, y_train = np.random.random((16, 20, 100)), np.random.randint(2, size=(16, 1))
            x_test, y_test = np.random.random((8, 20, 100)), np.random.randint(2, size=(8, 1))
        """),
        "subs": [("batch_size=16, epochs=10)", "batch_size=16, epochs=1)")],  # speed
    },
    "004-73": {
        "subs": [  # speed: 128 training samples, 1 epoch
            (
                "np.random.random((1000, timesteps, data_dim))",
                "np.random.random((128, timesteps, data_dim))",
            ),
            ("np.random.random((1000, num_classes))", "np.random.random((128, num_classes))"),
            ("batch_size=64, epochs=5,", "batch_size=64, epochs=1,"),
        ],
    },
    "004-74": {
        "subs": [("batch_size=batch_size, epochs=5,", "batch_size=batch_size, epochs=1,")]
    },  # speed
    "004-75": {"setup": MNIST_LIKE},
    "004-76": {"after": ["004-75"], "check": "assert tuple(y.shape) == (None, 10)\n"},
    "004-77": {
        "after": ["004-76"],
        "check": "assert tuple(processed_sequences.shape) == (None, 20, 10)\n",
    },
    "004-79": {"after": ["004-78"]},
    "004-80": {"after": ["004-79"], "setup": KERAS},
    "004-81": {"after": ["004-80"]},
    "004-82": {"after": ["004-81"]},
    "004-83": {
        "after": ["004-82"],
        "setup": HEADLINES,
        "subs": [("epochs=50, batch_size=32)", "epochs=1, batch_size=32)")],  # speed
    },
    "004-84": {
        "after": ["004-82"],
        "setup": HEADLINES,
        "subs": [("epochs=50, batch_size=32)", "epochs=1, batch_size=32)")],  # speed
    },
    "004-86": {
        "after": ["004-85"],
        "setup": _code(NP, """
            data_a = np.random.randint(2, size=(8, 140, 256)).astype('float32')
            data_b = np.random.randint(2, size=(8, 140, 256)).astype('float32')
            labels = np.random.randint(2, size=(8, 1))
        """),
        "subs": [("labels, epochs=10)", "labels, epochs=1)")],  # speed
    },
    "004-87": {"setup": "from keras.layers import Input, LSTM\n"},
    "004-88": {
        "setup": "from keras.layers import Input, LSTM\n",
        "raises": ("AttributeError", "has multiple inbound nodes"),
    },
    "004-90": {"after": ["004-88"]},
    "004-91": {"setup": "from keras.layers import Input, Conv2D\n"},
    "004-92": {"setup": KERAS},
    "004-93": {"setup": KERAS},
    "004-94": {"setup": KERAS},
    "004-95": {
        "setup": KERAS,
        "subs": [  # speed: 32x32 images (the seed's 224x224 make a Dense layer of 124M weights)
            ("input_shape=(224, 224, 3)", "input_shape=(32, 32, 3)"),
            ("Input(shape=(224, 224, 3))", "Input(shape=(32, 32, 3))"),
        ],
    },
    "004-96": {
        "after": ["004-95"],
        "subs": [("Input(shape=(100, 224, 224, 3))", "Input(shape=(100, 32, 32, 3))")],  # as 004-95
    },
}

# ------------------------------------------------------------------------------------------------
# OUT_OF_SCOPE: id -> (text the snippet must contain, why kviz cannot run it)
# ------------------------------------------------------------------------------------------------
OUT_OF_SCOPE: dict[str, tuple[str, str]] = {
    "004-08": ("tf.train.shuffle_batch", "TensorFlow 1 input pipelines: tf.train queues and queue runners, `Input(tensor=...)` and `compile(target_tensors=...)` fed from TF tensors"),
    "004-11": ("from spp.SpatialPyramidPooling import SpatialPyramidPooling", "third-party package `spp` (keras-spp's SpatialPyramidPooling layer), not part of Keras"),
    "004-18": ("from sklearn.grid_search import GridSearchCV", "`sklearn.grid_search` was removed from scikit-learn (0.20); the snippet is also built around a `Model(...)` placeholder and Keras 1 parameter names"),
    "004-19": ("tf.contrib.framework.argsort", "TensorFlow ops (tf.argsort, tf.gather, tf.contrib)"),
    "004-20": ("VGG16(include_top=True, weights='imagenet')", "downloads the VGG16 ImageNet weights and class index; no network in tests"),
    "004-24": ("https://s3.amazonaws.com/deep-learning-models/image-models/imagenet_class_index.json", "downloads ImageNet's class index (hash-checked, no offline copy); `preds` and `top` come from an ImageNet model"),
    "004-27": ("vgg16.VGG16(weights='imagenet', include_top=False)", "downloads the VGG16 ImageNet weights; also `scipy.misc.imsave`, removed from SciPy"),
    "004-34": ("import theano", "configures the Theano backend"),
    "004-35": ("from keras.utils import multi_gpu_model", "multi_gpu_model: TensorFlow multi-GPU replication (removed from Keras in 2.4)"),
    "004-36": ("tf.device_scope", "TensorFlow device scopes (`tf.device_scope` is not even a TensorFlow function; the snippet also uses undefined `tweet_a`/`tweet_b`)"),
    "004-56": ("VGG16(weights='imagenet', include_top=True)", "downloads the VGG16 ImageNet weights (the other applications are only imported)"),
    "004-60": ("tf.Session(graph=tf.get_default_graph(), config=session_conf)", "TensorFlow 1 sessions (`tf.ConfigProto`, `tf.set_random_seed`, `K.set_session`)"),
}

# ------------------------------------------------------------------------------------------------
# KNOWN_GAPS: id -> (issue, exact error "Type: first line of the message", matched as a prefix)
# ------------------------------------------------------------------------------------------------
KNOWN_GAPS: dict[str, tuple[str, str]] = {  # empty: every in-scope snippet runs
}

# ------------------------------------------------------------------------------------------------
# NOT_PYTHON: the blocks extract.py does not run, by kind (reviewed by hand)
# ------------------------------------------------------------------------------------------------
NOT_PYTHON: dict[str, str] = {
    "000-01": "output",     # dict_keys([...])
    "000-02": "output",     # In [21]: cfg['layers']
    "000-07": "signature",  # fit(self, x, y, batch_size=32, nb_epoch=10, ...)
    "000-08": "signature",  # fit_generator(self, generator, samples_per_epoch, ...)
    "001-02": "signature",  # compile(optimizer, loss=None, ...)
    "001-03": "signature",  # fit(x=None, y=None, ...)
    "001-04": "signature",  # evaluate(...)
    "001-05": "signature",  # predict(...)
    "003-02": "signature",  # compile(... cut off
    "003-03": "signature",  # fit(... cut off
    "003-04": "signature",  # evaluate(...)
    "003-05": "signature",  # predict(...)
    "003-06": "signature",  # train_on_batch(...)
    "003-07": "signature",  # test_on_batch(...)
    "003-08": "prose",      # "a tuple (inputs, targets)a tuple (inputs, targets, sample_weights)."
    "003-09": "signature",  # evaluate_generator(... cut off
    "003-10": "signature",  # predict_generator(... cut off
    "003-11": "signature",  # get_layer(name=None, index=None)
    "004-03": "prose",      # a Chinese sentence about net2net
    "004-12": "prose",      # Flickr image file names
    "004-13": "prose",      # Flickr caption file (tab separated)
    "004-14": "prose",      # Flickr8k.token.txt lines
    "004-16": "prose",      # NumPy's broadcasting rules (English text)
    "004-23": "prose",      # code lines annotated with Chinese text (not comments)
    "004-32": "data",       # BibTeX
    "004-33": "shell",      # THEANO_FLAGS=... python my_keras_script.py
    "004-58": "shell",      # $HOME/.keras/
    "004-59": "data",       # keras.json
    "004-89": "output",     # >> AttributeError: Layer lstm_1 has multiple inbound nodes, ...
}
# fmt: on

# Snippets that take more than 5 s on a 2-core machine (they still run in CI).
SLOW: set[str] = {"004-96"}  # calling a model on a KerasTensor runs it eagerly (100 frames)

# ------------------------------------------------------------------------------------------------
# Running a snippet
# ------------------------------------------------------------------------------------------------
BLOCKS = {b.id: b for b in all_blocks()}
SNIPPETS = {sid: b for sid, b in BLOCKS.items() if b.is_python}

_IMPORT_KERAS = re.compile(
    r"^(?P<indent>[ \t]*)import[ \t]+keras(?P<sub>(?:[ \t]*\.[ \t]*\w+)*)"
    r"(?:[ \t]+as[ \t]+(?P<alias>\w+))?[ \t]*(?P<comment>#.*)?$"
)
_FROM_KERAS = re.compile(r"^(?P<indent>[ \t]*)from[ \t]+keras(?=[ \t]*\.|[ \t]+import\b)")


def rewrite_imports(code: str, target: str = "kviz") -> str:
    """Rewrite the ``keras`` imports of ``code`` to ``target`` (``kviz`` or ``tf_keras``)."""
    out = []
    for line in code.splitlines():
        m = _IMPORT_KERAS.match(line)
        if m:
            sub = re.sub(r"\s", "", m["sub"])
            comment = f"  {m['comment']}" if m["comment"] else ""
            if m["alias"]:
                line = f"{m['indent']}import {target}{sub} as {m['alias']}{comment}"
            elif sub:  # `import keras.backend` binds `keras`
                line = f"{m['indent']}import {target}{sub}; import {target} as keras{comment}"
            else:
                line = f"{m['indent']}import {target} as keras{comment}"
        else:
            line = _FROM_KERAS.sub(rf"\g<indent>from {target}", line)
        if re.match(r"^\s*(?:import|from)\s.*\bkeras\b", line) and target not in line:
            raise ValueError(f"unhandled keras import: {line!r}")
        out.append(line)
    return "\n".join(out) + "\n"


def snippet_code(sid: str) -> str:
    """The snippet's code with its context's substitutions applied (imports not rewritten)."""
    code = SNIPPETS[sid].code
    for old, new in CONTEXT.get(sid, {}).get("subs", ()):
        assert old in code, f"{sid}: context substitution no longer matches the seed: {old!r}"
        code = code.replace(old, new, 1)
    return code


def _exec(code: str, name: str, ns: dict, target: str) -> None:
    exec(compile(rewrite_imports(code, target), name, "exec", dont_inherit=True), ns)


def run_snippet(sid: str, ns: dict, target: str = "kviz") -> None:
    """Run snippet ``sid`` (after its ``after`` snippets and its setup) in namespace ``ns``."""
    ctx = CONTEXT.get(sid, {})
    for earlier in ctx.get("after", ()):
        run_snippet(earlier, ns, target)
    if ctx.get("setup"):
        _exec(ctx["setup"], f"<context {sid}>", ns, target)
    raises = ctx.get("raises")
    if raises:
        expected = f"{raises[0]} with {raises[1]!r}"
        try:
            _exec(snippet_code(sid), f"<seed {sid}>", ns, target)
        except Exception as exc:
            if type(exc).__name__ != raises[0] or raises[1] not in str(exc):
                raise AssertionError(
                    f"{sid} should raise {expected}, got {error_line(exc)}"
                ) from exc
        else:
            raise AssertionError(f"{sid} should raise {expected}, raised nothing")
    else:
        _exec(snippet_code(sid), f"<seed {sid}>", ns, target)
    if ctx.get("check"):
        _exec(ctx["check"], f"<check {sid}>", ns, target)


def needed_datasets(sid: str) -> set[str]:
    ctx = CONTEXT.get(sid, {})
    wanted = set(ctx.get("datasets", ()))
    for earlier in ctx.get("after", ()):
        wanted |= needed_datasets(earlier)
    return wanted


def error_line(exc: BaseException) -> str:
    """``"Type: first line of the message"``, as KNOWN_GAPS records errors."""
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}".rstrip()


def _write_cifar10(home: Path) -> Path:
    """A CIFAR-10 ``.tar.gz`` in the real format (pickled dicts, CHW rows), 4 images a batch."""
    rng = np.random.default_rng(0)
    path = home / "datasets" / "cifar-10-batches-py.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            raw = pickle.dumps(
                {
                    b"data": rng.integers(0, 256, size=(4, 3072), dtype=np.uint8),
                    b"labels": [int(v) for v in rng.integers(0, 10, 4)],
                },
                protocol=2,
            )
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def prepare_datasets(sid: str, request, monkeypatch, tmp_path) -> None:
    wanted = needed_datasets(sid)
    if not wanted:
        return
    if "mnist" in wanted:
        home = Path(request.getfixturevalue("keras_datasets_dir"))
    else:
        home = tmp_path / "keras_home"
        monkeypatch.setenv("KERAS_HOME", str(home))
    if "cifar10" in wanted:
        from kviz.datasets import cifar10

        path = _write_cifar10(home)
        monkeypatch.setattr(cifar10, "FILE_HASH", hashlib.sha256(path.read_bytes()).hexdigest())


def _param(sid: str):
    return pytest.param(sid, id=sid, marks=[pytest.mark.slow] if sid in SLOW else [])


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sid", [_param(sid) for sid in SNIPPETS])
def test_seed_snippet(sid, tmp_path, monkeypatch, request):
    if sid in OUT_OF_SCOPE:
        evidence, reason = OUT_OF_SCOPE[sid]
        assert reason
        assert evidence in SNIPPETS[sid].code, (
            f"{sid} no longer contains {evidence!r}: re-check OUT_OF_SCOPE"
        )
        return
    monkeypatch.chdir(tmp_path)
    prepare_datasets(sid, request, monkeypatch, tmp_path)
    ns: dict = {"__name__": f"seed_{sid.replace('-', '_')}"}
    try:
        if sid not in KNOWN_GAPS:
            run_snippet(sid, ns)
            return
        issue, expected = KNOWN_GAPS[sid]
        try:
            with pytest.raises(Exception) as excinfo:
                run_snippet(sid, ns)
        except pytest.fail.Exception:
            pytest.fail(f"{sid} runs now: move it out of KNOWN_GAPS ({issue}) and refresh the docs")
        got = error_line(excinfo.value)
        assert got.startswith(expected), (
            f"{sid} ({issue}) fails differently now:\n  expected: {expected}\n  got:      {got}"
        )
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")


def test_tables_name_existing_snippets():
    ids = set(SNIPPETS)
    for name, table in [
        ("CONTEXT", CONTEXT),
        ("OUT_OF_SCOPE", OUT_OF_SCOPE),
        ("KNOWN_GAPS", KNOWN_GAPS),
    ]:
        assert set(table) <= ids, f"{name} names snippets that do not exist: {set(table) - ids}"
    assert not set(OUT_OF_SCOPE) & set(KNOWN_GAPS)
    assert not set(OUT_OF_SCOPE) & set(CONTEXT), "out-of-scope snippets are not run"
    for sid, ctx in CONTEXT.items():
        assert set(ctx) <= {"after", "setup", "subs", "check", "raises", "datasets"}, sid
        for earlier in ctx.get("after", ()):
            assert earlier in ids and earlier < sid, f"{sid}: bad `after` {earlier}"
        for old, new in ctx.get("subs", ()):
            assert old != new, sid
    assert SLOW <= ids


def test_non_python_blocks_are_the_reviewed_ones():
    assert {b.id: b.kind for b in BLOCKS.values() if not b.is_python} == NOT_PYTHON


def test_rewrite_imports():
    src = _code("""
        import keras
        import keras.backend as K
        import keras.utils
        from keras. layers import TimeDistributed
        from keras.models import Model  # comment
        from keras import backend as K
            import keras
        x = keras.layers.Dense(2)  # keras stays the alias
        from kerasextra import y
    """)
    assert rewrite_imports(src) == _code("""
        import kviz as keras
        import kviz.backend as K
        import kviz.utils; import kviz as keras
        from kviz. layers import TimeDistributed
        from kviz.models import Model  # comment
        from kviz import backend as K
            import kviz as keras
        x = keras.layers.Dense(2)  # keras stays the alias
        from kerasextra import y
    """)
    assert rewrite_imports("from keras.layers import Dense\n", "tf_keras") == (
        "from tf_keras.layers import Dense\n"
    )


def test_coverage_doc_is_current():
    import coverage_report

    doc = coverage_report.DOC
    assert doc.read_text(encoding="utf-8") == coverage_report.render(), (
        f"{doc} is stale: run python tests/seeds/coverage_report.py"
    )
