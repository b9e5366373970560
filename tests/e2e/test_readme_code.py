"""The C++ in README.md compiles as written: each ```cpp block is a translation unit, checked with the flags the
project builds with, so the first thing a newcomer copies works."""
import os
import re
import subprocess

import pytest

from support import ROOT

BLOCKS = re.findall(r"^```cpp\n(.*?)^```$", open(os.path.join(ROOT, "README.md")).read(), re.M | re.S)


def test_the_readme_has_its_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_a_readme_block_compiles(number, tmp_path):
    source = tmp_path / f"readme_{number}.cpp"
    source.write_text(BLOCKS[number])
    result = subprocess.run(["g++", "-std=c++20", "-fsyntax-only", "-Wall", "-Werror", "-Wno-unused-function",
                             "-I", ROOT, "-isystem", "/usr/share/include/llhttp", "-DBOOST_ASIO_NO_DEPRECATED",
                             str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"README block {number}:\n{BLOCKS[number]}\n{result.stderr}"
