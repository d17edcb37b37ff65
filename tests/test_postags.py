import random
from pathlib import Path

from rag.postags import LazyTagTable, parse_dictionary
from rag.textutil import _jieba, _posseg_module, posseg

from .conftest import SEEDS


def test_lazy_table_has_jiebas_tags():
    tokenizer = _jieba().dt
    module = _posseg_module()
    assert isinstance(module.dt.word_tag_tab, LazyTagTable)
    real = parse_dictionary(Path(tokenizer.get_dict_file().name))
    sample = random.Random(0).sample(sorted(real), 2000)
    assert all(module.dt.word_tag_tab.get(w) == real[w] for w in sample)
    assert module.dt.word_tag_tab.get("不是一个词qq", "x") == "x"


def test_tagging_equals_jiebas_own_tagger():
    module = _posseg_module()
    reference = module.POSTokenizer(_jieba().dt)  # reads dict.txt the usual way
    assert not isinstance(reference.word_tag_tab, LazyTagTable)
    text = (SEEDS / "004_f5e262fce6dd2653.txt").read_text(encoding="utf-8")[:3000]
    for line in filter(None, text.splitlines()):
        assert posseg(line) == [(p.word, p.flag) for p in reference.cut(line)]


def test_first_use_from_many_threads_at_once():
    """A fresh process whose first tagging happens in 8 threads at once (as in the web UI's first requests)."""
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from rag.textutil import posseg\n"
        "errors = []\n"
        "def f():\n"
        "    try:\n"
        "        assert posseg('碑林区承担蓝田县11个行政村')[0] == ('碑林区', 'n')\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=f) for _ in range(8)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(errors)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
