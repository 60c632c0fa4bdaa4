#!/usr/bin/env bash
# Creates the git-ignored virtualenv bench/.venv-pypsa with the pinned PyPSA stack.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../.venv-pypsa"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
"$venv/bin/python" -c "import pypsa, highspy; print('pypsa', pypsa.__version__)"
