"""Desktops in Docker containers (the image of docker/desktop.Dockerfile).

    provider = DockerProvider(docker.from_env())      # or DockerProvider() to do that itself
    lease = provider.start()                          # URL + a fresh token, healthy
    ... DesktopClient(lease.url, token=lease.token) ...
    provider.stop(lease)

The client is anything with the Docker SDK's `containers.run(...)` / `containers.get(id)`
interface (the `docker` PyPI package is optional: not a dependency of deskpilot). Each
container gets its own random token in its environment, and its port 5000 is published on
127.0.0.1 at a port Docker picks, unless told otherwise. A container that exits before it
is healthy is removed and its logs' tail is in the error.
"""

from __future__ import annotations

import secrets
from typing import Any

from envs.providers.base import DesktopLease, ProviderError, wait_healthy

CONTAINER_PORT = "5000/tcp"
LABEL = "deskpilot.desktop"


def docker_from_env() -> Any:
    """The Docker SDK's client from the environment (DOCKER_HOST...), with a clear error."""
    try:
        import docker  # the SDK (pip install docker); not a dependency of deskpilot
    except ImportError:
        raise ProviderError(_NO_SDK) from None
    if not hasattr(docker, "from_env"):
        # (the repository's own docker/ folder can shadow the SDK when run from its root)
        raise ProviderError(_NO_SDK)
    return docker.from_env()


_NO_SDK = "the Docker SDK is not installed: pip install docker (or pass a client object to DockerProvider)"


class DockerProvider:
    def __init__(
        self,
        client: Any = None,
        image: str = "deskpilot-desktop",
        *,
        width: int = 1920,
        height: int = 1080,
        bind: str = "127.0.0.1",
        url_host: str | None = None,
        start_timeout: float = 120.0,
        shm_size: str = "1g",
        name_prefix: str = "deskpilot-desktop",
        run_options: dict[str, Any] | None = None,
        container_port: str = CONTAINER_PORT,
        extra_ports: dict[str, str] | None = None,
        environment: dict[str, str] | None = None,
        ours: bool = True,
        probe: str = "/health",
    ) -> None:
        self._client = client
        self.image = image
        self.width, self.height = width, height
        self.bind = bind
        # Where clients reach the published port: the bind address, or this machine's
        # loopback for a wildcard bind; a remote engine (DOCKER_HOST=ssh://...) needs its name.
        self.url_host = url_host or ("127.0.0.1" if bind in ("0.0.0.0", "") else bind)
        self.start_timeout = start_timeout
        self.shm_size = shm_size
        self.name_prefix = name_prefix
        self.run_options = dict(run_options or {})
        self.container_port = container_port
        self.extra_ports = dict(extra_ports or {})  # name -> container port ("9222/tcp")
        self.environment = dict(environment or {})
        self.ours = ours  # our desktop image: a token and the screen size go in its env
        self.probe = probe
        self.started: dict[str, DesktopLease] = {}

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = docker_from_env()
        return self._client

    def start(self, name: str | None = None) -> DesktopLease:
        """Run a desktop container and wait until it is healthy."""
        token = secrets.token_urlsafe(24) if self.ours else None
        name = name or f"{self.name_prefix}-{secrets.token_hex(4)}"
        environment = dict(self.environment)
        if self.ours:
            environment.update(
                {
                    "DESKPILOT_TOKEN": str(token),
                    "DESKPILOT_WIDTH": str(self.width),
                    "DESKPILOT_HEIGHT": str(self.height),
                }
            )
        ports = {port: (self.bind, None) for port in [self.container_port, *self.extra_ports.values()]}
        options = {
            "detach": True,
            "name": name,
            "shm_size": self.shm_size,
            "environment": environment,
            "ports": ports,  # None: a free port Docker picks
            "labels": {LABEL: "1"},
            **self.run_options,
        }
        try:
            container = self.client.containers.run(self.image, **options)
        except Exception as exc:  # the SDK's ImageNotFound, APIError...: say which
            raise ProviderError(
                f"cannot start a container of {self.image}: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            url = f"http://{self.url_host}:{self._host_port(container)}"
            extra = {
                key: f"http://{self.url_host}:{self._host_port(container, port)}"
                for key, port in self.extra_ports.items()
            }
            lease = DesktopLease(
                url, token, name=name, provider="docker", handle=container.id, extra=extra, can_reset=True
            )
            wait_healthy(
                url,
                token,
                timeout=self.start_timeout,
                dead=lambda: self._exited(container.id),
                path=self.probe,
            )
        except BaseException:
            self._remove(container.id)
            raise
        self.started[container.id] = lease
        return lease

    def reset(self, lease: DesktopLease) -> DesktopLease:
        """A fresh container of the same name (upstream's reset for its Docker image: a full
        boot); the returned lease has the new URL and token."""
        self.stop(lease)
        return self.start(name=lease.name)

    def stop(self, lease: DesktopLease | str) -> None:
        """Stop and remove a container (by lease or id); one already gone is fine."""
        container_id = lease.handle if isinstance(lease, DesktopLease) else lease
        self.started.pop(container_id, None)
        self._remove(container_id)

    def close(self) -> None:
        for container_id in list(self.started):
            self.stop(container_id)

    # the Provider interface of a pool
    acquire = start
    release = stop

    def __enter__(self) -> DockerProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------------------

    def _host_port(self, container: Any, port: str | None = None) -> str:
        port = port or self.container_port
        container.reload()  # the published port is known once the container runs
        bindings = (container.ports or {}).get(port) or []
        if not bindings or not bindings[0].get("HostPort"):
            raise ProviderError(
                f"container {container.name} has no published port for {port} "
                f"({self._exited(container.id) or 'still starting'})"
            )
        return str(bindings[0]["HostPort"])

    def _exited(self, container_id: str) -> str | None:
        try:
            container = self.client.containers.get(container_id)
        except Exception as exc:
            return f"container {container_id[:12]} is gone ({type(exc).__name__})"
        if container.status in ("exited", "dead"):
            logs = container.logs(tail=30)
            text = logs.decode(errors="replace") if isinstance(logs, bytes) else str(logs)
            return f"container {container.name} {container.status} before it was healthy; its last log lines:\n{text.rstrip()}"
        return None

    def _remove(self, container_id: str) -> None:
        try:
            container = self.client.containers.get(container_id)
        except Exception:  # NotFound: already gone
            return
        try:
            container.stop(timeout=10)
        except Exception:  # an exited container may refuse to stop: removing is what matters
            pass
        try:
            container.remove(force=True)
        except Exception:
            pass
