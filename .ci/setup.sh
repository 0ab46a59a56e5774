#!/usr/bin/env bash
# Installs everything Overnight needs on a fresh machine, and nothing twice:
#   - Podman with the runc runtime and mmdebstrap (Debian packages), when podman is absent;
#     for the test suite (OVERNIGHT_SETUP_TESTS=1), Chromium, Firefox and npm too;
#   - for a normal user (rootless Podman): subordinate uid and gid ranges in /etc/subuid and
#     /etc/subgid, when the user has none;
#   - a virtual environment in .venv with the project and its test tools.
# Only the first two need root: run as root, or as a user with sudo (used for apt-get and
# usermod, and said so before). After this, nothing Overnight does needs root.
# Run by .ci/demo and .ci/test; safe to run again at any time.
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
command -v tmux >/dev/null || apt_packages+=(tmux)  # the console test in a real terminal
# The test suite's browsers (OVERNIGHT_SETUP_TESTS=1, set by .ci/test): a real browser's CSP
# reports, and the real browser SDK (npm installs and bundles it) in two browsers, sent to the
# endpoint. The demo needs none of them.
if [ "${OVERNIGHT_SETUP_TESTS:-}" = 1 ]; then
  command -v chromium >/dev/null || apt_packages+=(chromium)
  command -v firefox-esr >/dev/null || command -v firefox >/dev/null || apt_packages+=(firefox-esr)
  command -v npm >/dev/null || apt_packages+=(npm)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  say "installing ${apt_packages[*]} with apt"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

# Rootless Podman maps a container's users onto the user's subordinate ids.
if [ "$(id -u)" != 0 ]; then
  user=$(id -un)
  if ! grep -q "^$user:" /etc/subuid 2>/dev/null || ! grep -q "^$user:" /etc/subgid 2>/dev/null; then
    start=$(cat /etc/subuid /etc/subgid 2>/dev/null |
      awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }')
    say "giving $user the subordinate ids $start-$((start + 65535)) for rootless Podman (sudo usermod)"
    as_root usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$user"
    podman system migrate >/dev/null 2>&1 || true # a running Podman picks up the new ranges
  fi
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
