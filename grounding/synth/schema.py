"""One row of the synthetic set: OSWorld-G's annotation fields plus ours."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Category = Literal[
    "text_matching", "element_recognition", "layout_understanding", "fine_grained_manipulation", "refusal"
]


class SynthItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # OSWorld-G fields
    id: str
    image_path: str  # relative to the annotations file's folder
    image_size: list[int] = Field(min_length=2, max_length=2)  # [w, h]
    instruction: str = Field(min_length=1)
    box_type: Literal["bbox", "refusal"]
    box_coordinates: list[float] = Field(min_length=4, max_length=4)  # [x, y, w, h]; refusal [0, 0, 0, 0]
    GUI_types: list[str]
    # ours
    category: Category  # the main category
    categories: list[Category] = Field(min_length=1)  # all that apply, main first
    element_kind: str  # "button", "checkbox", ... (refusal: the kind asked for)
    synth_id: str | None  # data-synth-id of the target in html_path
    html_path: str  # the page as rendered
    absent_text: str | None = None  # refusal: the words that are not on the page

    @model_validator(mode="after")
    def _consistent(self) -> SynthItem:
        if self.categories[0] != self.category:
            raise ValueError("categories must start with category")
        if self.box_type == "refusal":
            if self.box_coordinates != [0, 0, 0, 0] or self.category != "refusal" or not self.absent_text:
                raise ValueError("a refusal has box [0, 0, 0, 0], category 'refusal' and absent_text")
        else:
            x, y, w, h = self.box_coordinates
            width, height = self.image_size
            if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width + 0.01 or y + h > height + 0.01:
                raise ValueError(f"box {self.box_coordinates} is empty or outside the image")
            if self.category == "refusal" or not self.synth_id:
                raise ValueError("a bbox item has a target element and is not a refusal")
        return self
