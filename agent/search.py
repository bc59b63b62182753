"""The search agent: "How to <do X> in <app>" -> numbered steps, for the very next plan.

Providers: a model (ideally one with a web-search tool: when the backend has a
`web_search` method it is used) or an offline folder of how-to documents, ranked
by word overlap, for machines without the internet and for tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from agent.models.base import ChatModel, ChatResult, Message, ModelError
from agent.prompts import render

WORD = re.compile(r"[a-z0-9]+")
STOP = frozenset(
    "a an and are as at be by do does for from how i in is it of on or the to with "
    "what when where which you your my me can".split()
)


@dataclass
class SearchAnswer:
    text: str
    sources: list[str] = field(default_factory=list)
    results: list[ChatResult] = field(default_factory=list)


class SearchProvider(Protocol):
    name: str

    def search(self, query: str) -> SearchAnswer: ...


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOP and len(w) > 1}


class FolderSearch:
    """Offline: the passages of local .md/.txt how-tos that share the most words with the query."""

    name = "folder"

    def __init__(self, folder: Path, top: int = 3) -> None:
        self.top = top
        self.passages: list[tuple[str, str, set[str]]] = []
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in (".md", ".txt") or not path.is_file():
                continue
            for passage in re.split(
                r"\n\s*\n(?=#)|\n(?=#+ )", path.read_text(encoding="utf-8", errors="replace")
            ):
                if passage.strip():
                    self.passages.append((path.name, passage.strip(), words(passage)))

    def search(self, query: str) -> SearchAnswer:
        wanted = words(query)
        scored = sorted(
            ((len(wanted & w), name, text) for name, text, w in self.passages), key=lambda item: -item[0]
        )
        hits = [(name, text) for score, name, text in scored[: self.top] if score > 0]
        if not hits:
            return SearchAnswer(f"No how-to found for {query!r} in the local documents.")
        body = "\n\n".join(f"[{name}]\n{text[:2000]}" for name, text in hits)
        return SearchAnswer(body, sources=[name for name, _ in hits])


class ModelSearch:
    name = "model"

    def __init__(self, model: ChatModel) -> None:
        self.model = model

    def search(self, query: str) -> SearchAnswer:
        prompt = render("search", query=query)
        web = getattr(self.model, "web_search", None)
        if callable(web):
            try:
                result = web(prompt)
                return SearchAnswer(result.text, results=[result])
            except ModelError:
                pass  # no hosted search here (e.g. vLLM): the model answers from what it knows
        result = self.model.complete([Message.text("user", prompt)], max_tokens=1500)
        return SearchAnswer(result.text + "\n(answered without a web search)", results=[result])
