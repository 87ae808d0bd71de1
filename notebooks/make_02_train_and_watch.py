"""Generate ``notebooks/02_train_and_watch.ipynb`` (run: ``python notebooks/make_02_train_and_watch.py``).

The notebook is written from this script so that its source stays reviewable and it is stored
without outputs; ``tests/notebooks/test_notebooks.py`` checks that the committed notebook is
exactly what ``build()`` produces, and executes it. Edit the cells here, then regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _notebook_cells import build_notebook, main  # noqa: E402

NOTEBOOK = Path(__file__).with_name("02_train_and_watch.ipynb")

# (kind, source) pairs; "md" is a markdown cell, "py" a code cell.
CELLS = [
    (
        "md",
        """\
# 02 · Train a model and watch it learn

The classic first network of every Keras course: a multi-layer perceptron (MLP) that reads
handwritten digits. We train it and **watch** the training as it happens:

1. load MNIST and look at it;
2. build Keras's `mnist_mlp` example model and draw it (`plot_model`, `ModelGraph`);
3. train it with a live plot of the loss and accuracy, a confusion matrix and weight/gradient
   histograms that update after every epoch (`LivePlot`);
4. plot the finished history (`plot_history`), evaluate on the test set and look at the
   digits the model gets wrong;
5. see overfitting happen, and let `EarlyStopping` and `ModelCheckpoint` deal with it.

Run the cells from top to bottom (*Run → Run All Cells*).""",
    ),
    (
        "py",
        """\
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

import kviz as keras
from kviz.datasets import mnist
from kviz.layers import Dense, Dropout
from kviz.models import Sequential, load_model
from kviz.optimizers import RMSprop
from kviz.callbacks import EarlyStopping, ModelCheckpoint
from kviz.utils import to_categorical, plot_model
from kviz.viz import plot_history, confusion_matrix
from kviz.widgets import LivePlot, ModelGraph

keras.config.set_random_seed(0)""",
    ),
    (
        "md",
        """\
## 1. The data

MNIST: 70,000 grey 28×28 pictures of handwritten digits (Yann LeCun, Corinna Cortes and
Christopher Burges), 60,000 for training and 10,000 for testing.

**Where the files come from.** `mnist.load_data()` works as in Keras: the first time it
downloads `mnist.npz` (11 MB) from Keras's address
`https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz` into the cache folder
`~/.keras/datasets/`, later calls read it from there. The environment variable `KERAS_HOME`
moves the cache (`$KERAS_HOME/datasets/`). kviz also accepts Yann LeCun's four original files
(`train-images.idx3-ubyte`, `train-labels.idx1-ubyte`, `t10k-images.idx3-ubyte`,
`t10k-labels.idx1-ubyte`, plain or `.gz`) in `~/.keras/datasets/mnist-idx/`; both are checked
against their published hashes. **Offline classroom:** download the files once on a machine
with internet access and copy them into `~/.keras/datasets/` on every student machine (or into
a shared folder, and set `KERAS_HOME` before starting Jupyter). Without the files and without a
network, `load_data()` stops with an error that names the address and the folder to copy to.""",
    ),
    (
        "py",
        """\
(x_train, y_train), (x_test, y_test) = mnist.load_data()
print(x_train.shape, y_train.shape, x_test.shape, x_train.dtype, "pixel values", x_train.min(), "to", x_train.max())

fig, axes = plt.subplots(2, 10, figsize=(10, 2.3))
for ax, image, label in zip(axes.flat, x_train, y_train):
    ax.imshow(image, cmap='gray_r')
    ax.set_title(str(label), fontsize=9)
    ax.axis('off')
plt.show()""",
    ),
    (
        "md",
        """\
An MLP reads a flat vector, so each picture becomes 784 numbers, scaled from 0–255 to 0–1.
The labels become *one-hot* vectors (`3` → `[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]`), which is what
`categorical_crossentropy` compares the 10 output probabilities with.

We split the data three ways:

* **training** (what the weights are fitted on): the first 30,000 training images, to keep
  this notebook quick (Keras's example uses all 60,000);
* **validation** (checked after every epoch, never trained on): the last 5,000 training
  images;
* **test** (looked at once, at the end): the 10,000 test images.""",
    ),
    (
        "py",
        """\
x_train = x_train.reshape(-1, 784).astype('float32') / 255
x_test = x_test.reshape(-1, 784).astype('float32') / 255
Y_train, Y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)
print(y_train[0], '->', Y_train[0])

x_fit, Y_fit = x_train[:30000], Y_train[:30000]
x_val, Y_val = x_train[55000:], Y_train[55000:]
print("train", x_fit.shape, " validation", x_val.shape, " test", x_test.shape)""",
    ),
    (
        "md",
        """\
## 2. The model: Keras's `mnist_mlp`

Two hidden `Dense` layers of 512 ReLU units, each followed by `Dropout(0.2)` (during training
a random 20 % of the units are switched off, which keeps the network from leaning on a few of
them), and a softmax over the 10 digits. That is 669,706 parameters, mostly the two big weight
matrices (784 × 512 and 512 × 512).""",
    ),
    (
        "py",
        """\
def mnist_mlp():
    model = Sequential()
    model.add(Dense(512, activation='relu', input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation='relu'))
    model.add(Dropout(0.2))
    model.add(Dense(10, activation='softmax'))
    model.compile(loss='categorical_crossentropy', optimizer=RMSprop(), metrics=['accuracy'])
    return model

model = mnist_mlp()
model.summary()""",
    ),
    (
        "md",
        """\
`plot_model` draws the model as Keras does (and saves the picture, here `mnist_mlp.png`).
`ModelGraph` draws the same diagram as a widget: drag to pan, scroll to zoom, and **click a
layer** to see its configuration, its weights with a histogram of their values and, with the
sample `x` we pass, what it outputs. Click the first `dense` layer now, before training: its
weights are small random numbers spread evenly around zero.""",
    ),
    (
        "py",
        """\
plot_model(model, to_file='mnist_mlp.png', show_shapes=True)""",
    ),
    (
        "py",
        """\
graph = ModelGraph(model, x=x_val[:32])
graph""",
    ),
    (
        "md",
        """\
## 3. Train, and watch

`LivePlot` is a Keras *callback*: `fit` calls it after every batch and every epoch. It draws
while training runs:

* the **loss** and the **accuracy**, per batch (thin line) and per epoch (dots), for the
  training data (blue) and the validation data (orange), with a progress bar and the time left;
* with `confusion_matrix=True`, the **confusion matrix** of the validation data after each
  epoch: row = the true digit, column = the predicted one, so everything off the diagonal is
  a mistake;
* with `histograms=True`, a **histogram of the weights and of the gradients** of each layer
  over the epochs, with a warning when many ReLU units are dead (never positive) or when the
  gradients explode or vanish.

The confusion matrix and the histograms need the validation data handed to `LivePlot` itself
(Keras does not pass `fit`'s validation data to callbacks).

Three epochs take well under a minute here. Expect about **97 % validation accuracy** after
them, and a little less (about 96.5 %) on the test set. Keras's full example (all 60,000 images, 20 epochs) reaches about **98.4 %** test
accuracy; an MLP rarely does better than about 98.5 % on MNIST, and convolutional networks
reach more than 99 %.""",
    ),
    (
        "py",
        """\
live = LivePlot(validation_data=(x_val, Y_val), confusion_matrix=True, histograms=True,
                class_names=[str(d) for d in range(10)], title='mnist_mlp')
history = model.fit(x_fit, Y_fit, batch_size=128, epochs=3, verbose=0,
                    validation_data=(x_val, Y_val), callbacks=[live])""",
    ),
    (
        "md",
        """\
Things to notice:

* the loss falls fastest during the first few hundred batches; after that each epoch gains
  less;
* the validation accuracy can be *higher* than the training accuracy: the training numbers
  are measured with Dropout switched on (and averaged over an epoch in which the model was
  still improving), the validation numbers with the finished epoch's model and Dropout off;
* in the confusion matrix the mistakes gather in a few cells: 4 read as 9, 7 as 9, 3 as 5,
  8 as 3... digits that look alike.

`fit` also returns a `History` object whose `history` dict holds one value per epoch for
every metric. `plot_history` draws it (this is also the picture to put in a report):""",
    ),
    (
        "py",
        """\
print({key: np.round(values, 4).tolist() for key, values in history.history.items()})
plot_history(history)""",
    ),
    (
        "md",
        """\
## 4. Evaluate on the test set, and look at the mistakes

The validation set guided us while training; the test set gives the honest final number.""",
    ),
    (
        "py",
        """\
test_loss, test_accuracy = model.evaluate(x_test, Y_test, verbose=0)
print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f}")

probabilities = model.predict(x_test, batch_size=1000)
predicted = probabilities.argmax(axis=1)
wrong = np.flatnonzero(predicted != y_test)
print(len(wrong), "of", len(y_test), "test digits are misclassified")

cm = confusion_matrix(y_test, predicted, num_classes=10)
off_diagonal = cm - np.diag(np.diag(cm))
pairs = np.dstack(np.unravel_index(np.argsort(off_diagonal, axis=None)[::-1][:5], cm.shape))[0]
for true, guess in pairs:
    print(f"  {cm[true, guess]:3d} times a {true} was read as a {guess}")""",
    ),
    (
        "md",
        """\
Here are some of them, each with the model's answer, its probability, and the true label.
Many are digits a person would hesitate over too; some are plain mistakes.""",
    ),
    (
        "py",
        """\
fig, axes = plt.subplots(2, 8, figsize=(11, 3.4))
for ax, i in zip(axes.flat, wrong):
    ax.imshow(x_test[i].reshape(28, 28), cmap='gray_r')
    ax.set_title(f'said {predicted[i]} ({probabilities[i, predicted[i]]:.2f})\\ntrue {y_test[i]}',
                 fontsize=8, color='firebrick')
    ax.axis('off')
plt.show()""",
    ),
    (
        "md",
        """\
## 5. Overfitting, `EarlyStopping` and `ModelCheckpoint`

A network with 669,706 parameters can memorize a small training set. Give the same model only
1,000 training images and many epochs, and watch the two curves part: the training loss keeps
falling towards zero while the validation loss levels off a long way above it, then wobbles
and creeps up. The gap between the two curves is overfitting: the model learns the training
images by heart instead of learning digits.

Two callbacks handle this:

* `EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True)` stops training
  once the validation loss has not improved for 3 epochs in a row, and puts back the weights
  of the best epoch;
* `ModelCheckpoint('best_mlp.h5', monitor='val_loss', save_best_only=True)` saves the whole
  model (architecture, weights, optimizer) to a Keras HDF5 file every time the validation loss
  reaches a new best, so the best model survives even if training is interrupted.

We allow up to 40 epochs; the printed lines say when a checkpoint is saved and when training
stops.""",
    ),
    (
        "py",
        """\
small = mnist_mlp()
callbacks = [
    LivePlot(title='1,000 training images'),
    EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True, verbose=1),
    ModelCheckpoint('best_mlp.h5', monitor='val_loss', save_best_only=True, verbose=1),
]
small_history = small.fit(x_train[:1000], Y_train[:1000], batch_size=128, epochs=40, verbose=0,
                          validation_data=(x_val, Y_val), callbacks=callbacks)""",
    ),
    (
        "py",
        """\
val_loss = small_history.history['val_loss']
best_epoch = int(np.argmin(val_loss)) + 1
print(f"ran {len(val_loss)} of 40 epochs; best validation loss {min(val_loss):.4f} "
      f"after epoch {best_epoch}")
print("training loss at the end:", round(small_history.history['loss'][-1], 4))
plot_history(small_history)""",
    ),
    (
        "md",
        """\
The weights in `small` are now those of the best epoch (`restore_best_weights=True`), and
`best_mlp.h5` holds the same model. `load_model` reads it back, ready to predict or to train
further; both give the same test accuracy. With 1,000 images it is clearly below what 30,000
images gave: more data is the best cure for overfitting.""",
    ),
    (
        "py",
        """\
restored = load_model('best_mlp.h5')
print("small model (best weights): test accuracy", round(small.evaluate(x_test, Y_test, verbose=0)[1], 4))
print("loaded from best_mlp.h5:    test accuracy", round(restored.evaluate(x_test, Y_test, verbose=0)[1], 4))
print("30,000 images, 3 epochs:    test accuracy", round(test_accuracy, 4))""",
    ),
    (
        "md",
        """\
## Things to try

* Train the big model for more epochs, or on all 55,000 non-validation images: how close to
  98.4 % do you get, and when does the validation loss stop improving?
* Remove the `Dropout` layers and repeat section 5: does the model overfit sooner?
* Replace `RMSprop()` by `'sgd'`: training is much slower at the start. Why?
* After training, run `graph.refresh()` on the `ModelGraph` above and click the first `dense`
  layer again: how did its weight histogram change?""",
    ),
]


def build():
    """The notebook as an ``nbformat`` node: no outputs, deterministic cell ids."""
    return build_notebook(CELLS)


if __name__ == "__main__":
    sys.exit(main(NOTEBOOK, build))
