"""Settings read from the environment, in one place, so every entry point agrees on them.

`EnvSettings.from_env()` is the only door to the environment: pydantic-settings reads each
field's variable (the field's `validation_alias`), a blank value counts as unset, and a value
the model refuses becomes a `ConfigError` that names the variable. Building a model directly
(`Settings(model="...")`) reads nothing, so code and tests that pass explicit values do not
depend on the shell they run in. `Settings` (the engines) lives here and `ServiceSettings` (the
database, broker and limits) in `reportgen.store.config`; both are `EnvSettings`.

`default_engine()` is the one rule for which engine a report gets when the caller names none;
the library, the CLI and the API all ask it. The API key is a `SecretStr` so that printing or
logging a `Settings` never shows it.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from reportgen.errors import ConfigError

LLMMode = Literal["tools", "json_schema", "json"]
Engine = Literal["local", "llm"]
ENGINES: tuple[Engine, ...] = ("local", "llm")
# Seconds per HTTP attempt when REPORTGEN_TIMEOUT is not set: a hosted API answers a section in
# seconds; a local CPU server reads 2-4k prompt tokens at 13-30 tokens/s and writes at 4-9, so a
# first ask takes minutes (docs/llm.md has the measurements).
REMOTE_TIMEOUT = 120.0
LOCAL_TIMEOUT = 900.0


def is_local_url(base_url: str | None) -> bool:
    """A server on this machine or the private network (llama.cpp, Ollama, vLLM on a LAN): slower than
    a hosted API, and usually free."""
    if not base_url:
        return False
    host = (urlsplit(base_url).hostname or "").lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".local", ".internal", ".lan")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return bool(host) and "." not in host  # a bare container or host name ("ollama", "vllm")
    return ip.is_loopback or ip.is_private or ip.is_link_local


class _Environment(EnvSettingsSource):
    """The variables of `env` (os.environ when None), stripped; blank ones count as unset, as if absent."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str] | None) -> None:
        super().__init__(settings_cls, case_sensitive=True)
        source = os.environ if env is None else env
        self.env_vars = {name: value.strip() for name, value in source.items() if value and value.strip()}


class EnvSettings(BaseSettings):
    """A settings model whose fields each name their environment variable (`validation_alias`)."""

    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )
    # Fields whose value an error message must not repeat.
    hidden_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The constructor takes only what it is given: the environment comes in through from_env().
        return (init_settings,)

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Field name -> the environment variable that sets it; a field without one is never read from it."""
        return {
            name: info.validation_alias
            for name, info in cls.model_fields.items()
            if isinstance(info.validation_alias, str)
        }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Self:
        """Read the fields' variables from `env` (default os.environ); `overrides` that are not None win.

        A bad value raises ConfigError naming the variable."""
        field_of = {var: name for name, var in cls.env_names().items()}
        values: dict[str, Any] = {field_of[k]: v for k, v in _Environment(cls, env)().items() if k in field_of}
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as e:
            raise cls._env_error(e, values) from None

    @classmethod
    def _env_error(cls, e: ValidationError, values: Mapping[str, object]) -> ConfigError:
        err = e.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        shown = "(hidden)" if field in cls.hidden_fields else repr(err.get("input", values.get(field)))
        return ConfigError(
            f"environment variable {cls.env_names().get(field, field)}={shown} is not usable: {err['msg']}. "
            "Fix or unset it."
        )


class LLMEndpoint(EnvSettings):
    """Where the llm engine sends its calls; configuring either variable makes llm the default engine."""

    hidden_fields: ClassVar[frozenset[str]] = frozenset({"openai_api_key"})

    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)


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


class EndpointProfile(BaseModel):
    """What one endpoint (by base URL) is declared to support, in REPORTGEN_ENDPOINTS; unset fields
    fall back to the other settings, and a context window left unset is asked of the server."""

    model_config = {"extra": "forbid"}

    modes: list[LLMMode] | None = None  # the modes it accepts, in the order to try them
    context_window: int | None = Field(None, ge=512)
    max_output_tokens: int | None = Field(None, ge=16)
    timeout: float | None = Field(None, gt=0)
    max_concurrency: int | None = Field(None, ge=1, le=256)


class Settings(LLMEndpoint):
    """The engines' settings: model, request mode, concurrency, budgets, timeouts, data folder, prices."""

    model: str = Field("gpt-4o-mini", validation_alias="REPORTGEN_MODEL")
    llm_mode: LLMMode = Field("tools", validation_alias="REPORTGEN_LLM_MODE")
    max_concurrency: int = Field(4, ge=1, le=256, validation_alias="REPORTGEN_MAX_CONCURRENCY")
    max_reasks: int = Field(2, ge=0, le=10, validation_alias="REPORTGEN_MAX_REASKS")
    token_budget: int = Field(
        400_000, ge=1000, description="input+output tokens per report, re-asks included",
        validation_alias="REPORTGEN_TOKEN_BUDGET",
    )
    context_tokens: int = Field(
        24_000, ge=500, description="source tokens sent per call", validation_alias="REPORTGEN_CONTEXT_TOKENS"
    )
    context_window: int | None = Field(
        None, ge=512, description="the model's context window (prompt + answer); unset: asked of the server",
        validation_alias="REPORTGEN_CONTEXT_WINDOW",
    )
    max_output_tokens: int | None = Field(
        None, ge=16, description="answer tokens per call (max_tokens); unset: none sent, unless a window is known",
        validation_alias="REPORTGEN_MAX_OUTPUT_TOKENS",
    )
    llm_fallback: bool = Field(
        True, description="on a refusal of the mode, try the next (json_schema -> tools -> json)",
        validation_alias="REPORTGEN_LLM_FALLBACK",
    )
    endpoints_path: Path | None = Field(None, validation_alias="REPORTGEN_ENDPOINTS")
    timeout: float = Field(
        REMOTE_TIMEOUT, gt=0, description=f"seconds per HTTP attempt ({LOCAL_TIMEOUT:g} for a local server if unset)",
        validation_alias="REPORTGEN_TIMEOUT",
    )
    max_retries: int = Field(
        4, ge=0, le=20, description="transport retries (429, 5xx, timeouts) per call",
        validation_alias="REPORTGEN_MAX_RETRIES",
    )
    data_dir: Path = Field(Path(".reportgen"), validation_alias="REPORTGEN_DATA_DIR")
    prices_path: Path | None = Field(None, validation_alias="REPORTGEN_PRICES")
    cache_enabled: bool = Field(True, validation_alias="REPORTGEN_LLM_CACHE")

    @field_validator("llm_mode", mode="before")
    @classmethod
    def _mode_spelling(cls, v: object) -> object:
        """`JSON-Schema` and `json_schema` name the same mode."""
        return v.lower().replace("-", "_") if isinstance(v, str) else v

    @property
    def request_timeout(self) -> float:
        """REPORTGEN_TIMEOUT when set; otherwise longer for a local server, which is slow on CPU."""
        if "timeout" in self.model_fields_set or not is_local_url(self.openai_base_url):
            return self.timeout
        return LOCAL_TIMEOUT

    def mode_chain(self) -> list[LLMMode]:
        """The modes to try in order, each only when the endpoint refuses the one before: the modes this
        base URL is declared to accept (REPORTGEN_ENDPOINTS), else REPORTGEN_LLM_MODE and the ones after
        it in json_schema -> tools -> json. REPORTGEN_LLM_FALLBACK=false keeps to the first."""
        profile = self.endpoint_profile()
        if profile is not None and profile.modes and "llm_mode" not in self.model_fields_set:
            chain = list(dict.fromkeys(profile.modes))
        else:
            order: list[LLMMode] = ["json_schema", "tools", "json"]
            chain = order[order.index(self.llm_mode):]
        return chain if self.llm_fallback else chain[:1]

    def endpoint_profile(self) -> EndpointProfile | None:
        """This base URL's entry of REPORTGEN_ENDPOINTS (JSON or YAML: {base_url: {modes, context_window,
        max_output_tokens, timeout, max_concurrency}}), or None."""
        if self.endpoints_path is None:
            return None
        var = f"REPORTGEN_ENDPOINTS={self.endpoints_path}"
        try:
            raw = self.endpoints_path.read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"{var}: cannot read the endpoint table ({e.strerror}).") from None
        try:
            data = json.loads(raw) if self.endpoints_path.suffix == ".json" else yaml.safe_load(raw)
            if not isinstance(data, dict):
                raise ValueError("the top level must be a mapping of base URL to its settings")
            table = {str(k).rstrip("/"): EndpointProfile.model_validate(v or {}) for k, v in data.items()}
        except (ValueError, ValidationError, yaml.YAMLError) as e:
            raise ConfigError(
                f"{var}: not an endpoint table ({str(e).splitlines()[0]}). Write e.g. "
                '{"http://127.0.0.1:8080/v1": {"modes": ["tools", "json"], "context_window": 8192}}.'
            ) from None
        return table.get((self.openai_base_url or "").rstrip("/"))

    def for_endpoint(self) -> Settings:
        """These settings with the configured base URL's REPORTGEN_ENDPOINTS entry applied (an explicit
        REPORTGEN_* variable still wins over the table)."""
        profile = self.endpoint_profile()
        if profile is None:
            return self
        update: dict[str, Any] = {}
        explicit = self.model_fields_set
        for name in ("context_window", "max_output_tokens", "timeout", "max_concurrency"):
            value = getattr(profile, name)
            if value is not None and name not in explicit:
                update[name] = value
        return self.model_copy(update=update)

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
    """Whether an LLM endpoint is configured (OPENAI_API_KEY or OPENAI_BASE_URL set and not blank)."""
    return LLMEndpoint.from_env(env).llm_configured


def default_engine(env: Mapping[str, str] | None = None) -> Engine:
    """The engine a report uses when the caller names none: llm when an endpoint is configured, else local.

    The library (`pipeline.make_engine`), the CLI and the API all ask here, so a report made
    the same way gets the same engine whichever door it came through."""
    return "llm" if llm_configured(env) else "local"
