"""extract.py finds fenced and indented blocks and tells Python from the rest."""

from __future__ import annotations

import extract
import pytest

DOC = """\
# Title

Some prose.

```python
from keras.models import Sequential
model = Sequential()
```

```
dict_keys(['name', 'layers'])
```

- a list item
    continued, not code: inputs=[a, b]

    also a continuation of the item

Text before an indented block:

    x = 1
    y = x + 1

- notes
    ```
    model.add(Dense(2))
    ```

```bash
pip install kviz
```

```
fit(x=None, y=None, batch_size=None, epochs=1)
```

```
predict_generator(generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiproce
```

```
{"floatx": "float32"}
```

```
Two dogs play together in the snow .
```

```
def unclosed():
    return 1
"""


@pytest.fixture
def seeds_dir(tmp_path):
    (tmp_path / "007_abc.txt").write_text(DOC, encoding="utf-8")
    return tmp_path


def test_blocks_and_kinds(seeds_dir):
    got = [(b.id, b.kind, b.first_line) for b in extract.all_blocks(seeds_dir)]
    assert got == [
        ("007-00", "python", "from keras.models import Sequential"),
        ("007-01", "output", "dict_keys(['name', 'layers'])"),
        ("007-02", "python", "x = 1"),
        ("007-03", "python", "model.add(Dense(2))"),
        ("007-04", "shell", "pip install kviz"),
        ("007-05", "signature", "fit(x=None, y=None, batch_size=None, epochs=1)"),
        (
            "007-06",
            "signature",
            "predict_generator(generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiproce",
        ),
        ("007-07", "data", '{"floatx": "float32"}'),
        ("007-08", "prose", "Two dogs play together in the snow ."),
        ("007-09", "python", "def unclosed():"),
    ]
    assert [b.id for b in extract.snippets(seeds_dir)] == ["007-00", "007-02", "007-03", "007-09"]


def test_block_text_and_position(seeds_dir):
    by_id = {b.id: b for b in extract.all_blocks(seeds_dir)}
    assert by_id["007-00"].line == 6 and by_id["007-00"].info == "python"
    assert by_id["007-00"].seed == "007_abc.txt" and by_id["007-00"].index == 0
    assert by_id["007-02"].code == "x = 1\ny = x + 1\n" and by_id["007-02"].info == "indented"
    assert by_id["007-03"].code == "model.add(Dense(2))\n"  # an indented fence, dedented
    assert by_id["007-09"].code == "def unclosed():\n    return 1\n"  # runs to the end of file


def test_missing_seeds_dir_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="seed documents not found"):
        extract.all_blocks(tmp_path / "nowhere")
