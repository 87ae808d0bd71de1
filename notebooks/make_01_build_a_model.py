"""Generate ``notebooks/01_build_a_model.ipynb`` (run: ``python notebooks/make_01_build_a_model.py``).

The notebook is written from this script so that its source stays reviewable and it is stored
without outputs; ``tests/notebooks/test_notebooks.py`` checks that the committed notebook is
exactly what ``build()`` produces, and executes it. Edit the cells here, then regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _notebook_cells import build_notebook, main  # noqa: E402

NOTEBOOK = Path(__file__).with_name("01_build_a_model.ipynb")

# (kind, source) pairs; "md" is a markdown cell, "py" a code cell.
CELLS = [
    (
        "md",
        """\
# 01 · Build a model

This notebook shows how to **build** neural networks with the Keras 2 API and how to
**look inside** them. Everything runs on kviz, a Keras-2 compatible library written on NumPy:
classic Keras code runs with `import keras` replaced by `import kviz as keras`.

You will see:

1. a multi-layer perceptron (MLP) built with `Sequential`, and its `summary()`;
2. the same model with the *functional API* (`Model(inputs, outputs)`);
3. a model with two inputs joined by `concatenate`, and a layer *shared* by two inputs;
4. how to inspect layers and weights;
5. intermediate outputs, the learning phase (train vs test) and `Dropout`;
6. gradients of a class score with respect to the input (a tiny saliency map);
7. saving and restoring the architecture as JSON;
8. a training loop written out by hand, and a plot of what the model learned.

Run the cells from top to bottom (*Run → Run All Cells*).""",
    ),
    (
        "md",
        """\
## Imports

These are the imports you find in Keras 2 tutorials; only the package name differs.
`K` is the *backend*: low-level functions on tensors (`K.mean`, `K.function`,
`K.gradients`...). `set_random_seed` makes the random initial weights, and so every number
printed below, the same each time you run the notebook.""",
    ),
    (
        "py",
        """\
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

import kviz as keras
from kviz import backend as K
from kviz.layers import Input, Dense, Dropout, concatenate
from kviz.models import Sequential, Model, model_from_json, clone_model

keras.config.set_random_seed(0)
np.set_printoptions(precision=3, suppress=True)
print("kviz", keras.__version__)""",
    ),
    (
        "md",
        """\
## 1. A `Sequential` model

The simplest model is a *stack* of layers: each layer's output is the next layer's input.
Here is an MLP for 28×28 images flattened into 784 numbers (as in MNIST), with 10 output
classes:

* `Dense(64, activation='relu')` is a fully connected layer: `relu(x @ W + b)`;
* `input_shape=(784,)` on the **first** layer tells the model what one sample looks like
  (the batch size is left open: it shows as `None`);
* `Dropout(0.5)` randomly zeroes half of the values while training (more in section 5);
* `softmax` turns the 10 outputs into probabilities.""",
    ),
    (
        "py",
        """\
model = Sequential([
    Dense(64, activation='relu', input_shape=(784,)),
    Dropout(0.5),
    Dense(64, activation='relu'),
    Dense(10, activation='softmax'),
])
model.summary()""",
    ),
    (
        "md",
        """\
Read the table row by row. A `Dense` layer with `n` inputs and `m` units has an `n × m`
weight matrix plus `m` biases: the first layer has `784 × 64 + 64 = 50240` parameters.
`Dropout` has none. Let's check the count, and run the (untrained) model on 3 random
"images": each row of the result is a probability distribution over the 10 classes.""",
    ),
    (
        "py",
        """\
print("first layer:", 784 * 64 + 64, "parameters; whole model:", model.count_params())

x = np.random.rand(3, 784).astype("float32")
probabilities = model.predict(x)
print(probabilities.shape)
print(probabilities.sum(axis=1))  # each row sums to 1""",
    ),
    (
        "md",
        """\
## 2. The functional API

`Sequential` cannot express models with several inputs, several outputs or branches.
The *functional API* can: you call layers on tensors, like functions, starting from an
`Input`, and then make a `Model` from the input and output tensors.

`inputs` below is a *symbolic* tensor: it holds no numbers yet, only a shape. Calling a layer
on it records a step in the model's graph.""",
    ),
    (
        "py",
        """\
inputs = Input(shape=(784,))
x = Dense(64, activation='relu')(inputs)
x = Dense(64, activation='relu')(x)
outputs = Dense(10, activation='softmax')(x)

functional = Model(inputs=inputs, outputs=outputs)
functional.summary()
print(inputs)""",
    ),
    (
        "md",
        """\
Older Keras code (Keras 1) wrote `Model(input=..., output=...)`; kviz accepts that spelling
too. Both calls build a model over the *same* layers, so they share the same weights and give
the same predictions.""",
    ),
    (
        "py",
        """\
old_style = Model(input=inputs, output=outputs)
x = np.random.rand(2, 784)
print(np.allclose(old_style.predict(x), functional.predict(x)))""",
    ),
    (
        "md",
        """\
## 3. Several inputs, and shared layers

### A model with two inputs

Suppose we predict the price band of a flat from 8 numbers about the flat itself and 3 numbers
about its neighbourhood. Each input gets its own small `Dense` layer, then
`concatenate` joins the two feature vectors side by side. Naming layers (`name=...`) makes
the summary easier to read; the last column shows which layer feeds which.""",
    ),
    (
        "py",
        """\
flat = Input(shape=(8,), name='flat')
area = Input(shape=(3,), name='neighbourhood')
a = Dense(16, activation='relu', name='flat_features')(flat)
b = Dense(4, activation='relu', name='area_features')(area)
joined = concatenate([a, b], name='joined')        # shape (None, 16 + 4)
price_band = Dense(3, activation='softmax', name='price_band')(joined)

two_inputs = Model(inputs=[flat, area], outputs=price_band, name='price_model')
two_inputs.summary()

# A multi-input model takes a list of arrays, in the order of `inputs`:
print(two_inputs.predict([np.random.rand(4, 8), np.random.rand(4, 3)]).shape)""",
    ),
    (
        "md",
        """\
### A shared layer

Calling **one** layer object on two tensors reuses the same weights for both. This is how
"siamese" networks compare two things: the same encoder turns each into a vector.

Each call adds a *node* to the layer. With two nodes, `layer.output` is ambiguous, so Keras
asks you to pick a node with `get_output_at(0)` or `get_output_at(1)`.""",
    ),
    (
        "py",
        """\
left = Input(shape=(5,), name='left')
right = Input(shape=(5,), name='right')
encoder = Dense(3, activation='tanh', name='shared_encoder')

encoded_left = encoder(left)     # node 0
encoded_right = encoder(right)   # node 1, same weights
same = Dense(1, activation='sigmoid', name='same')(concatenate([encoded_left, encoded_right]))
siamese = Model([left, right], same, name='siamese')
siamese.summary()

print(encoder.get_output_at(0) is encoded_left, encoder.get_output_at(1) is encoded_right)
try:
    encoder.output
except AttributeError as err:
    print("encoder.output ->", err)""",
    ),
    (
        "md",
        """\
The shared encoder appears once in the summary, with its 18 parameters counted once, but it
is connected to both inputs.

## 4. Inspecting a model

`model.layers` lists the layers (for functional models the `Input` layers come first);
`get_layer` finds one by name or by position. Each layer holds its weights as
NumPy arrays: `get_weights()` returns copies, `set_weights()` writes them.""",
    ),
    (
        "py",
        """\
for layer in two_inputs.layers:
    print(f"{layer.name:15s} {type(layer).__name__:12s} output shape {layer.output_shape}")

price_layer = two_inputs.get_layer('price_band')
print(price_layer is two_inputs.get_layer(index=-1))
for weight in price_layer.weights:
    print(weight.name, weight.shape)

kernel, bias = price_layer.get_weights()
print("kernel", kernel.shape, "bias", bias.shape, "bias values", bias)""",
    ),
    (
        "md",
        """\
## 5. Intermediate outputs, and train vs test

To see what a hidden layer computes, we use a small classifier for flowers described by 4
measurements (3 species). It has a `Dropout` layer after its hidden layer.""",
    ),
    (
        "py",
        """\
features = Input(shape=(4,), name='measurements')
hidden = Dense(6, activation='relu', name='hidden')(features)
dropped = Dropout(0.5, name='dropout')(hidden)
species = Dense(3, activation='softmax', name='species')(dropped)
flowers = Model(features, species, name='flower_classifier')
flowers.summary()

samples = np.array([[5.1, 3.5, 1.4, 0.2],
                    [6.7, 3.0, 5.2, 2.3]], dtype='float32')""",
    ),
    (
        "md",
        """\
**Way 1: a sub-model.** A new `Model` from the same input to the hidden layer's output
reuses the trained layers, so `predict` returns the hidden activations.

**Way 2: `K.function`.** `K.function(inputs, outputs)` compiles a function from symbolic
tensors; you call it with a list of arrays and get a list of arrays back.""",
    ),
    (
        "py",
        """\
hidden_model = Model(inputs=flowers.input, outputs=flowers.get_layer('hidden').output)
print(hidden_model.predict(samples))

get_hidden = K.function([flowers.input], [flowers.get_layer('hidden').output])
print(get_hidden([samples])[0])""",
    ),
    (
        "md",
        """\
Some layers behave differently while training. `Dropout(0.5)` zeroes each value with
probability 0.5 during training and doubles the others (so the average stays the same); at
test time it does nothing. Keras calls this the **learning phase**: feed
`K.learning_phase()` to a `K.function` with `0` for test, `1` for train.""",
    ),
    (
        "py",
        """\
get_dropout = K.function([flowers.input, K.learning_phase()],
                         [flowers.get_layer('dropout').output])
print("test  (0): same as the hidden layer\\n", get_dropout([samples, 0])[0])
print("train (1): about half zeroed, the rest doubled\\n", get_dropout([samples, 1])[0])""",
    ),
    (
        "md",
        """\
## 6. Gradients: which inputs matter?

`K.gradients(loss, variables)` differentiates a symbolic scalar. Taking the score of one class
as the "loss" and the model's input as the variable tells us how much each input feature
moves that score: a *saliency map*. (On an image, the same code highlights the pixels that
matter most.)""",
    ),
    (
        "py",
        """\
class_index = 2
score = K.mean(flowers.output[:, class_index])       # mean over the batch
grads = K.gradients(score, flowers.input)[0]         # d score / d input, shape (None, 4)
saliency = K.function([flowers.input], [score, grads])

score_value, grad_values = saliency([samples])
print("score of class", class_index, "=", score_value)
names = ['sepal length', 'sepal width', 'petal length', 'petal width']
bars = np.round(20 * np.abs(grad_values[0]) / np.abs(grad_values[0]).max()).astype(int)
print("gradient for the first flower:")
for name, g, n in zip(names, grad_values[0], bars):
    print(f"  {name:13s} {g:+.4f}  {'#' * n}")""",
    ),
    (
        "md",
        """\
A gradient is a slope, so we can check it with a tiny step: nudging the petal length of the
first flower by `eps` should change the score by about `eps × gradient`.""",
    ),
    (
        "py",
        """\
eps = 1e-2
nudged = samples.copy()
nudged[0, 2] += eps
score_nudged = saliency([nudged])[0]
print("measured slope:", (score_nudged - score_value) / eps, " gradient:", grad_values[0, 2])""",
    ),
    (
        "md",
        """\
## 7. Save and restore the architecture (JSON)

`to_json()` describes the layers and how they are connected, **not** the weights.
`model_from_json` rebuilds an identical architecture with fresh random weights; copy the
weights over with `get_weights`/`set_weights` to get the same model back.""",
    ),
    (
        "py",
        """\
json_string = two_inputs.to_json()
print(json_string[:200], "...")

restored = model_from_json(json_string)
print([layer.name for layer in restored.layers])

data = [np.random.rand(2, 8), np.random.rand(2, 3)]
print("before copying weights:", np.allclose(restored.predict(data), two_inputs.predict(data)))
restored.set_weights(two_inputs.get_weights())
print("after copying weights: ", np.allclose(restored.predict(data), two_inputs.predict(data)))""",
    ),
    (
        "md",
        """\
## 8. Training, step by step

Training means: show the model a batch of examples, measure how wrong it is (the *loss*),
compute the gradient of the loss with respect to every weight, and move each weight a
little against its gradient. Repeat.

Our data: points on two interleaved spirals, one spiral per class. No straight line
separates them, so the hidden layers have to bend the boundary.""",
    ),
    (
        "py",
        """\
def two_spirals(n_per_class=200, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n_per_class)) * 2 * np.pi + 0.3
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (2 * np.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise / (2 * np.pi), (2 * n_per_class, 2))
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)]).astype('int64')
    return x.astype('float32'), y

x_train, y_train = two_spirals(300)
targets = np.eye(2, dtype='float32')[y_train]     # one-hot: class 1 -> [0, 1]

plt.figure(figsize=(4, 4))
plt.scatter(x_train[:, 0], x_train[:, 1], c=y_train, cmap='coolwarm', s=8)
plt.title('two spirals')
plt.show()""",
    ),
    (
        "py",
        """\
point = Input(shape=(2,), name='point')
h = Dense(32, activation='relu', name='hidden_1')(point)
h = Dense(32, activation='relu', name='hidden_2')(h)
probs = Dense(2, activation='softmax', name='class_probabilities')(h)
spiral_model = Model(point, probs, name='spiral_classifier')
spiral_model.summary()""",
    ),
    (
        "md",
        """\
The loop below is what `model.fit` does for you. `GradientTape` records the operations of
the forward pass so that `tape.gradient` can run them backwards. The loss is the
cross-entropy `-mean(sum(targets * log(probs)))`, and the update is gradient descent with
momentum (`velocity` remembers the previous steps).""",
    ),
    (
        "py",
        """\
from kviz import ops
from kviz.autodiff import GradientTape

def accuracy(model, x, y):
    return np.mean(model.predict(x).argmax(axis=1) == y)

weights = spiral_model.trainable_weights
velocity = [np.zeros(w.shape, dtype='float32') for w in weights]
learning_rate, batch_size = 0.05, 32
rng = np.random.default_rng(1)

for epoch in range(1, 81):
    order = rng.permutation(len(x_train))
    total = 0.0
    for start in range(0, len(x_train), batch_size):
        idx = order[start:start + batch_size]
        with GradientTape() as tape:
            p = spiral_model(x_train[idx], training=True)                  # forward pass
            loss = ops.mean(-ops.sum(targets[idx] * ops.log(ops.clip(p, 1e-7, 1.0)), axis=1))
        grads = tape.gradient(loss, weights)                               # backward pass
        for w, g, v in zip(weights, grads, velocity):
            v *= 0.9
            v -= learning_rate * g
            w.assign(w.numpy() + v)                                        # update
        total += float(loss) * len(idx)
    if epoch == 1 or epoch % 10 == 0:
        print(f"epoch {epoch:3d}  loss {total / len(x_train):.4f}  "
              f"accuracy {accuracy(spiral_model, x_train, y_train):.3f}")""",
    ),
    (
        "md",
        """\
### What did it learn?

Colour every point of a grid by the class the model predicts there: these are its
*decision regions*. The boundary curls between the two spirals.""",
    ),
    (
        "py",
        """\
xx, yy = np.meshgrid(np.linspace(-1.3, 1.3, 200), np.linspace(-1.3, 1.3, 200))
grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype('float32')
p1 = spiral_model.predict(grid, batch_size=4096)[:, 1].reshape(xx.shape)

plt.figure(figsize=(5, 5))
plt.contourf(xx, yy, p1, levels=[0, 0.5, 1], cmap='coolwarm', alpha=0.3)
plt.scatter(x_train[:, 0], x_train[:, 1], c=y_train, cmap='coolwarm', s=8)
plt.title(f'decision regions (train accuracy {accuracy(spiral_model, x_train, y_train):.3f})')
plt.show()""",
    ),
    (
        "md",
        """\
## The same training with `compile` and `fit`

In Keras you rarely write the loop yourself: `compile` chooses the loss, the optimizer and
the metrics, and `fit` runs exactly the loop above (batches, forward pass, gradients,
updates, a log line per epoch). Here is the same spiral model trained the Keras way.""",
    ),
    (
        "code",
        """\
from kviz.optimizers import SGD
from kviz.utils import to_categorical

keras_way = clone_model(spiral_model)  # same architecture, fresh weights
keras_way.compile(optimizer=SGD(lr=0.05, momentum=0.9),
                  loss='categorical_crossentropy', metrics=['accuracy'])
history = keras_way.fit(x_train, to_categorical(y_train, 2), batch_size=32, epochs=80,
                        validation_split=0.2, verbose=0)
print('final training accuracy:', round(history.history['accuracy'][-1], 3))
print('final validation accuracy:', round(history.history['val_accuracy'][-1], 3))
plt.plot(history.history['loss'], label='loss')
plt.plot(history.history['val_loss'], label='val_loss')
plt.xlabel('epoch')
plt.legend()
plt.show()""",
    ),
]


def build():
    """The notebook as an ``nbformat`` node: no outputs, deterministic cell ids."""
    return build_notebook(CELLS)


if __name__ == "__main__":
    sys.exit(main(NOTEBOOK, build))
