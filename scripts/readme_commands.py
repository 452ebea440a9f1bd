"""Print one of the two commands that README.md gives a newcomer, so CI runs exactly those.

    python3 scripts/readme_commands.py run     # installs and serves the demo
    python3 scripts/readme_commands.py test    # installs and runs the tests

The commands are the first two ``sh`` code blocks under the heading "## The two commands", each
one line. Standard library only: CI calls this before anything is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
HEADING = "## The two commands"
BLOCK = re.compile(r"```sh\n(.*?)\n```", re.DOTALL)
NAMES = ("run", "test")


class ReadmeError(ValueError):
    """README.md does not state the two commands in the expected form."""


def readme_commands(text: str) -> dict[str, str]:
    """The ``run`` and ``test`` commands of the README text."""
    start = text.find(HEADING)
    if start < 0:
        raise ReadmeError(f"README.md has no heading {HEADING!r}")
    section = text[start:].split("\n## ", 1)[0]
    blocks = BLOCK.findall(section)
    if len(blocks) < 2:
        raise ReadmeError(f"README.md: {HEADING!r} needs two ```sh blocks, found {len(blocks)}")
    commands = {}
    for name, block in zip(NAMES, blocks[:2], strict=True):
        if "\n" in block.strip():
            raise ReadmeError(f"README.md: the {name} command must be one line")
        commands[name] = block.strip()
    return commands


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in NAMES:
        print(f"usage: readme_commands.py {{{'|'.join(NAMES)}}}", file=sys.stderr)
        return 2
    try:
        print(readme_commands(README.read_text(encoding="utf-8"))[argv[0]])
    except ReadmeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
