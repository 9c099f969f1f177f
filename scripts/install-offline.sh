#!/bin/sh
# Install Pinggu from this wheelhouse, without any network: sh install.sh [/opt/pinggu/venv]
# (make wheelhouse copies this script into wheelhouse/ as install.sh; docs/deployment.md, docs/部署.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-/opt/pinggu/venv}
python=${PYTHON:-python3}

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "Pinggu needs Python 3.11 or later; $python is $("$python" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
    exit 1
}
# The wheelhouse is the only source: no index, and no pip configuration or PIP_* variable of this machine
# (an intranet mirror, a constraints file) may add or change anything.
for name in $(env | sed -n 's/^\(PIP_[A-Z0-9_]*\)=.*/\1/p'); do unset "$name"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --no-index --find-links "$here" --upgrade pinggu
echo "Pinggu $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("pinggu"))') is installed in $venv"
