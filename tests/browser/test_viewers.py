"""ActivationViewer and FilterViewer in a real JupyterLab (Debian Chromium through Playwright).

A notebook builds a tiny conv model and shows both viewers. The test checks that they render,
that choosing another layer in the dropdown and moving the sample slider change the activation
picture, that moving the filter slider redraws the kernels, that pressing "maximize" produces
an image, and that switching to Grad-CAM redraws the overlay. Screenshots go to tmp_path.
"""

from __future__ import annotations

from conftest import open_notebook, run_all

CELLS = [
    """\
import numpy as np
from kviz import layers, models
from kviz.widgets import ActivationViewer, FilterViewer

model = models.Sequential([
    layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 3), name="conv"),
    layers.Conv2D(3, 3, activation="relu", name="conv2"),
    layers.GlobalAveragePooling2D(name="gap"),
    layers.Dense(2, activation="softmax", name="probs"),
])
x = np.random.default_rng(0).random((4, 8, 8, 3)).astype("float32")
av = ActivationViewer(model, x)
av""",
    """\
fv = FilterViewer(model, x=x)
fv.steps.value = 5
fv""",
]


def test_viewers_in_jupyterlab(lab, browser, tmp_path):
    from playwright.sync_api import expect

    page = open_notebook(lab, browser, "viewers.ipynb", CELLS)
    try:
        run_all(page)
        av = page.locator(".kviz-activation-viewer").first
        picture = av.locator("img.kviz-activation-image")
        expect(picture).to_be_visible(timeout=120_000)
        expect(av.locator("img.kviz-activation-input")).to_be_visible()
        expect(av).to_contain_text("4 feature maps of 6x6")
        av.screenshot(path=str(tmp_path / "1-activations.png"))

        # another layer in the dropdown: a new picture and description
        src = picture.get_attribute("src")
        av.locator(".kviz-activation-layer select").select_option("probs")
        expect(av).to_contain_text("2 units", timeout=30_000)
        expect(picture).not_to_have_attribute("src", src, timeout=30_000)
        av.screenshot(path=str(tmp_path / "2-layer-probs.png"))

        # back to the conv layer, then the next sample
        av.locator(".kviz-activation-layer select").select_option("conv")
        expect(av).to_contain_text("4 feature maps of 6x6", timeout=30_000)
        src = picture.get_attribute("src")
        av.locator(".kviz-activation-sample .noUi-handle").click()
        page.keyboard.press("ArrowRight")
        expect(av).to_contain_text("sample 1 of 4", timeout=30_000)
        expect(picture).not_to_have_attribute("src", src, timeout=30_000)
        av.screenshot(path=str(tmp_path / "3-sample-1.png"))

        fv = page.locator(".kviz-filter-viewer").first
        kernels = fv.locator("img.kviz-filter-kernels")
        expect(kernels).to_be_visible(timeout=60_000)
        expect(fv).to_contain_text("4 filters of 3x3, RGB")
        src = kernels.get_attribute("src")
        fv.locator(".kviz-filter-index .noUi-handle").click()
        page.keyboard.press("ArrowRight")
        expect(fv).to_contain_text("filter 1 framed", timeout=30_000)
        expect(kernels).not_to_have_attribute("src", src, timeout=30_000)

        maximized = fv.locator("img.kviz-filter-maximized")
        expect(maximized).to_be_hidden()
        fv.locator("button.kviz-filter-maximize").click()
        expect(maximized).to_be_visible(timeout=60_000)
        expect(fv).to_contain_text("filter 1 of conv after 5 steps", timeout=30_000)
        fv.screenshot(path=str(tmp_path / "4-maximized.png"))

        attribution = fv.locator("img.kviz-filter-attribution")
        expect(attribution).to_be_visible()
        src = attribution.get_attribute("src")
        fv.locator(".widget-toggle-button", has_text="Grad-CAM").click()
        expect(fv).to_contain_text("Grad-CAM on layer conv2", timeout=30_000)
        expect(attribution).not_to_have_attribute("src", src, timeout=30_000)
        fv.screenshot(path=str(tmp_path / "5-grad-cam.png"))
        assert not page.kviz_errors, page.kviz_errors
    finally:
        page.close()
