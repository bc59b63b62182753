"""docker/compose.yaml serves the models with exactly the profiles' commands."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.config import AgentConfig
from agent.image_budget import max_planner_images
from grounding.serving.profiles import resolve, serve_args

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())


@pytest.mark.parametrize(
    "service, role, model, port",
    [
        ("grounding", "grounding", "jedi-7b", 8000),
        ("planner", "planner", "qwen2.5-vl-7b", 8001),
    ],
)
def test_vllm_services_use_the_profile_commands(compose, service, role, model, port):
    spec = compose["services"][service]
    images = max_planner_images(AgentConfig.model_validate({})) if role == "planner" else None
    # `agent serve ROLE --model MODEL --host 0.0.0.0 --dry-run`, minus "vllm serve"
    assert spec["command"] == serve_args(resolve(role, model), host="0.0.0.0", port=port, images=images)
    assert spec["entrypoint"] == ["vllm", "serve"]
    image = spec["image"]
    assert image.startswith("vllm/vllm-openai:v") and not image.endswith(":latest")
    assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]  # loopback on the host
    assert spec["environment"]["VLLM_API_KEY"].startswith("${VLLM_API_KEY:?")  # required
    assert f"127.0.0.1:{port}/health" in " ".join(spec["healthcheck"]["test"])


def test_the_desktop_service_builds_the_image_and_demands_a_token(compose):
    desktop = compose["services"]["desktop"]
    dockerfile = (ROOT / "docker" / desktop["build"]["context"] / desktop["build"]["dockerfile"]).resolve()
    assert dockerfile == ROOT / "docker" / "desktop.Dockerfile"
    assert desktop["environment"]["DESKPILOT_TOKEN"].startswith("${DESKPILOT_TOKEN:?")
    assert desktop["ports"] == ["127.0.0.1:5000:5000"]
