"""`agent serve grounding|planner`: run a model under vLLM with the profile it needs.

    agent serve grounding --model jedi-7b            # Jedi-7B-1080p on 127.0.0.1:8000
    agent serve planner --model qwen2.5-vl-7b --gpus 2 --port 8001
    agent serve grounding --model jedi-3b --dry-run  # print the command only

Waits until the server is healthy, then prints what to hand to `agent run` (`--grounder
jedi@URL` / `--model vllm:NAME@URL`) and keeps serving until Ctrl-C (or, with --detach,
leaves it running and prints its pid).
"""

from __future__ import annotations

import secrets
import shlex
import signal
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from grounding.serving import launch
from grounding.serving.profiles import (
    DEFAULT_PORTS,
    ProfileError,
    Role,
    ServeProfile,
    base_url,
    endpoint_spec,
    is_loopback,
    resolve,
    vllm_argv,
)

serve_app = typer.Typer(help="Serve the grounding or planner model with vLLM.", no_args_is_help=True)
console = Console(highlight=False)


def _planner_images() -> int:
    from agent.config import load_config
    from agent.image_budget import max_planner_images

    return max_planner_images(load_config())


def _serve(
    role: Role,
    model: str | None,
    gpus: int | None,
    port: int | None,
    host: str,
    api_key: str | None,
    dry_run: bool,
    detach: bool,
    timeout: float,
    log: Path | None,
    max_model_len: int | None,
    kv_cache_dtype: str | None,
    gpu_memory_utilization: float | None,
) -> None:
    try:
        profile: ServeProfile = resolve(role, model)
        images = _planner_images() if role == "planner" else None
        port = port or DEFAULT_PORTS[role]
        argv = vllm_argv(
            profile,
            host=host,
            port=port,
            gpus=gpus,
            images=images,
            max_model_len=max_model_len,
            kv_cache_dtype=kv_cache_dtype,
            gpu_memory_utilization=gpu_memory_utilization,
        )
    except ProfileError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if not is_loopback(host) and not api_key:
        api_key = secrets.token_urlsafe(24)  # safe by default: never an open server beyond loopback
    url = base_url(host, port)
    prefix = f"VLLM_API_KEY={shlex.quote(api_key)} " if api_key else ""
    if dry_run:
        print(prefix + shlex.join(argv))
        return

    log_path = log or Path("runs") / "serve" / f"{role}-{profile.name.replace('/', '_')}.log"
    try:
        server = launch.start(argv, port=port, log_path=log_path, api_key=api_key)
    except launch.ServeError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2 if isinstance(exc, launch.VllmMissing) else 1) from None

    def _stop(*_: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    try:  # from here on, Ctrl-C or SIGTERM stops the server too (unless detached and healthy)
        console.print(f"starting {escape(profile.hf_id)} (pid {server.pid}); log: {log_path}")
        try:
            took = launch.wait_healthy(server, timeout=timeout)
        except launch.ServeError as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(1) from None
        _announce(role, profile, url, api_key, took)
        if detach:
            console.print(f"  left running: stop it with `kill -TERM -{server.pid}`")
            return
        code = server.proc.wait()
        console.print(
            f"[red]the server exited with code {code}[/]; the end of its log:\n"
            f"{escape(launch.log_tail(log_path))}"
        )
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("stopping the server")
        server.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _announce(role: Role, profile: ServeProfile, url: str, api_key: str | None, took: float) -> None:
    flag = "--model" if role == "planner" else "--grounder"
    console.print(f"{role} server healthy after {took:.1f} s: {escape(profile.name)} at {url}")
    if api_key:
        console.print(f"  API key: {api_key}  (clients: export VLLM_API_KEY=...)")
    console.print(f"  agent run {flag} {escape(endpoint_spec(profile, url))}")
    print(f"endpoint: {endpoint_spec(profile, url)}", flush=True)  # plain line for scripts


_MODEL_HELP = "jedi-7b | jedi-3b | uitars-1.5-7b | qwen2.5-vl-7b/32b/72b | any Hugging Face id"


def _command(role: Role):
    def command(
        model: str | None = typer.Option(None, "--model", help=_MODEL_HELP),
        gpus: int | None = typer.Option(None, "--gpus", help="tensor-parallel size"),
        port: int | None = typer.Option(None, "--port", help=f"default {DEFAULT_PORTS[role]}"),
        host: str = typer.Option(
            "127.0.0.1",
            "--host",
            help="any non-loopback address needs an API key (one is made up if not given)",
        ),
        api_key: str | None = typer.Option(None, "--api-key", envvar="VLLM_API_KEY"),
        dry_run: bool = typer.Option(False, "--dry-run", help="print the command and exit"),
        detach: bool = typer.Option(False, "--detach", help="leave the server running once healthy"),
        timeout: float = typer.Option(900.0, "--timeout", help="seconds to wait for /health"),
        log: Path | None = typer.Option(None, "--log", help="default runs/serve/ROLE-NAME.log"),
        max_model_len: int | None = typer.Option(None, "--max-model-len"),
        kv_cache_dtype: str | None = typer.Option(None, "--kv-cache-dtype", help="auto | fp8 | ..."),
        gpu_memory_utilization: float | None = typer.Option(None, "--gpu-memory-utilization"),
    ) -> None:
        _serve(
            role,
            model,
            gpus,
            port,
            host,
            api_key,
            dry_run,
            detach,
            timeout,
            log,
            max_model_len,
            kv_cache_dtype,
            gpu_memory_utilization,
        )

    command.__doc__ = f"Serve the {role} model with vLLM and print the endpoint for `agent run`."
    return command


serve_app.command("grounding")(_command("grounding"))
serve_app.command("planner")(_command("planner"))
