"""kviz.preprocessing.image: file helpers (Pillow), the NumPy affine transform, and
ImageDataGenerator (flow, flow_from_directory, fit, transforms)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from kviz import config
from kviz.engine.sequence import Sequence
from kviz.preprocessing import _affine
from kviz.preprocessing.image import (
    ImageDataGenerator,
    apply_affine_transform,
    array_to_img,
    img_to_array,
    load_img,
    save_img,
)

pytest.importorskip("PIL")


def _rgb(h=6, w=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3)).astype("float32")


# ------------------------------------------------------------------ files <-> arrays


def test_png_round_trip_and_modes(tmp_path):
    x = _rgb()
    save_img(tmp_path / "a.png", x, scale=False)
    img = load_img(tmp_path / "a.png")
    assert img.size == (8, 6) and img.mode == "RGB"
    back = img_to_array(img)
    assert back.dtype == np.float32 and back.shape == (6, 8, 3)
    np.testing.assert_array_equal(back, x)
    grey = img_to_array(load_img(str(tmp_path / "a.png"), color_mode="grayscale"))
    assert grey.shape == (6, 8, 1)
    assert img_to_array(load_img(tmp_path / "a.png", color_mode="rgba")).shape == (6, 8, 4)
    small = load_img(tmp_path / "a.png", target_size=(3, 4), interpolation="bilinear")
    assert small.size == (4, 3)
    crop = load_img(tmp_path / "a.png", target_size=(6, 6), keep_aspect_ratio=True)
    assert crop.size == (6, 6)
    buf = io.BytesIO((tmp_path / "a.png").read_bytes())
    assert load_img(buf).size == (8, 6)
    assert img_to_array(img, data_format="channels_first").shape == (3, 6, 8)
    with pytest.raises(ValueError, match="interpolation"):
        load_img(tmp_path / "a.png", target_size=(3, 3), interpolation="magic")
    with pytest.raises(ValueError, match="color_mode"):
        load_img(tmp_path / "a.png", color_mode="cmyk")


def test_array_to_img_scaling_and_errors():
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(2, 2, 3)
    img = array_to_img(x)
    arr = img_to_array(img)
    assert arr.min() == 0 and arr.max() == 255
    assert array_to_img(np.zeros((2, 2, 1))).mode == "L"
    assert array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    assert array_to_img(np.zeros((4, 2, 2)), data_format="channels_first").mode == "RGBA"
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channel number"):
        array_to_img(np.zeros((2, 2, 2)))


# ------------------------------------------------------------------ affine transform


def test_affine_identity_and_integer_shift():
    img = np.arange(20, dtype="float64").reshape(4, 5)
    eye = np.eye(2)
    np.testing.assert_array_equal(_affine.affine_transform_2d(img, eye, [0, 0]), img)
    shifted = _affine.affine_transform_2d(img, eye, [0, 1], mode="constant", cval=-1)
    np.testing.assert_array_equal(shifted[:, :-1], img[:, 1:])
    assert (shifted[:, -1] == -1).all()
    near = _affine.affine_transform_2d(img, eye, [0, 2], mode="nearest")
    np.testing.assert_array_equal(near[:, -2:], img[:, [4, 4]])
    refl = _affine.affine_transform_2d(img, eye, [0, 2], mode="reflect")
    np.testing.assert_array_equal(refl[:, -2:], img[:, [4, 3]])
    half = _affine.affine_transform_2d(img, eye, [0.5, 0], mode="nearest")
    np.testing.assert_allclose(half[0], (img[0] + img[1]) / 2)
    with pytest.raises(ValueError, match="fill_mode"):
        _affine.affine_transform_2d(img, eye, [0, 0], mode="mirror")
    with pytest.raises(ValueError, match="interpolation_order"):
        _affine.affine_transform_2d(img, eye, [0, 0], order=3)


def test_rotation_by_90_degrees_is_exact():
    x = _rgb(5, 5)
    out = apply_affine_transform(x, theta=90, row_axis=0, col_axis=1, channel_axis=2)
    np.testing.assert_allclose(out, np.rot90(x, k=1, axes=(0, 1)), atol=1e-4)
    np.testing.assert_array_equal(apply_affine_transform(x), x)


def test_affine_matches_scipy_when_available():
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(1)
    img = rng.random((7, 9))
    for _ in range(30):
        t = rng.uniform(-1, 1)
        m = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) * rng.uniform(0.6, 1.5)
        off = rng.uniform(-4, 4, 2)
        for mode in _affine.FILL_MODES:
            for order in (0, 1):
                want = ndimage.affine_transform(img, m, off, order=order, mode=mode, cval=0.3)
                got = _affine.affine_transform_2d(img, m, off, order=order, mode=mode, cval=0.3)
                np.testing.assert_allclose(got, want, atol=1e-12)


# ------------------------------------------------------------------ ImageDataGenerator


def test_flow_is_a_sequence_with_short_last_batch():
    x = np.random.default_rng(0).random((10, 4, 4, 3)).astype("float32")
    y = np.arange(10)
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    assert isinstance(it, Sequence) and len(it) == 3
    bx, by = it[2]
    assert bx.shape == (2, 4, 4, 3) and by.tolist() == [8, 9]
    np.testing.assert_array_equal(it[0][0], x[:4])
    shuffled = ImageDataGenerator().flow(x, y, batch_size=10, seed=3)
    bx, by = shuffled[0]
    assert sorted(by.tolist()) == list(range(10))
    np.testing.assert_array_equal(bx, x[by])
    # endless iteration, as Keras's iterators
    batches = [next(it) for _ in range(4)]
    assert [len(b[1]) for b in batches] == [4, 4, 2, 4]
    assert ImageDataGenerator().flow(x, batch_size=3, shuffle=False)[0].shape == (3, 4, 4, 3)
    w = np.linspace(0, 1, 10)
    assert len(ImageDataGenerator().flow(x, y, sample_weight=w)[0]) == 3


def test_flow_input_checks():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.zeros((3, 4, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="same length"):
        gen.flow(np.zeros((3, 4, 4, 1)), np.zeros(2))
    with pytest.warns(UserWarning, match="channels"):
        gen.flow(np.zeros((3, 4, 4, 5)))
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=(1, 2, 3))


def test_rescale_samplewise_and_preprocessing_function():
    x = np.random.default_rng(0).random((6, 3, 3, 1)).astype("float32") * 255
    out = ImageDataGenerator(rescale=1 / 255.0).flow(x, batch_size=6, shuffle=False)[0]
    np.testing.assert_allclose(out, x / 255.0, rtol=1e-6)
    gen = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    out = gen.flow(x, batch_size=6, shuffle=False)[0]
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-3)
    out = ImageDataGenerator(preprocessing_function=lambda a: a + 1).flow(x, shuffle=False)[0]
    np.testing.assert_allclose(out, x + 1)


def test_featurewise_fit_and_zca():
    x = np.random.default_rng(0).random((20, 4, 4, 3)).astype("float32")
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    with pytest.warns(UserWarning, match="fit"):
        gen.flow(x, batch_size=20, shuffle=False)[0]
    gen.fit(x)
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    out = gen.flow(x, batch_size=20, shuffle=False)[0]
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    with pytest.warns(UserWarning, match="zca_whitening"):
        zca = ImageDataGenerator(zca_whitening=True)
    zca.fit(x)
    assert zca.zca_whitening_matrix.shape == (48, 48)
    assert zca.flow(x, batch_size=4)[0].shape == (4, 4, 4, 3)
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(x[0])


def test_validation_split_subsets():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    y = np.array([0, 1] * 5)
    gen = ImageDataGenerator(validation_split=0.2)
    val = gen.flow(x, y, subset="validation", shuffle=False, batch_size=10)[0]
    train = gen.flow(x, y, subset="training", shuffle=False, batch_size=10)[0]
    assert val[0].ravel().tolist() == [0, 1] and train[0].ravel().tolist() == list(range(2, 10))
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.array([0, 0] + [1] * 8), subset="validation")
    with pytest.raises(ValueError, match="subset"):
        gen.flow(x, y, subset="test")


def test_flips_shifts_and_seeded_augmentation():
    x = _rgb(5, 7)[None]
    flipped = ImageDataGenerator(horizontal_flip=True, vertical_flip=True)
    outs = [flipped.flow(x, batch_size=1, seed=s)[0][0] for s in range(12)]
    candidates = [x[0], x[0][:, ::-1], x[0][::-1], x[0][::-1, ::-1]]
    for o in outs:
        assert any(np.array_equal(o, c) for c in candidates)
    assert len({o.tobytes() for o in outs}) > 1
    gen = ImageDataGenerator(
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=[1, 2],
        shear_range=10,
        zoom_range=0.2,
        channel_shift_range=10,
        fill_mode="constant",
        cval=0,
    )
    a = gen.flow(np.repeat(x, 3, axis=0), batch_size=3, seed=7)[0]
    b = gen.flow(np.repeat(x, 3, axis=0), batch_size=3, seed=7)[0]
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 5, 7, 3) and not np.array_equal(a[0], x[0])
    params = gen.get_random_transform((5, 7, 3), seed=1)
    assert set(params) >= {"theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal"}
    assert params["tx"] in (-2, -1, 1, 2)
    one = gen.random_transform(x[0], seed=1)
    np.testing.assert_array_equal(one, gen.apply_transform(x[0], params))


def test_channels_first_and_brightness():
    config.set_image_data_format("channels_first")
    try:
        x = np.random.default_rng(0).random((4, 3, 5, 5)).astype("float32")
        gen = ImageDataGenerator(rotation_range=30, featurewise_center=True)
        gen.fit(x)
        assert gen.mean.shape == (3, 1, 1)
        assert gen.flow(x, batch_size=2)[0].shape == (2, 3, 5, 5)
    finally:
        config.set_image_data_format("channels_last")
    bright = ImageDataGenerator(brightness_range=(1.5, 1.5)).flow(
        np.full((1, 2, 2, 3), 100.0), batch_size=1
    )[0]
    np.testing.assert_allclose(bright, 150.0)


def test_flow_from_directory(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for cls, n in (("cats", 3), ("dogs", 2)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            save_img(
                tmp_path / cls / f"{i}.png",
                rng.integers(0, 256, (10, 12, 3)).astype("float32"),
                scale=False,
            )
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    gen = ImageDataGenerator(rescale=1 / 255.0)
    it = gen.flow_from_directory(tmp_path, target_size=(8, 6), batch_size=4, shuffle=False)
    assert "Found 5 images belonging to 2 classes." in capsys.readouterr().out
    assert it.class_indices == {"cats": 0, "dogs": 1} and len(it) == 2
    assert it.filenames[0] == "cats/0.png" and it.classes.tolist() == [0, 0, 0, 1, 1]
    bx, by = it[0]
    assert bx.shape == (4, 8, 6, 3) and bx.max() <= 1.0
    np.testing.assert_array_equal(by, [[1, 0], [1, 0], [1, 0], [0, 1]])
    sparse = gen.flow_from_directory(
        tmp_path, target_size=(8, 6), class_mode="sparse", color_mode="grayscale", shuffle=False
    )
    bx, by = sparse[0]
    assert bx.shape == (5, 8, 6, 1) and by.tolist() == [0, 0, 0, 1, 1]
    none = gen.flow_from_directory(tmp_path, target_size=(8, 6), class_mode=None)
    assert none[0].shape == (5, 8, 6, 3)
    split = ImageDataGenerator(validation_split=0.5)
    val = split.flow_from_directory(tmp_path, target_size=(8, 6), subset="validation")
    assert val.samples == 2  # int(0.5 * 3) + int(0.5 * 2)
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(tmp_path, class_mode="bogus")
