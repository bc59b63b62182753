"""The fast PNG encoder is lossless and its bytes are an ordinary PNG; ImageSpec refuses
what it cannot do."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from envs.actions import ActRequest, ImageSpec
from envs.image_format import reencode
from envs.server import png


def busy(height: int, width: int, seed: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x ^ y) & 255], -1)
    return ((base + rng.integers(0, 40, (height, width, 3))) % 256).astype(np.uint8)


def decode(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.load()  # full decode: a bad zlib stream or CRC raises here
    assert image.format == "PNG" and image.mode == "RGB"
    return np.asarray(image)


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 1), (33, 17), (768, 1024)])
def test_png_decodes_to_the_same_pixels(shape):
    rgb = busy(*shape)
    assert np.array_equal(decode(png.encode_png(rgb)), rgb)


def test_striped_stream_is_one_valid_zlib_stream(monkeypatch):
    # 4 stripes whatever this machine's core count: the sync-flushed parts must join into one
    # stream whose Adler-32 covers everything (zlib.decompress checks it).
    monkeypatch.setattr(png, "_STRIPES", 4)
    monkeypatch.setattr(png, "_MIN_STRIPE_BYTES", 1024)
    rgb = busy(300, 400)
    data = png.encode_png(rgb)
    assert np.array_equal(decode(data), rgb)
    idat_len = int.from_bytes(data[33:37], "big")
    assert data[37:41] == b"IDAT"
    raw = zlib.decompress(data[41 : 41 + idat_len])
    assert raw == png.filtered_rows(rgb).tobytes()


def test_strided_views_encode_like_their_copy():
    bgra = np.dstack([busy(50, 60), np.full((50, 60), 255, np.uint8)])
    view = bgra[..., 2::-1]  # channels reversed without a copy, as capture() hands it over
    assert np.array_equal(decode(png.encode_png(view)), np.ascontiguousarray(view))


def test_encode_png_refuses_other_shapes():
    with pytest.raises(ValueError, match="uint8"):
        png.encode_png(np.zeros((4, 4, 4), np.uint8))


@pytest.mark.parametrize("fmt, magic", [("jpeg", b"\xff\xd8\xff"), ("webp", b"RIFF")])
def test_reencode_gives_the_asked_format_at_the_same_size(fmt, magic):
    source = png.encode_png(busy(40, 70))
    data = reencode(source, ImageSpec(format=fmt, quality=60))
    assert data.startswith(magic)
    assert Image.open(io.BytesIO(data)).size == (70, 40)
    assert reencode(source, ImageSpec()) is source


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"format": "gif"}, "'png', 'jpeg' or 'webp'"),
        ({"format": "jpeg", "quality": 0}, "greater than or equal to 1"),
        ({"format": "webp", "quality": 101}, "less than or equal to 100"),
        ({"format": "png", "quality": 80}, "PNG is always lossless"),
    ],
)
def test_image_spec_refuses_bad_values(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        ImageSpec(**kwargs)


def test_act_request_takes_a_screenshot_spec():
    body = ActRequest.model_validate(
        {"actions": [{"type": "wait", "seconds": 0}], "screenshot": {"format": "jpeg", "quality": 70}}
    )
    assert body.screenshot == ImageSpec(format="jpeg", quality=70)
    with pytest.raises(ValidationError):
        ActRequest.model_validate(
            {"actions": [{"type": "wait", "seconds": 0}], "screenshot": {"format": "bmp"}}
        )
