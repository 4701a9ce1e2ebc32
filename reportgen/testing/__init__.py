"""Test doubles that are real servers, shipped in the package so benchmarks can use them too."""

from reportgen.testing.fake_openai import (
    INVENTED_QUOTE,
    FakeOpenAI,
    FakeOpenAIProcess,
    Fault,
    serve_fake_openai,
    serve_fake_openai_process,
)

__all__ = [
    "INVENTED_QUOTE",
    "FakeOpenAI",
    "FakeOpenAIProcess",
    "Fault",
    "serve_fake_openai",
    "serve_fake_openai_process",
]
