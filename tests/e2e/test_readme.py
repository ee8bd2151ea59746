"""README.md's command blocks, run as written (issue 10): every ```sh block, in order, in an empty
directory laid out like the checkout a newcomer runs them from.

The blocks are read from README.md itself (no second copy). The directory holds what the README's
paths name at the checkout's root: ``.venv`` (a link to the virtualenv running this test) and
``examples/`` (a link to the sample files); everything else the commands write there. A block
preceded by ``<!-- readme-test: skip (reason) -->`` is not run: the test says how many and why.
Each block runs under ``bash -e``: every command in it must exit 0. SQLite, the README's default.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
VENV = Path(sys.executable).parent.parent

_BLOCK = re.compile(r"(?:<!-- readme-test: skip \((?P<skip>[^)]*)\) -->\n)?```sh\n(?P<body>.*?)```",
                    re.DOTALL)


@dataclass(frozen=True)
class Block:
    line: int
    body: str
    skip: str | None


def sh_blocks(text: str) -> list[Block]:
    return [Block(text.count("\n", 0, m.start("body")), m["body"], m["skip"])
            for m in _BLOCK.finditer(text)]


def test_the_parser_sees_every_sh_block_and_its_skip_marker() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = sh_blocks(text)
    assert len(blocks) == text.count("```sh\n")
    assert sum(b.skip is not None for b in blocks) == text.count("<!-- readme-test: skip")


def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(VENV, target_is_directory=True)
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    env = {name: value for name, value in os.environ.items() if not name.startswith("SUCRE_")}
    # This checkout's code, whichever checkout the virtualenv was installed from.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      env.get("PYTHONPATH")]))
    env["COLUMNS"] = "100"
    blocks = sh_blocks(README.read_text(encoding="utf-8"))
    ran = 0
    for block in blocks:
        if block.skip is not None:
            continue
        done = subprocess.run(["bash", "-e", "-x", "-c", block.body], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, (
            f"README.md block at line {block.line} failed ({done.returncode}):\n"
            f"{done.stderr[-3000:]}\n{done.stdout[-2000:]}")
        assert "Traceback" not in done.stderr
        ran += 1
    skipped = [b for b in blocks if b.skip is not None]
    print(f"README.md: ran {ran} sh block(s); skipped {len(skipped)}: "
          + "; ".join(f"line {b.line}: {b.skip}" for b in skipped))
    assert ran >= 5


_SKIPPED = [b for b in sh_blocks(README.read_text(encoding="utf-8")) if b.skip is not None]


@pytest.mark.parametrize("block", _SKIPPED, ids=[f"line-{b.line}" for b in _SKIPPED])
def test_blocks_marked_not_to_run(block: Block) -> None:
    """Each block the README test does not run, reported as skipped with the README's reason."""
    pytest.skip(f"README.md block at line {block.line} not run: {block.skip}")
