#!/usr/bin/env bash
# Installs npaudit for the composite action: a PyPI version when NPAUDIT_VERSION is set,
# otherwise the action's own checkout (GITHUB_ACTION_PATH).
set -euo pipefail
if [ -n "${NPAUDIT_VERSION:-}" ]; then
  python -m pip install --disable-pip-version-check -q "npaudit==${NPAUDIT_VERSION}"
else
  python -m pip install --disable-pip-version-check -q "${GITHUB_ACTION_PATH:?}"
fi
npaudit --version
