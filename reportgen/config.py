"""Settings read from the environment, in one place, so every entry point agrees on them.

The CLI, the API and the job workers all call `Settings.from_env()`; nothing else reads
`os.environ` for these names. The API key is a `SecretStr` so that printing or logging a
`Settings` never shows it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError

from reportgen.errors import ConfigError

LLMMode = Literal["tools", "json_schema", "json"]


def env_values(names: Mapping[str, str], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of `names` (field -> variable) that are set and not blank, stripped, by field."""
    env = os.environ if env is None else env
    return {field: env[var].strip() for field, var in names.items() if env.get(var, "").strip()}


def env_error(
    e: ValidationError, names: Mapping[str, str], values: Mapping[str, object], hidden: frozenset[str] = frozenset()
) -> ConfigError:
    """Name the variable whose value a settings model refused, never showing the fields in `hidden`."""
    err = e.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else "?"
    shown = "(hidden)" if field in hidden else repr(values.get(field))
    return ConfigError(
        f"environment variable {names.get(field, field)}={shown} is not usable: {err['msg']}. Fix or unset it."
    )


class Price(BaseModel):
    """USD per million tokens."""

    input: float = 0.0
    output: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """USD for one call: the one place a call's cost is computed (ledger rows, `Report.usage`)."""
        return round((input_tokens * self.input + output_tokens * self.output) / 1_000_000, 8)


# Published list prices (USD per 1M tokens) for a few common models. A deployment whose
# prices differ (Azure, a discount, a local server that costs nothing) sets REPORTGEN_PRICES.
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(input=0.15, output=0.60),
    "gpt-4o": Price(input=2.50, output=10.00),
    "gpt-4.1": Price(input=2.00, output=8.00),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1-nano": Price(input=0.10, output=0.40),
    "o4-mini": Price(input=1.10, output=4.40),
}


class Settings(BaseModel):
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    model: str = "gpt-4o-mini"
    llm_mode: LLMMode = "tools"
    max_concurrency: int = Field(4, ge=1, le=256)
    max_reasks: int = Field(2, ge=0, le=10)
    token_budget: int = Field(400_000, ge=1000, description="input+output tokens per report, re-asks included")
    context_tokens: int = Field(24_000, ge=500, description="source tokens sent per call")
    timeout: float = Field(120.0, gt=0, description="seconds per HTTP attempt")
    max_retries: int = Field(4, ge=0, le=20, description="transport retries (429, 5xx, timeouts) per call")
    data_dir: Path = Path(".reportgen")
    prices_path: Path | None = None
    cache_enabled: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the REPORTGEN_* and OPENAI_* variables; a bad value raises ConfigError naming it."""
        names = {
            "openai_api_key": "OPENAI_API_KEY",
            "openai_base_url": "OPENAI_BASE_URL",
            "model": "REPORTGEN_MODEL",
            "llm_mode": "REPORTGEN_LLM_MODE",
            "max_concurrency": "REPORTGEN_MAX_CONCURRENCY",
            "max_reasks": "REPORTGEN_MAX_REASKS",
            "token_budget": "REPORTGEN_TOKEN_BUDGET",
            "context_tokens": "REPORTGEN_CONTEXT_TOKENS",
            "timeout": "REPORTGEN_TIMEOUT",
            "max_retries": "REPORTGEN_MAX_RETRIES",
            "data_dir": "REPORTGEN_DATA_DIR",
            "prices_path": "REPORTGEN_PRICES",
            "cache_enabled": "REPORTGEN_LLM_CACHE",
        }
        values = env_values(names, env)
        if "llm_mode" in values:
            values["llm_mode"] = values["llm_mode"].lower().replace("-", "_")
        try:
            return cls(**values)
        except ValidationError as e:
            raise env_error(e, names, values, hidden=frozenset({"openai_api_key"})) from None

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)

    def prices(self) -> dict[str, Price]:
        """The built-in price table overlaid with REPORTGEN_PRICES (JSON or YAML: {model: {input, output}})."""
        table = dict(DEFAULT_PRICES)
        if self.prices_path is None:
            return table
        try:
            raw = self.prices_path.read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(
                f"REPORTGEN_PRICES={self.prices_path}: cannot read the price table ({e.strerror})."
            ) from None
        try:
            data = json.loads(raw) if self.prices_path.suffix == ".json" else yaml.safe_load(raw)
            if not isinstance(data, dict):
                raise ValueError("the top level must be a mapping of model name to {input, output}")
            table.update({str(k): Price.model_validate(v) for k, v in data.items()})
        except (ValueError, ValidationError, yaml.YAMLError) as e:
            raise ConfigError(
                f"REPORTGEN_PRICES={self.prices_path}: not a price table ({str(e).splitlines()[0]}). "
                'Write e.g. {"gpt-4o-mini": {"input": 0.15, "output": 0.6}} (USD per million tokens).'
            ) from None
        return table

    def price_for(self, model: str) -> tuple[Price, str | None]:
        """The price of `model` and, when it is unknown, a note saying cost is counted as 0."""
        table = self.prices()
        if model in table:
            return table[model], None
        # Dated snapshots ("gpt-4o-mini-2024-07-18") cost what their family costs.
        for name in sorted(table, key=len, reverse=True):
            if model.startswith(name + "-"):
                return table[name], None
        return Price(), f"no price known for model {model!r}: cost counted as 0 (set REPORTGEN_PRICES to fix)"

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float:
        """USD for one call of `model`. Reads REPORTGEN_PRICES each time: a caller pricing many
        calls (the llm engine) looks its `Price` up once with `price_for` and asks it instead."""
        price, _ = self.price_for(model)
        return price.cost(input_tokens, output_tokens)


def llm_configured(env: Mapping[str, str] | None = None) -> bool:
    """Whether an LLM endpoint is configured: picks the default engine (llm if so, else local)."""
    env = os.environ if env is None else env
    return bool(env.get("OPENAI_API_KEY", "").strip() or env.get("OPENAI_BASE_URL", "").strip())
