"""Generate ``notebooks/03_inside_a_cnn.ipynb`` (run: ``python notebooks/make_03_inside_a_cnn.py``).

The notebook is written from this script so that its source stays reviewable and it is stored
without outputs; ``tests/notebooks/test_notebooks.py`` checks that the committed notebook is
exactly what ``build()`` produces, and executes it. Edit the cells here, then regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _notebook_cells import build_notebook, main  # noqa: E402

NOTEBOOK = Path(__file__).with_name("03_inside_a_cnn.ipynb")

# (kind, source) pairs; "md" is a markdown cell, "py" a code cell.
CELLS = [
    (
        "md",
        """\
# 03 · Inside a convolutional network

A convolutional neural network (CNN) looks at an image through small windows. In this notebook
we train a small CNN on photos of clothes and then **look inside it**:

1. the data (Fashion-MNIST) and where it comes from;
2. a small CNN, trained for a few seconds;
3. its diagram as an interactive widget (click a layer to inspect it);
4. what each layer computes for one image (`ActivationViewer`);
5. what each filter looks for: its kernel, and the input that excites it most
   (`FilterViewer`, activation maximization);
6. which pixels a prediction depends on: saliency and Grad-CAM, drawn over the image;
7. the same computations written out with the Keras 2 backend (`K.function`, `K.gradients`).

Run the cells from top to bottom (*Run → Run All Cells*). The widgets react to the mouse; in a
saved or exported copy of the notebook they show a still picture instead.""",
    ),
    (
        "py",
        """\
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

import kviz as keras
from kviz import backend as K
from kviz.datasets import fashion_mnist
from kviz.layers import Conv2D, MaxPooling2D, Flatten, Dense
from kviz.models import Sequential
from kviz.utils import to_categorical
from kviz.viz import activations, kernel_images, maximize_activation, saliency, grad_cam, overlay
from kviz.widgets import ModelGraph, ActivationViewer, FilterViewer

keras.config.set_random_seed(0)
np.set_printoptions(precision=3, suppress=True)""",
    ),
    (
        "md",
        """\
## 1. The data

[Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) (Zalando Research, MIT
licence) has 70,000 grey 28×28 pictures of clothes in 10 classes: 60,000 for training and
10,000 for testing. It was made as a harder drop-in replacement for the MNIST digits.

**Where the files come from.** `fashion_mnist.load_data()` works as in Keras: the first time, it
downloads four files (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
`t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`, about 30 MB) from Keras's address
`https://storage.googleapis.com/tensorflow/tf-keras-datasets/` into the cache folder
`~/.keras/datasets/fashion-mnist/`; later calls read them from there. The environment variable
`KERAS_HOME` moves the cache (`$KERAS_HOME/datasets/...`). **Offline classroom:** download the
four files once on a machine with internet access and copy them into
`~/.keras/datasets/fashion-mnist/` on every student machine (or into one shared folder, and set
`KERAS_HOME` before starting Jupyter). Without the files and without a network,
`load_data()` stops with an error that names the address and the exact folder to copy them to.

To keep this notebook fast we train on the first 12,000 training images and test on the first
2,000 test images. The pixels are bytes (0–255); we scale them to 0–1 and add the *channel*
axis that convolution layers expect: one channel for grey pictures, `(28, 28, 1)`.""",
    ),
    (
        "py",
        """\
(x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
print("full data:", x_train.shape, x_test.shape, x_train.dtype)

class_names = fashion_mnist.CLASS_NAMES
n_train, n_test = 12000, 2000
x_train = x_train[:n_train].reshape(-1, 28, 28, 1).astype('float32') / 255
x_test = x_test[:n_test].reshape(-1, 28, 28, 1).astype('float32') / 255
y_train, y_test = y_train[:n_train], y_test[:n_test]
print("used here:", x_train.shape, x_test.shape)

fig, axes = plt.subplots(1, 10, figsize=(12, 1.8))
for c, ax in enumerate(axes):
    i = np.flatnonzero(y_train == c)[0]
    ax.imshow(x_train[i, :, :, 0], cmap='gray_r')
    ax.set_title(class_names[c], fontsize=8)
    ax.axis('off')
plt.show()""",
    ),
    (
        "md",
        """\
## 2. A small CNN

* `Conv2D(16, (3, 3))` slides 16 small 3×3 *filters* (kernels) over the image. At every
  position each filter computes a weighted sum of the 9 pixels under it plus a bias, and ReLU
  keeps the positive part. The result is 16 *feature maps*, one per filter. Without padding a
  3×3 window fits 26×26 times in a 28×28 image.
* `MaxPooling2D((2, 2))` keeps the largest value of each 2×2 block: the maps shrink to half the
  size, and a feature that moves by a pixel still gives the same value.
* The second convolution combines the 16 maps into 32 new ones: its filters are 3×3×16.
* `Flatten` and two `Dense` layers turn the last maps into 10 class probabilities.

Count the parameters of `conv1` by hand: 16 filters × (3 × 3 × 1 weights + 1 bias) = 160. And
of `conv2`: 32 × (3 × 3 × 16 + 1) = 4,640. Convolutions share their few weights across all
positions, which is why CNNs need far fewer parameters than an MLP on the same image.""",
    ),
    (
        "py",
        """\
model = Sequential([
    Conv2D(16, (3, 3), activation='relu', input_shape=(28, 28, 1), name='conv1'),
    MaxPooling2D((2, 2), name='pool1'),
    Conv2D(32, (3, 3), activation='relu', name='conv2'),
    MaxPooling2D((2, 2), name='pool2'),
    Flatten(name='flatten'),
    Dense(64, activation='relu', name='dense'),
    Dense(10, activation='softmax', name='probs'),
], name='fashion_cnn')
model.summary()
print("conv1:", 16 * (3 * 3 * 1 + 1), " conv2:", 32 * (3 * 3 * 16 + 1))""",
    ),
    (
        "md",
        """\
Three epochs on 12,000 images take a few seconds. Expect about **82 % test accuracy** here.
With all 60,000 training images and about 10 epochs the same network reaches about 90–91 %;
the best models reach about 94 % on Fashion-MNIST (against more than 99 % on MNIST digits:
shirts, T-shirts, pullovers and coats are easy to confuse).""",
    ),
    (
        "py",
        """\
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
history = model.fit(x_train, to_categorical(y_train, 10), batch_size=64, epochs=3,
                    validation_data=(x_test, to_categorical(y_test, 10)), verbose=2)
loss, accuracy = model.evaluate(x_test, to_categorical(y_test, 10), verbose=0)
print(f"test accuracy: {accuracy:.3f}")""",
    ),
    (
        "md",
        """\
## 3. The model as a diagram

`ModelGraph` draws the network as boxes (layers) and arrows (tensors, labelled with their
shapes). It is a live widget:

* **drag** to pan, use the **mouse wheel** or the `+` / `−` buttons to zoom, `Fit` to reset;
* **click a layer** to open its details on the right: its configuration, its parameter count,
  each weight with a histogram of its values, and, because we pass a few test images as `x`,
  what the layer outputs for them: mean, spread, share of zeros, a heatmap and a histogram.

Click `conv1`, then `conv2`, then `dense`: watch the shapes shrink in space while the number of
channels grows. Compare the share of zeros in the outputs: that is ReLU switching units off.""",
    ),
    (
        "py",
        """\
graph = ModelGraph(model, x=x_test[:16])
graph""",
    ),
    (
        "md",
        """\
A click sets the widget's `selected` node; the panel shows `graph.details`. You can do the same
from Python, which is handy to print a value or to check your reading of the panel:""",
    ),
    (
        "py",
        """\
graph.select('conv1')                 # what a click on conv1 does
d = graph.details
print(d['label'], '| output', d['output_shape'], '|', d['params'], 'parameters')
for w in d['weights']:
    s = w['stats']
    print(f"  {w['name']:14s} shape {w['shape']}  mean {s['mean']:+.3f}  std {s['std']:.3f}")
a = d['activations']['stats']
print(f"  output on 16 test images: mean {a['mean']:.3f}, max {a['max']:.3f}, "
      f"zeros {100 * a['zeros']:.0f} %")""",
    ),
    (
        "md",
        """\
## 4. What each layer computes

`ActivationViewer` shows the output of one layer for one image. Choose the layer in the
dropdown and the image with the slider:

* **conv1**: 16 maps, one per filter. Each map is bright where its filter's pattern is present:
  some light up on left edges, some on top edges, some on the whole garment;
* **pool1**: the same maps at half the size;
* **conv2 / pool2**: 32 maps of combinations of the first patterns, smaller and more abstract;
* **dense**: 64 numbers, drawn as bars: the features the classifier reads;
* **probs**: the 10 class probabilities.""",
    ),
    (
        "py",
        """\
ActivationViewer(model, x_test[:16], layer='conv1')""",
    ),
    (
        "md",
        """\
The viewer is built on `kviz.viz.activations(model, x)`, which returns every layer's output as
NumPy arrays (one `predict` of a model with all the layers as outputs). With it we can ask
questions of the whole test set: how large is each layer's output, and how often is a ReLU
unit off (exactly zero)?""",
    ),
    (
        "py",
        """\
acts = activations(model, x_test[:200])
for name, a in acts.items():
    print(f"{name:8s} {str(a.shape[1:]):14s} {a[0].size:6d} numbers per image, "
          f"{100 * np.mean(a == 0):4.1f} % zeros")""",
    ),
    (
        "md",
        """\
## 5. What each filter looks for

### The kernels

The 16 filters of `conv1` are 3×3 grids of weights; `kernel_images` rescales each to 0–1 so it
can be drawn (white = large weight). A filter with a bright column next to a dark column
responds to a vertical edge. `FilterViewer` below shows the same grids (the `filter` slider
frames one) and more panels; here is a static drawing:""",
    ),
    (
        "py",
        """\
kernels = kernel_images(model, 'conv1')       # (filters, pictures, 3, 3, channels)
print(kernels.shape)
fig, axes = plt.subplots(2, 8, figsize=(8, 2.2))
for f, ax in enumerate(axes.flat):
    ax.imshow(kernels[f, 0, :, :, 0], cmap='gray', vmin=0, vmax=1)
    ax.set_title(f'filter {f}', fontsize=7)
    ax.axis('off')
plt.show()""",
    ),
    (
        "md",
        """\
### Activation maximization

A kernel of a deeper layer is hard to read: `conv2` looks at 16 maps, not at pixels. Instead we
ask the network: *which input makes this filter fire the most?* Start from grey noise and
repeat: compute the gradient of the filter's mean output with respect to the **input image**,
and move the image a small step along it (gradient *ascent*). This is the filter-visualization
example of Keras 2, written with `K.gradients` and `K.function` (section 7 writes it out).

`maximize_activation` runs it; `jitter` (shift the image a little each step), `blur` and `l2`
keep the picture smooth enough to read.

Where to start matters. By default the ascent starts from mid-grey noise, but Fashion-MNIST
pictures have a **black** background, and from a grey image several `conv2` filters do not fire
at all: their ReLU outputs 0 everywhere, so the gradient is 0 and the picture never changes
(a *dead* start). So we start from dark noise, like the data. The pictures show the patterns
(stripes, edges in one direction, blobs) that the first 8 filters of `conv2` respond to; the
titles give the filter's mean activation at the start and at the end.""",
    ),
    (
        "py",
        """\
def mean_activation(image, layer, f):
    return activations(model, image[None], [layer])[layer][0, ..., f].mean()

dark_noise = 0.1 * np.random.default_rng(0).random((28, 28, 1)).astype('float32')
fig, axes = plt.subplots(1, 8, figsize=(12, 2))
for f, ax in enumerate(axes):
    found = maximize_activation(model, 'conv2', f, steps=40, jitter=1, blur=0.5, l2=0.01,
                                start=dark_noise, deprocess=False)
    ax.imshow(found[:, :, 0], cmap='gray')
    ax.set_title(f'filter {f}\\n{mean_activation(dark_noise, "conv2", f):.2f} -> '
                 f'{mean_activation(found, "conv2", f):.2f}', fontsize=8)
    ax.axis('off')
plt.show()""",
    ),
    (
        "md",
        """\
`FilterViewer` puts all of this in one widget: the kernel grid of any layer with a kernel
(dropdown), a `filter` slider, and a **maximize** button with the steps, step size, jitter,
blur and L2 controls (each press starts from new grey noise). Because we pass test images as
`x`, it also has the saliency / Grad-CAM panel of the next section. Try `conv2` and a few
filters; when a filter's picture stays noise, its ReLU did not fire from that start (the widget
says so): press again for another start.""",
    ),
    (
        "py",
        """\
FilterViewer(model, layer='conv1', x=x_test[:16])""",
    ),
    (
        "md",
        """\
## 6. Which pixels matter? Saliency and Grad-CAM

Take one test image and the class the model predicts for it.

* **Saliency**: the gradient of that class's score with respect to each input pixel. A large
  value means that changing this pixel changes the score a lot. It is sharp but noisy.
* **Grad-CAM**: weight each feature map of the last convolution layer (`conv2`) by how much the
  class score grows with it (the mean of its gradient), add the maps up and keep the positive
  part. It is coarse (11×11, resized to 28×28) but shows *regions*: the parts of the garment
  the decision rests on.

`overlay` draws a heatmap in colour over the grey image (red = important).""",
    ),
    (
        "py",
        """\
probabilities = model.predict(x_test[:16], verbose=0)
predicted = probabilities.argmax(axis=1)
i = 0
c = int(predicted[i])
print(f"test image {i}: true class {class_names[y_test[i]]!r}, "
      f"predicted {class_names[c]!r} with probability {probabilities[i, c]:.2f}")

sal = saliency(model, x_test[i], c)      # (28, 28) in [0, 1]
cam = grad_cam(model, x_test[i], c)      # (28, 28) in [0, 1], from the last conv layer

panels = [(x_test[i, :, :, 0], 'image', 'gray_r'), (sal, 'saliency', 'hot'),
          (overlay(x_test[i], sal, alpha=0.5), 'saliency overlaid', None),
          (overlay(x_test[i], cam, alpha=0.5), 'Grad-CAM overlaid', None)]
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for ax, (picture, title, cmap) in zip(axes, panels):
    ax.imshow(picture, cmap=cmap)
    ax.set_title(title, fontsize=9)
    ax.axis('off')
plt.show()""",
    ),
    (
        "md",
        """\
Grad-CAM answers "why this class?", so it changes with the class you ask about. Here is the
same image explained for its two most likely classes, and for four other test images (each
explained for the class the model predicts):""",
    ),
    (
        "py",
        """\
top2 = np.argsort(probabilities[i])[::-1][:2]
cams = [(i, k) for k in top2] + [(j, int(predicted[j])) for j in range(1, 5)]
fig, axes = plt.subplots(1, len(cams), figsize=(12, 2.4))
for ax, (j, k) in zip(axes, cams):
    ax.imshow(overlay(x_test[j], grad_cam(model, x_test[j], k), alpha=0.5))
    ax.set_title(f'#{j}: {class_names[k]} ({probabilities[j, k]:.2f})', fontsize=8)
    ax.axis('off')
plt.show()""",
    ),
    (
        "md",
        """\
Look at where the warm colours are. For a boot, the evidence for *Ankle boot* and for its
runner-up *Sneaker* usually sits in different places (the shaft against the sole); for
trousers it is often the gap between the legs, the one thing no other class has.""",
    ),
    (
        "md",
        """\
## 7. Under the hood: `K.function` and `K.gradients`

The functions above are short programs on the Keras 2 backend. Writing them out once shows that
there is no magic: a *symbolic* expression of the model's tensors, its gradient with
`K.gradients`, and `K.function` to evaluate both on real images.

**Saliency.** The class score is the model's output for class `c`; its gradient with respect to
`model.input` has the shape of the image. Take the absolute value, the largest over channels,
and scale to 0–1:""",
    ),
    (
        "py",
        """\
score = K.mean(model.output[:, c])                  # a symbolic scalar
grads = K.gradients(score, model.input)[0]          # d score / d image, shape (None, 28, 28, 1)
score_and_grads = K.function([model.input], [score, grads])

score_value, grads_value = score_and_grads([x_test[i:i + 1]])
by_hand = np.abs(grads_value[0]).max(axis=-1)
by_hand /= by_hand.max()
print("score:", score_value, " same map as kviz.viz.saliency:", np.allclose(by_hand, sal, atol=1e-5))""",
    ),
    (
        "md",
        """\
**Grad-CAM.** The same, with the gradient taken with respect to the feature maps of `conv2`
instead of the image:""",
    ),
    (
        "py",
        """\
conv_output = model.get_layer('conv2').output        # (None, 11, 11, 32)
grads = K.gradients(K.sum(model.output[:, c]), conv_output)[0]
maps_and_grads = K.function([model.input], [conv_output, grads])

maps, map_grads = maps_and_grads([x_test[i:i + 1]])
weights = map_grads[0].mean(axis=(0, 1))            # one weight per feature map
cam_by_hand = np.maximum((maps[0] * weights).sum(axis=-1), 0)
cam_by_hand /= cam_by_hand.max()
small = grad_cam(model, x_test[i], c, resize_to_input=False)
print(cam_by_hand.shape, " same map as kviz.viz.grad_cam:", np.allclose(cam_by_hand, small, atol=1e-5))""",
    ),
    (
        "md",
        """\
**Activation maximization**, as in Keras 2's filter-visualization example: the loss is the
mean output of one filter, the gradient is normalized by its root mean square, and each step
adds it to the image. Without the jitter, blur and L2 options, `maximize_activation` does
exactly these steps from the same starting image:""",
    ),
    (
        "py",
        """\
layer_output = model.get_layer('conv2').output
filter_index = 0
loss = K.mean(layer_output[:, :, :, filter_index])
grads = K.gradients(loss, model.input)[0]
grads = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)   # normalize the step
iterate = K.function([model.input], [loss, grads])

start = 0.5 + 0.08 * (np.random.default_rng(1).random((1, 28, 28, 1)) - 0.5)   # grey noise
image = start.copy()
for step in range(20):
    loss_value, grads_value = iterate([image.astype('float32')])
    image += grads_value * 0.1
    if step % 5 == 0 or step == 19:
        print(f"step {step:2d}: mean activation of filter {filter_index} = {loss_value:.3f}")

same = maximize_activation(model, 'conv2', filter_index, steps=20, step_size=0.1,
                           start=start[0], deprocess=False)
print("same image as maximize_activation:", np.allclose(image[0], same, atol=1e-4))""",
    ),
    (
        "md",
        """\
## Things to try

* Train for more epochs (or on all 60,000 images) and look at the kernels and the maximizing
  inputs again: they become cleaner and more distinct.
* Find a test image the model gets wrong (`predicted != y_test`) and explain it with Grad-CAM
  for the true class and for the predicted class.
* Add a third `Conv2D` layer: what do its filters respond to?""",
    ),
]


def build():
    """The notebook as an ``nbformat`` node: no outputs, deterministic cell ids."""
    return build_notebook(CELLS)


if __name__ == "__main__":
    sys.exit(main(NOTEBOOK, build))
