#!/usr/bin/env bash
# Installs everything Overnight needs on a fresh machine, and nothing twice:
#   - Podman with the runc runtime and mmdebstrap (Debian packages), when podman is absent;
#   - a virtual environment in .venv with the project and its test tools.
# Sourced by .ci/demo and .ci/test; safe to run again at any time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $* (install it, or run as root)" >&2; return 1; fi
}

apt_packages=()
command -v podman >/dev/null || apt_packages+=(podman)
command -v runc >/dev/null || apt_packages+=(runc)
command -v mmdebstrap >/dev/null || apt_packages+=(mmdebstrap)
command -v catatonit >/dev/null || [ -x /usr/libexec/podman/catatonit ] || apt_packages+=(catatonit)
command -v newuidmap >/dev/null || apt_packages+=(uidmap)
command -v git >/dev/null || apt_packages+=(git)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  say "installing ${apt_packages[*]} with apt"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment in .venv"
  "$python" -m venv .venv
fi
# Reinstall only when the dependencies changed.
stamp=.venv/.overnight-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
  echo "$want" >"$stamp"
fi
