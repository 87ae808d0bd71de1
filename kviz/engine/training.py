"""``compile``/``fit``/``evaluate``/``predict`` and the ``*_on_batch`` and ``*_generator``
methods, mixed into :class:`kviz.models.Model`.

Training runs eagerly: the forward pass records on a :class:`~kviz.autodiff.GradientTape`,
the loss (plus regularization penalties) is differentiated with respect to the trainable
weights, and the optimizer updates them in place.

>>> import numpy as np
>>> from kviz.layers import Dense
>>> from kviz.models import Sequential
>>> model = Sequential([Dense(1, input_shape=(2,))])
>>> model.compile(optimizer='sgd', loss='mse')
>>> history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0)
>>> sorted(history.history)
['loss']
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from kviz import config
from kviz import optimizers as optimizers_mod
from kviz.autodiff.backward import gradients
from kviz.autodiff.tensor import GradientTape, Tensor
from kviz.engine import data_adapter as da
from kviz.engine.callbacks_base import CallbackList, History, ProgbarLogger
from kviz.engine.compile_utils import LossesContainer, MetricsContainer
from kviz.engine.device_placement import host_results, placed
from kviz.engine.logs import LogsDict
from kviz.errors import format_shape
from kviz.graph import nest
from kviz.kernels import blas
from kviz.layers.input_spec import check_input_spec


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _blas_policy(method):
    """Run ``method`` under kviz's BLAS thread policy (:mod:`kviz.kernels.blas`), with the
    model's state on the GPU when the device is 'cuda' (:mod:`kviz.engine.device_placement`)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with blas.compute():
            if config.get_device() != "cuda":  # on the CPU placement is a no-op: skip it
                return host_results(method(self, *args, **kwargs))
            with placed(self):
                return host_results(method(self, *args, **kwargs))

    return wrapper


class TrainingMixin:
    """Keras's training API. Expects the host to be a Layer-based Model."""

    # ------------------------------------------------------------------------- compile
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        loss_weights=None,
        sample_weight_mode=None,
        weighted_metrics=None,
        target_tensors=None,
        run_eagerly=None,
        steps_per_execution=None,
        jit_compile=None,
        **kwargs,
    ):
        """Configure the model for training (optimizer, loss(es), metrics)."""
        if kwargs:
            raise TypeError(
                "Invalid keyword argument(s) in `compile()`: "
                f'{tuple(sorted(kwargs))}. Valid keyword arguments include "optimizer", '
                '"loss", "metrics", "loss_weights", "sample_weight_mode" or "weighted_metrics".'
            )
        if target_tensors is not None:
            raise ValueError("`target_tensors` is not supported: pass targets to fit() instead.")
        optimizer = optimizers_mod.get(optimizer)
        output_names = self._training_output_names()
        losses = LossesContainer(loss, loss_weights, output_names, sample_weight_mode)
        metrics_container = MetricsContainer(metrics, weighted_metrics, output_names, losses)
        self.optimizer = optimizer
        self.loss = loss
        self.compiled_loss = losses
        self.compiled_metrics = metrics_container
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self._compile_config = {
            "loss": loss,
            "metrics": metrics,
            "loss_weights": loss_weights,
            "sample_weight_mode": sample_weight_mode,
            "weighted_metrics": weighted_metrics,
        }
        self.compiled = True
        self.stop_training = False
        self._collected_trainable_weights = self.trainable_weights if self.built else None

    def _training_output_names(self):
        if getattr(self, "_is_graph_network", False):
            return list(self.output_names)
        return ["output_1"]

    def _assert_compiled(self, what="training/testing"):
        if not getattr(self, "compiled", False) or getattr(self, "optimizer", None) is None:
            raise RuntimeError(
                f"You must compile your model before {what}. Use `model.compile(optimizer, loss)`."
            )

    @property
    def metrics_names(self):
        if not getattr(self, "compiled", False):
            return []
        names = ["loss"] + self.compiled_loss.names
        if self.compiled_metrics.built:
            names += self.compiled_metrics.names
        else:
            names += self._predicted_metric_names()
        return names

    def _predicted_metric_names(self):
        return self.compiled_metrics.log_names()

    # ----------------------------------------------------------------- data preparation
    def _input_names_for_data(self):
        if getattr(self, "_is_graph_network", False):
            return list(self.input_names)
        return ["input_1"]

    def _prepare_x(self, x):
        names = self._input_names_for_data()
        xs = da.to_list(x, names, "input")
        dtypes = (
            [t.dtype for t in self.inputs]
            if getattr(self, "_is_graph_network", False)
            else [config.floatx()] * len(xs)
        )
        xs = [da.as_array(a, dt) for a, dt in zip(xs, dtypes, strict=True)]
        if getattr(self, "_is_graph_network", False):
            shapes = [(None,) + tuple(a.shape[1:]) for a in xs]
            check_input_spec(self.input_spec, shapes, self.name)
        elif not self.built and xs:
            self.build(
                (None,) + tuple(xs[0].shape[1:])
                if len(xs) == 1
                else [(None,) + tuple(a.shape[1:]) for a in xs]
            )
        return xs

    def _prepare_y(self, y):
        if y is None:
            return None
        names = self._training_output_names()
        ys = da.to_list(y, names, "target")
        return [da.as_array(a, config.floatx()) for a in ys]

    def _prepare_sample_weights(self, sample_weight, ys, class_weight):
        names = self._training_output_names()
        if sample_weight is not None:
            if len(names) > 1 or isinstance(sample_weight, dict):
                sws = da.to_list(sample_weight, names, "sample_weight")
            elif (
                isinstance(sample_weight, (list, tuple))
                and len(sample_weight) == 1
                and (sample_weight[0] is None or np.ndim(sample_weight[0]) > 0)
            ):
                sws = [sample_weight[0]]  # one weight array per output, in a list (Keras 2.2)
            else:
                sws = [sample_weight]
            sws = [None if w is None else np.asarray(w, dtype="float32") for w in sws]
            for w, mode in zip(sws, self.compiled_loss.sample_weight_modes, strict=True):
                if w is not None and mode != "temporal" and w.ndim != 1:
                    raise ValueError(
                        "Found a sample_weight array with shape "
                        f"{w.shape}. In order to use timestep-wise sample weighting, you should "
                        'pass a 2D sample_weight array and specify sample_weight_mode="temporal" '
                        "in compile(). If you just mean to use sample-wise weights, make sure "
                        "your sample_weight array is 1D."
                    )
        else:
            sws = None
        if class_weight is not None and ys is not None:
            if (
                isinstance(class_weight, dict)
                and class_weight
                and all(isinstance(v, dict) for v in class_weight.values())
            ):
                per_out = [class_weight.get(n) for n in names]
            else:
                per_out = [class_weight] * len(names)
            cws = [
                None if cw is None else da.class_weights_to_sample_weights(y, cw)
                for cw, y in zip(per_out, ys, strict=True)
            ]
            if sws is None:
                sws = cws
            else:
                sws = [
                    c if w is None else (w if c is None else w * c)
                    for w, c in zip(sws, cws, strict=True)
                ]
        return sws

    def _prepare_data(self, x, y, sample_weight, class_weight):
        """Inputs, targets and sample weights as aligned lists, all checked up front."""
        xs = self._prepare_x(x)
        ys = self._prepare_y(y)
        sws = self._prepare_sample_weights(sample_weight, ys, class_weight)
        da.check_cardinality(xs, ys, sws)
        return xs, self._check_targets(ys), sws

    def _check_targets(self, ys):
        """Check target/output compatibility before any weight changes; returns the targets,
        with a trailing axis added where Keras adds one ((n,) targets for (n, 1) outputs)."""
        if ys is None:
            return None
        if getattr(self, "_is_graph_network", False):
            out_shapes = [t.shape for t in self.outputs]
        else:
            return ys
        return self.compiled_loss.check_targets(ys, out_shapes)

    # ---------------------------------------------------------------------- steps
    def _forward(self, xs, training):
        if getattr(self, "_is_graph_network", False):
            feed = xs if len(xs) > 1 else xs[0]
            return self._run_graph(feed, training=training)
        return self(xs[0] if len(xs) == 1 else xs, training=training)

    def _outputs_list(self, outputs):
        return nest.flatten(outputs) if isinstance(outputs, (list, tuple, dict)) else [outputs]

    def _train_step(self, xs, ys, sws):
        weights = self._trainable_weights_for_training()
        with GradientTape():
            outputs = self._forward(xs, training=True)
            outs = self._outputs_list(outputs)
            total, values = self.compiled_loss(ys, outs, sws)
            reg = self.losses
            if reg:
                for r in reg:
                    total = total + r
        grads = gradients(total, weights)
        # the metrics first: an error in a metric (an unknown name, a shape it rejects) is
        # raised before the optimizer changes any weight (tf.keras traces both before running)
        self.compiled_metrics.update_state(ys, [_raw(o) for o in outs], sws)
        self.optimizer.apply_gradients(
            [(g, w) for g, w in zip(grads, weights, strict=True) if g is not None]
        )
        return float(_raw(total)), [float(_raw(v)) for v in values]

    def _test_step(self, xs, ys, sws):
        outputs = self._forward(xs, training=False)
        outs = self._outputs_list(outputs)
        total, values = self.compiled_loss(ys, outs, sws)
        for r in self.losses:
            total = total + r
        self.compiled_metrics.update_state(ys, [_raw(o) for o in outs], sws)
        return float(_raw(total)), [float(_raw(v)) for v in values]

    def _trainable_weights_for_training(self):
        collected = getattr(self, "_collected_trainable_weights", None)
        current = self.trainable_weights
        if collected is None:
            self._collected_trainable_weights = current
            return current
        if len(collected) != len(current) or any(
            a is not b for a, b in zip(collected, current, strict=True)
        ):
            if not getattr(self, "_warned_trainable", False):
                warnings.warn(
                    "Discrepancy between trainable weights and collected trainable weights, did "
                    "you set `model.trainable` without calling `model.compile` after ?",
                    stacklevel=4,
                )
                self._warned_trainable = True
        return collected

    # ---------------------------------------------------------------------- logs
    def _step_logs(self, tracker):
        logs = LogsDict(loss=tracker.mean("loss"))
        for name in self.compiled_loss.names:
            logs[name] = tracker.mean(name)
        logs.update(self.compiled_metrics.results())
        return logs

    # ------------------------------------------------------------------------- fit
    @_blas_policy
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """Train for ``epochs`` epochs; returns a :class:`History`."""
        if "nb_epoch" in kwargs:
            warnings.warn(
                "The `nb_epoch` argument in `fit` has been renamed `epochs`.", stacklevel=2
            )
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments: {sorted(kwargs)}")
        self._assert_compiled("training")
        verbose = _verbosity(verbose)
        generator = x is not None and da.is_generator_like(x)
        if generator:
            if y is not None:
                raise ValueError(
                    "`y` argument is not supported when using a generator or Sequence as input: "
                    "the generator must yield (x, y) or (x, y, sample_weight)."
                )
            if validation_split:
                raise ValueError(
                    "`validation_split` is only supported for arrays, not generators or "
                    "Sequence objects: pass `validation_data` instead."
                )
            train_data = _Standardized(
                da.GeneratorBatches(
                    x, steps_per_epoch, workers, max_queue_size, shuffle=bool(shuffle)
                ),
                self,
                class_weight=class_weight,
            )
            n_samples = None
        else:
            if x is None:
                raise ValueError("fit() needs training data `x`.")
            batch_size = 32 if batch_size is None else int(batch_size)
            if y is None and any(f is not None for f in self.compiled_loss.fns):
                raise ValueError("fit() needs targets `y` for the compiled loss.")
            split = bool(validation_split) and validation_data is None
            xs, ys, sws = self._prepare_data(x, y, sample_weight, None if split else class_weight)
            if split:
                (xs, ys, sws), validation_data = da.split_validation(xs, ys, sws, validation_split)
                if class_weight is not None:  # the training part only: val_loss is unweighted
                    sws = self._prepare_sample_weights(sws, ys, class_weight)
            train_data = da.ArrayBatches(xs, ys, sws, batch_size, shuffle, rng=config.rng())
            n_samples = train_data.n
            if steps_per_epoch is not None:
                train_data = _RepeatSteps(train_data, int(steps_per_epoch))
        val_data = self._validation_batches(
            validation_data,
            validation_batch_size or batch_size or 32,
            validation_steps,
            workers,
            max_queue_size,
        )
        steps = train_data.steps
        cbs, history = _fit_callbacks(callbacks, verbose, self)
        cbs.set_params(
            {
                "verbose": verbose,
                "epochs": epochs,
                "steps": steps,
                "samples": n_samples,
                "batch_size": batch_size,
                "do_validation": val_data is not None,
                # Keras 2.2's callback metrics: the log keys, then their val_ copies
                "metrics": list(self.metrics_names)
                + (["val_" + n for n in self.metrics_names] if val_data is not None else []),
            }
        )
        self.stop_training = False
        self._in_fit = True
        self.history = history
        cbs.on_train_begin()
        logs = LogsDict()
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                tracker = _LossTracker()
                cbs.on_epoch_begin(epoch)
                for step, (xb, yb, wb) in enumerate(train_data):
                    xb = self._cast_batch(xb)
                    yb = None if yb is None else self._cast_targets(yb)
                    cbs.on_train_batch_begin(step)
                    size = _batch_size(xb)
                    total, values = self._train_step(xb, yb, wb)
                    tracker.add("loss", total, size)
                    for name, v in zip(self.compiled_loss.names, values, strict=False):
                        tracker.add(name, v, size)
                    logs = self._step_logs(tracker)
                    cbs.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                epoch_logs = LogsDict(logs)
                if val_data is not None and _should_validate(epoch, validation_freq):
                    val_logs = self._run_evaluation(val_data, cbs)  # on_test_* hooks too
                    for k, v in val_logs.items():
                        epoch_logs["val_" + k] = v
                cbs.on_epoch_end(epoch, epoch_logs)
                logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            self._in_fit = False
        cbs.on_train_end(logs)
        return history

    def _cast_batch(self, xb):
        if getattr(self, "_is_graph_network", False):
            return [self._cast_one(a, t) for a, t in zip(xb, self.inputs, strict=False)]
        return [
            np.asarray(a, dtype=config.floatx())
            if np.asarray(a).dtype.kind == "f"
            else np.asarray(a)
            for a in nest.flatten(xb)
        ]

    def _cast_targets(self, yb):
        names = self._training_output_names()
        yb = (
            yb
            if isinstance(yb, list) and len(names) > 1
            else (
                da.to_list(yb, names, "target")
                if isinstance(yb, dict)
                else (yb if isinstance(yb, list) and len(yb) == len(names) else [yb])
            )
        )
        return [
            np.asarray(a, dtype=config.floatx())
            if np.asarray(a).dtype.kind in "fb"
            else np.asarray(a)
            for a in yb
        ]

    def _validation_batches(self, validation_data, batch_size, steps, workers, max_queue_size):
        if validation_data is None:
            return None
        if da.is_generator_like(validation_data):
            return _Standardized(
                da.GeneratorBatches(validation_data, steps, workers, max_queue_size), self
            )
        if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
            vx, vy = validation_data[0], validation_data[1]
            vw = validation_data[2] if len(validation_data) == 3 else None
        else:
            raise ValueError(
                "When passing validation_data, it must contain 2 (x_val, y_val) or 3 "
                "(x_val, y_val, val_sample_weights) items; received "
                f"{type(validation_data).__name__} of length {len(validation_data)}"
            )
        if (
            isinstance(vx, list)
            and vx
            and not hasattr(vx[0], "shape")
            and len(self._input_names_for_data()) == 1
        ):
            vx = np.asarray(vx)
        xs = self._prepare_x(vx)
        ys = self._check_targets(self._prepare_y(vy))
        if vw is not None:
            vw = self._prepare_sample_weights(vw, ys, None)
        batches = da.ArrayBatches(xs, ys, vw, batch_size, shuffle=False)
        if steps is not None:  # tf.keras: the first validation_steps batches, every epoch
            batches = _RepeatSteps(batches, int(steps), restart=True)
        return batches

    # ------------------------------------------------------------------- evaluate
    def _run_evaluation(self, batches, cbs):
        self.reset_metrics()
        tracker = _LossTracker()
        cbs.on_test_begin()
        logs = LogsDict()
        for step, (xb, yb, wb) in enumerate(batches):
            xb = self._cast_batch(xb)
            yb = None if yb is None else self._cast_targets(yb)
            cbs.on_test_batch_begin(step)
            size = _batch_size(xb)
            total, values = self._test_step(xb, yb, wb)
            tracker.add("loss", total, size)
            for name, v in zip(self.compiled_loss.names, values, strict=False):
                tracker.add(name, v, size)
            logs = self._step_logs(tracker)
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        return logs

    @_blas_policy
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose=1,
        sample_weight=None,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        return_dict=False,
        **kwargs,
    ):
        """Loss and metrics on the data: a float (loss only), or a list in ``metrics_names`` order."""
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword arguments: {sorted(kwargs)}")
        self._assert_compiled("training/testing")
        verbose = _verbosity(verbose)
        if x is not None and da.is_generator_like(x):
            batches = _Standardized(da.GeneratorBatches(x, steps, workers, max_queue_size), self)
        else:
            batch_size = 32 if batch_size is None else int(batch_size)
            xs, ys, sws = self._prepare_data(x, y, sample_weight, None)
            batches = da.ArrayBatches(xs, ys, sws, batch_size, shuffle=False)
            if steps is not None:
                batches = _RepeatSteps(batches, int(steps))
        cbs = CallbackList(_with_progbar(callbacks, verbose), model=self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": batches.steps})
        logs = self._run_evaluation(batches, cbs)
        if return_dict:
            return dict(logs)
        values = [logs[k] for k in self.metrics_names]
        return values[0] if len(values) == 1 else values

    # -------------------------------------------------------------------- predict
    @_blas_policy
    def predict(
        self,
        x,
        batch_size=None,
        verbose=0,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
    ):
        """Outputs for ``x`` in batches (default 32): an array, or a list for several outputs."""
        verbose = _verbosity(verbose)
        if x is not None and da.is_generator_like(x):
            batches = _Standardized(
                da.GeneratorBatches(x, steps, workers, max_queue_size), self, targets=False
            )
            inputs_iter = ((xb, None) for xb, _, _ in batches)
            n_steps = batches.steps
        else:
            batch_size = 32 if batch_size is None else int(batch_size)
            xs = self._prepare_x(x)
            n = da.check_cardinality(xs, None, None)
            if n <= batch_size and not callbacks and not verbose:
                xs = self._cast_batch(xs)
                return self._predict_batch(xs if len(xs) > 1 else xs[0], prepared=True)
            batches = da.ArrayBatches(xs, None, None, batch_size, shuffle=False)
            n_steps = batches.steps
            inputs_iter = ((xb, None) for xb, _, _ in batches)
        cbs = CallbackList(_with_progbar(callbacks, verbose), model=self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": n_steps})
        cbs.on_predict_begin()
        chunks = []
        for step, (xb, _) in enumerate(inputs_iter):
            cbs.on_predict_batch_begin(step)
            xb = self._cast_batch(xb)
            out = self._predict_batch(xb if len(xb) > 1 else xb[0], prepared=True)
            chunks.append(out)
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not chunks:
            raise ValueError("predict() received no data (0 batches).")
        first = chunks[0]
        if isinstance(first, list):
            return [np.concatenate([c[i] for c in chunks]) for i in range(len(first))]
        if isinstance(first, dict):
            return {k: np.concatenate([c[k] for c in chunks]) for k in first}
        return np.concatenate(chunks)

    # ------------------------------------------------------------------ on-batch API
    @_blas_policy
    def train_on_batch(
        self,
        x,
        y=None,
        sample_weight=None,
        class_weight=None,
        reset_metrics=True,
        return_dict=False,
    ):
        """One gradient update on one batch; returns the loss (and metrics) before the update."""
        self._assert_compiled("training")
        xs, ys, sws = self._prepare_data(x, y, sample_weight, class_weight)
        if reset_metrics:
            self.reset_metrics()
        total, values = self._train_step(self._cast_batch(xs), ys, sws)
        return self._on_batch_result(total, values, return_dict)

    @_blas_policy
    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        self._assert_compiled("training/testing")
        xs, ys, sws = self._prepare_data(x, y, sample_weight, None)
        if reset_metrics:
            self.reset_metrics()
        total, values = self._test_step(self._cast_batch(xs), ys, sws)
        return self._on_batch_result(total, values, return_dict)

    def _on_batch_result(self, total, values, return_dict):
        logs = LogsDict(loss=total)
        for name, v in zip(self.compiled_loss.names, values, strict=False):
            logs[name] = v
        logs.update(self.compiled_metrics.results())
        if return_dict:
            return dict(logs)
        out = [logs[k] for k in self.metrics_names]
        return out[0] if len(out) == 1 else out

    def reset_metrics(self):
        if getattr(self, "compiled", False) and self.compiled_metrics.built:
            self.compiled_metrics.reset_state()

    # ------------------------------------------------------------- Keras 2 generators
    def fit_generator(
        self,
        generator,
        steps_per_epoch=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_data=None,
        validation_steps=None,
        validation_freq=1,
        class_weight=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        shuffle=True,
        initial_epoch=0,
        **kwargs,
    ):
        """Keras 2's ``fit_generator`` (``samples_per_epoch``/``nb_epoch`` from Keras 1 accepted)."""
        if "nb_epoch" in kwargs:
            epochs = kwargs.pop("nb_epoch")
        if "samples_per_epoch" in kwargs:
            samples = kwargs.pop("samples_per_epoch")
            bs = getattr(generator, "batch_size", None)
            steps_per_epoch = samples // bs if bs else samples
        if "nb_val_samples" in kwargs:
            validation_steps = kwargs.pop("nb_val_samples")
        if "nb_worker" in kwargs:
            workers = kwargs.pop("nb_worker")
        if kwargs:
            raise TypeError(f"fit_generator() got unexpected keyword arguments: {sorted(kwargs)}")
        return self.fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
            class_weight=class_weight,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(
        self,
        generator,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        verbose=0,
        **kwargs,
    ):
        if "val_samples" in kwargs:
            steps = kwargs.pop("val_samples")
        return self.evaluate(
            generator,
            steps=steps,
            callbacks=callbacks,
            max_queue_size=max_queue_size,
            workers=workers,
            verbose=verbose,
        )

    def predict_generator(
        self,
        generator,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        verbose=0,
        **kwargs,
    ):
        if "val_samples" in kwargs:
            steps = kwargs.pop("val_samples")
        return self.predict(
            generator,
            steps=steps,
            callbacks=callbacks,
            max_queue_size=max_queue_size,
            workers=workers,
            verbose=verbose,
        )


class _Standardized:
    """Generator batches converted to the lists the steps expect, checked like array data."""

    def __init__(self, batches, model, targets=True, class_weight=None):
        self.batches = batches
        self.model = model
        self.targets = targets
        self.class_weight = class_weight  # fit's class_weight, applied to every batch

    @property
    def steps(self):
        return self.batches.steps

    def __iter__(self):
        model = self.model
        for xb, yb, wb in self.batches:
            xs = model._prepare_x(xb)
            ys = model._check_targets(model._prepare_y(yb)) if self.targets else None
            cw = self.class_weight
            sws = (
                model._prepare_sample_weights(wb, ys, cw)
                if wb is not None or (cw is not None and ys is not None)
                else None
            )
            yield xs, ys, sws


class _LossTracker:
    """Batch-size-weighted running means of the loss values of an epoch, accumulated in
    float32 as tf.keras's ``Mean`` loss tracker does; the means are Python floats of float32
    values (what tf.keras puts in logs and History)."""

    def __init__(self):
        self.totals: dict = {}
        self.counts: dict = {}

    def add(self, name, value, size):
        size = np.float32(size)
        self.totals[name] = np.float32(self.totals.get(name, _F32_ZERO) + np.float32(value) * size)
        self.counts[name] = np.float32(self.counts.get(name, _F32_ZERO) + size)

    def mean(self, name):
        c = self.counts.get(name, _F32_ZERO)
        return float(self.totals[name] / c) if c else 0.0


_F32_ZERO = np.float32(0.0)


class _RepeatSteps:
    """Iterate a fixed number of steps over array batches, cycling through epochs of data
    (``restart``: every iteration starts again from the first batch)."""

    def __init__(self, batches, steps, restart=False):
        self.batches = batches
        self.steps = steps
        self.restart = restart
        self._it = None

    def __iter__(self):
        if self.restart:
            self._it = None
        produced = 0
        while produced < self.steps:
            if self._it is None:
                self._it = iter(self.batches)
            try:
                item = next(self._it)
            except StopIteration:
                self._it = None
                continue
            produced += 1
            yield item


def _with_progbar(callbacks, verbose):
    """The user's callbacks, and a ProgbarLogger when verbose unless they passed one."""
    user = list(callbacks or [])
    if verbose and not any(isinstance(cb, ProgbarLogger) for cb in user):
        user.append(ProgbarLogger())
    return user


def _fit_callbacks(callbacks, verbose, model):
    """The CallbackList of a ``fit``: the user's callbacks, then a History and (verbose) a
    ProgbarLogger unless the user passed their own, which are used instead (tf.keras)."""
    user = list(callbacks or [])
    history = next((cb for cb in user if isinstance(cb, History)), None)
    extra = []
    if history is None:
        history = History()
        extra.append(history)
    if verbose and not any(isinstance(cb, ProgbarLogger) for cb in user):
        extra.append(ProgbarLogger())
    return CallbackList(user + extra, model=model), history


def _batch_size(xb):
    first = xb[0] if isinstance(xb, list) else xb
    return int(np.shape(first)[0]) if np.ndim(first) else 1


def _verbosity(verbose):
    """tf.keras's ``verbose='auto'`` means 1 (a progress bar)."""
    return 1 if verbose == "auto" else verbose


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


__all__ = ["TrainingMixin", "format_shape"]
