# Shared setup for scripts/demo and scripts/test (sourced, not run). Idempotent and quiet when done.
# On a fresh Debian/Ubuntu machine it installs what is missing: python3 (>= 3.11) with venv via apt
# (as root, or through sudo), then a virtual environment in .venv with the pinned dependencies.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '\033[1m[relance]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1
  fi
}

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ -z "$APT_UPDATED" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

python_ok() {
  command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

ensure_python() {
  if ! python_ok; then
    say "installing python3 and python3-venv with apt"
    apt_install python3 python3-venv python3-pip ||
      { say "could not install Python: install python3 (>= 3.11) with venv, then run this again"; exit 1; }
  fi
  python_ok || { say "relance needs Python >= 3.11 (found $(python3 --version 2>&1))"; exit 1; }
}

ensure_venv() {
  local stamp want
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha256sum | cut -c1-16)"
  stamp="$VENV/.relance-installed"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    say "installing relance and its pinned dependencies (first run: about a minute)"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -c "$ROOT/constraints.txt" -e "$ROOT[dev]"
    echo "$want" > "$stamp"
  fi
}
