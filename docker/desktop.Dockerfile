# syntax=docker/dockerfile:1
# The deskpilot desktop: Xvfb, openbox, D-Bus/AT-SPI, Chromium, LibreOffice and the other
# apps of scripts/install-debian-packages (the very script CI and `scripts/bootstrap` run),
# and the control server, all as the non-root `user`.
#
#   docker build -f docker/desktop.Dockerfile -t deskpilot-desktop .
#   docker run -d -p 127.0.0.1:5000:5000 -e DESKPILOT_TOKEN="$(openssl rand -hex 24)" deskpilot-desktop
#
# Inside the container the server listens on 0.0.0.0 and therefore demands the token (the
# entrypoint refuses to start without one); publish the port on 127.0.0.1 unless another
# machine must reach it. envs/providers/docker.py starts these containers for you.
# No Docker engine or registry (this project's machines)? scripts/build-desktop-image
# builds it with podman on a locally made Debian base (docker/README.md, "Building here").
ARG DEBIAN_IMAGE=debian:12.11-slim
FROM ${DEBIAN_IMAGE}

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Desktop packages: the same list as CI's, from the same script.
COPY scripts/install-debian-packages /tmp/install-debian-packages
RUN /tmp/install-debian-packages \
 && apt-get install -y -qq --no-install-recommends python3-venv ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* /tmp/install-debian-packages

# deskpilot in a venv (no extras: a desktop needs neither torch nor vLLM). pyatspi is not
# on PyPI: Debian's gi and pyatspi are linked in, as scripts/bootstrap does.
# The optional secret `pip-cert` is a CA bundle for networks whose egress re-signs TLS
# (scripts/build-desktop-image passes the host's): mounted for this step only, never stored.
COPY pyproject.toml README.md /opt/deskpilot/src/
COPY agent /opt/deskpilot/src/agent
COPY envs /opt/deskpilot/src/envs
COPY grounding /opt/deskpilot/src/grounding
COPY benchmarks /opt/deskpilot/src/benchmarks
RUN --mount=type=secret,id=pip-cert \
    if [ -s /run/secrets/pip-cert ]; then export PIP_CERT=/run/secrets/pip-cert; fi \
 && python3 -m venv /opt/deskpilot/venv \
 && /opt/deskpilot/venv/bin/pip install -q /opt/deskpilot/src \
 && site="$(/opt/deskpilot/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
 && mkdir -p /opt/deskpilot/debian-a11y \
 && ln -sfn /usr/lib/python3/dist-packages/gi /opt/deskpilot/debian-a11y/gi \
 && ln -sfn /usr/lib/python3/dist-packages/pyatspi /opt/deskpilot/debian-a11y/pyatspi \
 && echo /opt/deskpilot/debian-a11y > "$site/debian-a11y.pth" \
 && /opt/deskpilot/venv/bin/python -c 'import gi; gi.require_version("Atspi", "2.0"); from gi.repository import Atspi' \
 && rm -rf /opt/deskpilot/src

COPY docker/desktop-entrypoint.sh /usr/local/bin/deskpilot-desktop
RUN chmod 0755 /usr/local/bin/deskpilot-desktop \
 && useradd --create-home --uid 1000 --shell /bin/bash user \
 && install -d -o user -g user /run/deskpilot

# OSWorld tasks expect `python` with pyautogui: the venv's comes first.
ENV PATH=/opt/deskpilot/venv/bin:$PATH \
    HOME=/home/user \
    DESKPILOT_HOST=0.0.0.0 \
    DESKPILOT_PORT=5000 \
    DESKPILOT_WIDTH=1920 \
    DESKPILOT_HEIGHT=1080

USER user
WORKDIR /home/user
EXPOSE 5000

# /health answers once Xvfb, the window manager and the server are up; the token is in
# the container's environment, never in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:' + os.environ.get('DESKPILOT_PORT', '5000') + '/health', headers={'Authorization': 'Bearer ' + os.environ.get('DESKPILOT_TOKEN', '')}), timeout=4)"

# tini is PID 1: it reaps the orphans apps leave (`sh -c "app &"`, a killed launcher), which
# the server would not, so a `pkill`ed application does not linger as a zombie that
# `pgrep` still finds; and it forwards `docker stop`'s SIGTERM to the session.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/deskpilot-desktop"]
