"""Screenshots on a real desktop: lossless PNG with the cursor, JPEG/WebP on request,
precise 422s for bad values."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from envs.actions import ImageSpec, MoveTo
from envs.client import DesktopError

pytestmark = pytest.mark.desktop


def test_png_is_lossless_against_the_capture(client):
    # In the desktop's own session: one capture, encoded by the server's encoder, decoded
    # again by Pillow, must give back exactly the captured pixels (cursor included).
    code = """
import io, json, numpy as np
from PIL import Image
from envs.server import screen, png
rgb = screen.capture(cursor=True)
data = png.encode_png(rgb)
back = np.asarray(Image.open(io.BytesIO(data)))
print(json.dumps({"same": bool(np.array_equal(back, rgb)), "shape": list(rgb.shape),
                  "png": data[:8].hex(), "old_same": bool(np.array_equal(
                      np.asarray(Image.open(io.BytesIO(screen.encode(rgb)))), rgb))}))
"""
    out = client.run_python(code)
    assert out.ok, out.error
    result = json.loads(out.output.strip().splitlines()[-1])
    assert result == {"same": True, "shape": [768, 1024, 3], "png": "89504e470d0a1a0a", "old_same": True}


def test_plain_screenshot_stays_png(client):
    data = client.screenshot()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size == (1024, 768)


@pytest.mark.parametrize("fmt, pil_format", [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_lossy_formats_decode_at_the_screen_size(client, fmt, pil_format):
    reply = client._request("GET", "/screenshot", params={"format": fmt, "quality": "55"})
    assert reply.headers["content-type"] == f"image/{fmt}"
    image = Image.open(io.BytesIO(reply.content))
    image.load()
    assert (image.format, image.size) == (pil_format, (1024, 768))
    assert client.screenshot(format=fmt).startswith(reply.content[:3])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"format": "gif"}, "Input should be 'png', 'jpeg' or 'webp'"),
        ({"format": "jpeg", "quality": "0"}, "greater than or equal to 1"),
        ({"format": "jpeg", "quality": "high"}, "quality must be an integer from 1 to 100, not 'high'"),
        ({"format": "webp", "quality": "101"}, "less than or equal to 100"),
        ({"quality": "80"}, "PNG is always lossless"),
    ],
)
def test_bad_format_or_quality_is_a_clear_422(client, params, message):
    with pytest.raises(DesktopError) as err:
        client._request("GET", "/screenshot", params=params)
    assert err.value.status == 422
    assert message in err.value.message and "invalid screenshot request" in err.value.message


def test_act_returns_the_screenshot_it_was_asked_for(client):
    result = client.act([MoveTo(x=500, y=400)], screenshot=ImageSpec(format="jpeg", quality=70))
    assert result.screenshot is not None and result.screenshot.startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(result.screenshot)).size == (1024, 768)
    assert client.act([MoveTo(x=10, y=10)]).screenshot is None
    # The wire format: base64 in the JSON reply; a bad spec is refused before anything runs.
    reply = client._json(
        "POST",
        "/act",
        json={"actions": [{"type": "move", "x": 20, "y": 20}], "screenshot": {"format": "png"}},
    )
    assert base64.b64decode(reply["screenshot"]).startswith(b"\x89PNG")
    with pytest.raises(DesktopError) as err:
        client._json(
            "POST",
            "/act",
            json={
                "actions": [{"type": "move", "x": 30, "y": 30}],
                "screenshot": {"format": "jpeg", "quality": 500},
            },
        )
    assert err.value.status == 422 and "screenshot.quality" in err.value.message
    assert client.cursor_position() == (20, 20)
