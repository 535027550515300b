#!/usr/bin/env bash
# docker/stage.sh [BUILD_DIR]
#
# Fills docker/image/ with what the grader image needs from a finished host
# build, so `docker-compose build` (docker/Dockerfile) only copies files and
# needs no network, no apt and no second compile:
#   bin/  grader, probe, ref-cat, ref-listener and seccomp.json (the grader
#         finds the last four beside itself), and a docker CLI (the grader
#         shells out to it);
#   lib/  every shared library those programs load, except glibc's, found
#         with ldd on this host;
#   certs/ca-certificates.crt  for HTTPS remotes (libgit2 + mbedTLS reads
#         /etc/ssl/certs/ca-certificates.crt, which the base image lacks).
# The host must be Debian 12 like the base image (same glibc); glibc itself
# is not copied, so the image's own loader and libc are used.
#
# BUILD_DIR defaults to $IPC_BUILD_DIR or build/. IPC_DOCKER_CLI names the
# docker client to copy (default: the one on PATH).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${1:-${IPC_BUILD_DIR:-$root/build}}"
stage="$here/image"

die() {
  echo "docker/stage.sh: $*" >&2
  exit 1
}

for tool in grader probe ref-cat ref-listener seccomp.json; do
  [[ -x "$build/bin/$tool" || ( "$tool" == *.json && -s "$build/bin/$tool" ) ]] ||
    die "$build/bin/$tool is missing. Fix: build first (scripts/setup.sh --build), or pass the build folder: docker/stage.sh BUILD_DIR"
done
cli="${IPC_DOCKER_CLI:-$(command -v docker || true)}"
[[ -n "$cli" && -x "$cli" ]] ||
  die "no docker CLI to copy into the image (none on PATH). Fix: apt-get install docker.io, or set IPC_DOCKER_CLI=/path/to/docker"
ca=/etc/ssl/certs/ca-certificates.crt
[[ -s "$ca" ]] || die "$ca is missing. Fix: apt-get install ca-certificates"

# Built in a sibling folder and swapped in at the end: an interrupted run
# never leaves a half-filled image/ that a later build would copy.
tmp="$(mktemp -d "$here/.image.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/lib" "$tmp/certs"
cp -- "$build/bin/grader" "$build/bin/probe" "$build/bin/ref-cat" "$build/bin/ref-listener" \
  "$build/bin/seccomp.json" "$tmp/bin/"
cp -- "$cli" "$tmp/bin/docker"
# Debug info is most of a RelWithDebInfo grader (~65 MB); the image does not
# need it. probe and ref-* are left byte-identical: they are baked into the
# grading image by content hash, so the grader in compose and on the host
# share one run image (and report the same image provenance).
if command -v strip >/dev/null; then strip --strip-debug -- "$tmp/bin/grader"; fi
cp -- "$ca" "$tmp/certs/ca-certificates.crt"

# glibc's libraries come from the image: mixing a host libc.so with the
# image's ld.so breaks at load time, and both are bookworm's glibc anyway.
is_glibc() {
  case "$1" in
    libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | libresolv.so.* | \
      libutil.so.* | libanl.so.* | libnss_*.so.* | ld-linux*.so.* | linux-vdso.so.*) return 0 ;;
  esac
  return 1
}
# ldd prints "name => /path (addr)"; statically linked programs (probe,
# ref-*) print "not a dynamic executable" and exit 1, which is fine.
for exe in "$tmp/bin/grader" "$tmp/bin/docker"; do
  { ldd "$exe" 2>/dev/null || true; } | while read -r name arrow path _; do
    [[ "$arrow" == "=>" && -n "$path" && "$path" == /* ]] || continue
    is_glibc "$name" && continue
    # -L: copy the library itself, not its symlink, under the soname.
    cp -L -- "$path" "$tmp/lib/$name"
  done
  if ldd "$exe" 2>/dev/null | grep -q 'not found'; then
    die "$exe needs a library this host does not have: $(ldd "$exe" | grep 'not found' | tr '\n' ' ')"
  fi
done

rm -rf -- "$stage"
mv -- "$tmp" "$stage"
trap - EXIT
chmod 0755 "$stage"
echo "docker/stage.sh: staged $(ls "$stage/bin" | wc -l) files in bin/ and $(ls "$stage/lib" | wc -l) libraries from $build into $stage"
