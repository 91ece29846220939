"""TelemetrySettings: the standard OTEL_* environment, with tracing off unless asked for."""

from __future__ import annotations

import pytest

from peers.telemetry import TelemetryError, TelemetrySettings, build_provider


def test_off_by_default() -> None:
    s = TelemetrySettings.from_env({})
    assert not s.enabled and s.exporters == ()
    assert s.service_name == "devops-orchestra"
    assert s.protocol == "http/protobuf" and s.endpoint == "http://localhost:4318/v1/traces"


def test_otlp_over_http_appends_the_signal_path_to_the_base_endpoint() -> None:
    s = TelemetrySettings.from_env(
        {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318/",
            "OTEL_SERVICE_NAME": "orchestra-ci",
        }
    )
    assert s.exporters == ("otlp",) and s.endpoint == "http://jaeger:4318/v1/traces"
    assert s.service_name == "orchestra-ci"


def test_a_traces_endpoint_is_used_as_it_is() -> None:
    s = TelemetrySettings.from_env(
        {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://ignored:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector.example/custom/traces",
        }
    )
    assert s.endpoint == "https://collector.example/custom/traces"


def test_grpc_takes_the_endpoint_without_a_path() -> None:
    s = TelemetrySettings.from_env({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})
    assert s.protocol == "grpc" and s.endpoint == "http://localhost:4317"
    s = TelemetrySettings.from_env(
        {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4317",
        }
    )
    assert s.protocol == "grpc" and s.endpoint == "http://jaeger:4317"


def test_an_endpoint_alone_turns_otlp_on_as_docker_compose_sets_it() -> None:
    assert TelemetrySettings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318"}).exporters == (
        "otlp",
    )


def test_lists_none_and_the_sdk_switch() -> None:
    assert TelemetrySettings.from_env({"OTEL_TRACES_EXPORTER": "console, otlp"}).exporters == (
        "console",
        "otlp",
    )
    assert TelemetrySettings.from_env({"OTEL_TRACES_EXPORTER": "none"}).exporters == ()
    assert (
        TelemetrySettings.from_env({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}).exporters
        == ()
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "zipkin"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "http/json"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "jaeger:4318"}, "jaeger:4318"),
    ],
)
def test_what_cannot_be_used_is_refused_with_the_reason(env: dict[str, str], message: str) -> None:
    with pytest.raises(TelemetryError, match=message):
        TelemetrySettings.from_env(env)


@pytest.mark.parametrize(
    "settings",
    [
        TelemetrySettings(exporters=("otlp",), endpoint="http://127.0.0.1:9/v1/traces"),
        TelemetrySettings(exporters=("otlp",), protocol="grpc", endpoint="http://127.0.0.1:9"),
        TelemetrySettings(exporters=("console",)),
    ],
    ids=["otlp-http", "otlp-grpc", "console"],
)
def test_every_exporter_can_be_built(settings: TelemetrySettings) -> None:
    provider = build_provider(settings, component="test")
    assert provider is not None
    assert provider.resource.attributes["orchestra.component"] == "test"
    provider.shutdown()  # nothing was recorded: nothing is sent


def test_tracing_off_builds_nothing() -> None:
    assert build_provider(TelemetrySettings()) is None
