#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Prepares this machine for ipc-grader: Debian packages, a Docker engine, the
# grading image, and (with --build) the build. Idempotent: on a ready machine it
# does no apt, engine or image work and finishes in seconds.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/setup.sh [--build] [--with-optional]

  (no option)      packages, Docker engine, grading image
  --build          also configure and build into build/ (IPC_BUILD_DIR overrides)
  --with-optional  also install the 'optional:' packages of scripts/packages.txt
                   (same as IPC_WITH_OPTIONAL=1)

Each step prints `setup: <step>... ok (N s)`; a failed step says why and how to
fix it, and the script exits non-zero. Step logs: build/setup-logs/.
EOF
}

lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib"
# shellcheck source=lib/common.sh
source "$lib/common.sh"
# shellcheck source=lib/packages.sh
source "$lib/packages.sh"
# shellcheck source=lib/engine.sh
source "$lib/engine.sh"
# shellcheck source=lib/image.sh
source "$lib/image.sh"
# shellcheck source=lib/build.sh
source "$lib/build.sh"

build=0
while (($#)); do
  case "$1" in
    --build) build=1 ;;
    --with-optional) export IPC_WITH_OPTIONAL=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

export DEBIAN_FRONTEND=noninteractive
cd "$IPC_ROOT"
ipc_step "packages" ipc_step_packages
ipc_step "docker engine" ipc_step_engine
ipc_step "grading image" ipc_step_image
if ((build)); then
  ipc_step "configure" ipc_step_configure 30
  ipc_step "build" ipc_step_build 60
fi
