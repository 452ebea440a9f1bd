#!/usr/bin/env bash
# Refresh the hashed locks from the ranges in pyproject.toml (uv comes with requirements/dev.txt).
#   requirements/runtime.txt  what `pip install .` needs to run the application
#   requirements/dev.txt      the same plus the test and development tools
# Universal locks: one file for every platform and Python >= 3.11, every file's hash included.
# Pins already in the files are kept; `scripts/lock.sh --upgrade` moves everything to the newest allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--generate-hashes --universal --python-version 3.11 --no-header --quiet)
uv pip compile pyproject.toml "${common[@]}" "$@" -o requirements/runtime.txt
uv pip compile pyproject.toml --extra test --extra dev "${common[@]}" "$@" -o requirements/dev.txt
echo "requirements/runtime.txt and requirements/dev.txt refreshed; review 'git diff requirements/' and run the tests"
