#!/bin/sh
# The desktop container's entrypoint: Xvfb + D-Bus/AT-SPI + openbox, then the control
# server (python -m envs.session, the same session LocalDesktop starts), as the user it
# runs as. Settings from the environment:
#   DESKPILOT_TOKEN   required unless DESKPILOT_HOST is loopback: every request carries it
#   DESKPILOT_HOST    0.0.0.0 (reachable through the container's published port)
#   DESKPILOT_PORT    5000
#   DESKPILOT_WIDTH / DESKPILOT_HEIGHT   1920 / 1080
#   DESKPILOT_RUN_DIR /run/deskpilot (logs, ready file)
set -eu

host="${DESKPILOT_HOST:-0.0.0.0}"
case "$host" in
  127.*|localhost|::1) ;;
  *)
    if [ -z "${DESKPILOT_TOKEN:-}" ]; then
      echo "deskpilot-desktop: refusing to serve on $host without a token:" \
           "run the container with -e DESKPILOT_TOKEN=<a long random string>" >&2
      exit 64
    fi ;;
esac

run_dir="${DESKPILOT_RUN_DIR:-/run/deskpilot}"
mkdir -p "$run_dir"
: "${XDG_RUNTIME_DIR:=/tmp/runtime-$(id -un)}"
export XDG_RUNTIME_DIR ACCESSIBILITY_ENABLED=1 GTK_A11Y=atspi SAL_USE_VCLPLUGIN=gtk3
# The token stays in the environment (envs.server reads DESKPILOT_TOKEN): not in `ps`.
exec python -m envs.session \
  --width "${DESKPILOT_WIDTH:-1920}" --height "${DESKPILOT_HEIGHT:-1080}" \
  --run-dir "$run_dir" --host "$host" --port "${DESKPILOT_PORT:-5000}" \
  --root "$HOME" --root /tmp
