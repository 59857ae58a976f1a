"""Avatar images: validated by content (not by file name), squared and resized, stored as PNG."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
AVATAR_SIZE = 256
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


def avatar_from_upload(upload: UploadedFile) -> ContentFile:
    """A square PNG of at most AVATAR_SIZE px, or ValidationError on field "avatar"."""
    limit = settings.AVATAR_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "avatar": ValidationError(
                    f"The image must be at most {limit // 1024} KB.", code="max_size"
                )
            }
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {
                "avatar": ValidationError(
                    f"The image must be at most {limit // 1024} KB.", code="max_size"
                )
            }
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
        if kind not in ALLOWED_FORMATS:
            raise ValidationError(
                {
                    "avatar": ValidationError(
                        "Use a PNG, JPEG, GIF or WebP image.", code="invalid_type"
                    )
                }
            )
        if width * height > MAX_PIXELS:
            raise ValidationError(
                {"avatar": ValidationError("The image has too many pixels.", code="too_large")}
            )
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGBA")
            side = min(image.size)
            left, top = (image.width - side) // 2, (image.height - side) // 2
            image = image.crop((left, top, left + side, top + side))
            image = image.resize((min(side, AVATAR_SIZE),) * 2, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError(
            {"avatar": ValidationError("The file is not a readable image.", code="invalid_image")}
        ) from None
    return ContentFile(out.getvalue())
