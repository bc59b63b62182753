"""vLLM serving profiles: the commands, and that they match what the clients send."""

from __future__ import annotations

import json

import pytest

from agent.models.factory import parse_spec
from grounding.factory import make_grounder
from grounding.jedi import JediGrounder
from grounding.resize import MAX_PIXELS, MIN_PIXELS, model_size_for
from grounding.serving import profiles as p
from grounding.uitars import UITarsGrounder


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_jedi_7b_command():
    argv = p.vllm_argv(p.resolve("grounding", "jedi-7b"))
    assert argv == [
        "vllm",
        "serve",
        "xlangai/Jedi-7B-1080p",
        "--served-model-name",
        "jedi-7b",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--max-model-len",
        "8192",
        "--limit-mm-per-prompt",
        '{"image":1}',
        "--mm-processor-kwargs",
        '{"min_pixels":3136,"max_pixels":2116800}',
        "--enable-prefix-caching",
        "--kv-cache-dtype",
        "auto",
        "--tensor-parallel-size",
        "1",
    ]


@pytest.mark.parametrize(
    "alias, hf_id, grounder_cls",
    [
        ("jedi-7b", "xlangai/Jedi-7B-1080p", JediGrounder),
        ("jedi-3b", "xlangai/Jedi-3B-1080p", JediGrounder),
        ("uitars-1.5-7b", "ByteDance-Seed/UI-TARS-1.5-7B", UITarsGrounder),
    ],
)
def test_grounder_pixel_bounds_match_the_client_resize(alias, hf_id, grounder_cls):
    profile = p.resolve("grounding", alias)
    assert profile.hf_id == hf_id
    kwargs = json.loads(option(p.vllm_argv(profile), "--mm-processor-kwargs"))
    # The server's bounds are the client's: the image the client sends is never resized again.
    assert kwargs == {
        "min_pixels": grounder_cls.default_min_pixels,
        "max_pixels": grounder_cls.default_max_pixels,
    }
    # A 1080p screenshot at its smart_resize size fits the context with room for the prompt.
    w, h = model_size_for((1920, 1080), 28, kwargs["min_pixels"], kwargs["max_pixels"])
    assert (w, h) == (1932, 1092)
    assert profile.max_model_len >= (w // 28) * (h // 28) + 2000
    assert profile.max_model_len * 784 >= kwargs["max_pixels"]  # the largest image fits too


def test_endpoint_specs_are_what_the_clients_parse():
    url = "http://127.0.0.1:8000/v1"
    jedi = make_grounder(p.endpoint_spec(p.resolve("grounding", "jedi-7b"), url))
    assert p.endpoint_spec(p.resolve("grounding", "jedi"), url) == f"jedi@{url}"
    assert isinstance(jedi, JediGrounder) and jedi.model == "jedi-7b"
    assert jedi.client.base_url == url
    small = make_grounder(p.endpoint_spec(p.resolve("grounding", "jedi-3b"), url))
    assert small.model == "jedi-3b"  # the --served-model-name
    tars = make_grounder(p.endpoint_spec(p.resolve("grounding", "ui-tars-1.5-7b"), url))
    assert isinstance(tars, UITarsGrounder) and tars.model == "ui-tars-1.5-7b"
    planner = p.resolve("planner", "Qwen/Qwen2.5-VL-7B-Instruct")  # by HF id
    assert parse_spec(p.endpoint_spec(planner, url)) == ("vllm", "qwen2.5-vl-7b", url)
    other = p.resolve("grounding", "osunlp/UGround-V1-7B")
    spec = p.endpoint_spec(other, url)
    assert spec == f"point:osunlp/UGround-V1-7B@{url}" and make_grounder(spec).model == "osunlp/UGround-V1-7B"


def test_planner_profile_options():
    profile = p.resolve("planner")
    assert profile.name == "qwen2.5-vl-7b" and profile.kv_cache_dtype == "fp8"
    argv = p.vllm_argv(profile, images=13, gpus=2, port=9001, gpu_memory_utilization=0.45)
    assert json.loads(option(argv, "--limit-mm-per-prompt")) == {"image": 13}
    assert option(argv, "--tensor-parallel-size") == "2" and option(argv, "--port") == "9001"
    assert option(argv, "--gpu-memory-utilization") == "0.45"
    assert json.loads(option(argv, "--mm-processor-kwargs")) == {
        "min_pixels": MIN_PIXELS,
        "max_pixels": MAX_PIXELS,
    }
    assert option(p.vllm_argv(p.resolve("planner", "qwen2.5-vl-72b")), "--tensor-parallel-size") == "4"
    assert option(p.vllm_argv(profile, kv_cache_dtype="auto"), "--kv-cache-dtype") == "auto"
    assert "--api-key" not in argv  # a key travels in the environment, never in argv


def test_bad_requests_get_clear_errors():
    with pytest.raises(p.ProfileError, match="grounding model"):
        p.resolve("planner", "jedi-7b")
    with pytest.raises(p.ProfileError, match="unknown model 'gpt5'"):
        p.resolve("grounding", "gpt5")
    with pytest.raises(p.ProfileError, match="at least 1"):
        p.vllm_argv(p.resolve("grounding"), gpus=0)
    with pytest.raises(p.ProfileError, match=r"\(0, 1\]"):
        p.vllm_argv(p.resolve("grounding"), gpu_memory_utilization=1.5)


def test_hosts_and_urls():
    assert p.is_loopback("127.0.0.1") and p.is_loopback("localhost") and p.is_loopback("::1")
    assert not p.is_loopback("0.0.0.0") and not p.is_loopback("10.0.0.2") and not p.is_loopback("example.org")
    assert p.base_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/v1"
    assert p.base_url("::1", 8001) == "http://[::1]:8001/v1"
    assert p.base_url("10.1.2.3", 8000) == "http://10.1.2.3:8000/v1"


def test_grounders_send_the_servers_key(monkeypatch):
    url = "http://10.0.0.7:8000/v1"
    assert make_grounder(f"jedi@{url}").client._client.api_key == "EMPTY"
    monkeypatch.setenv("VLLM_API_KEY", "k" * 32)  # what `agent serve --host 0.0.0.0` printed
    for spec in (f"jedi@{url}", f"uitars:ui-tars-1.5-7b@{url}", f"point@{url}"):
        assert make_grounder(spec).client._client.api_key == "k" * 32
