"""SessionFactory: settings come from the given environ, back-off is applied, models shared."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from awsconn.aws.local_endpoint import isolated_environ
from awsconn.aws.retry_backoff import BackoffDelay
from awsconn.aws.sessions import (
    Backoff,
    SessionFactory,
    SessionSpec,
    StaticKeys,
    role_session_name,
)

KEYS = StaticKeys("AKIAEXAMPLE000000000", "very-secret", "very-token")


def spec(**kw) -> SessionSpec:
    base = {"connector": "account/c", "credential_type": "ManualConfig", "region": "us-east-1"}
    base.update(kw)
    base.setdefault("static_keys", KEYS)
    return SessionSpec(**base)


def test_reprs_never_show_secrets():
    text = repr(spec(external_id="ext", role_arn="arn:aws:iam::1:role/r"))
    assert "very-secret" not in text and "very-token" not in text
    assert "AKIAEXAMPLE000000000" in text


@pytest.mark.parametrize(
    "connector", ["account/myconn", "org1/proj1/my conn!", "o/" + "x" * 200, "a"]
)
def test_role_session_name_is_valid(connector):
    name = role_session_name(connector)
    assert 2 <= len(name) <= 64
    assert all(c.isalnum() or c in "_+=,.@-" for c in name)


def test_long_session_names_stay_distinct():
    assert role_session_name("o/" + "x" * 100 + "1") != role_session_name("o/" + "x" * 100 + "2")


def test_endpoint_proxy_and_ca_bundle_come_from_environ(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    env = isolated_environ("http://127.0.0.1:1", tmp_path)
    env.update(
        AWS_ENDPOINT_URL_STS="http://127.0.0.1:2",
        HTTPS_PROXY="http://proxy.local:3128",
        AWS_CA_BUNDLE=str(bundle),
    )
    factory = SessionFactory(env)
    assert factory.client(spec(), "sts").meta.endpoint_url == "http://127.0.0.1:2"
    ec2 = factory.client(spec(), "ec2")
    assert ec2.meta.endpoint_url == "http://127.0.0.1:1"
    assert ec2.meta.config.proxies == {"https": "http://proxy.local:3128"}
    assert ec2._endpoint.http_session._verify == str(bundle)


def test_without_endpoint_variables_regional_aws_endpoints_are_used(tmp_path):
    factory = SessionFactory(isolated_environ(None, tmp_path))
    sts = factory.client(spec(region="us-gov-west-1"), "sts")
    assert sts.meta.endpoint_url == "https://sts.us-gov-west-1.amazonaws.com"


def test_backoff_strategies_delays():
    fixed = BackoffDelay(Backoff("FixedDelayBackoffStrategy", 3, fixed_backoff_ms=250))
    assert fixed.seconds(1) == fixed.seconds(3) == 0.25
    full = BackoffDelay(
        Backoff("FullJitterBackoffStrategy", 3, base_delay_ms=100, max_backoff_ms=300), lambda: 1
    )
    assert [full.seconds(n) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.3, 0.3]
    equal = BackoffDelay(
        Backoff("EqualJitterBackoffStrategy", 3, base_delay_ms=100, max_backoff_ms=1000), lambda: 0
    )
    assert [equal.seconds(n) for n in (1, 2)] == [0.05, 0.1]


def test_backoff_retry_count_is_honoured_against_a_closed_port(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    factory = SessionFactory(isolated_environ(f"http://127.0.0.1:{port}", tmp_path))
    backoff = Backoff("FixedDelayBackoffStrategy", retry_count=2, fixed_backoff_ms=1)
    sts = factory.client(spec(backoff=backoff), "sts")
    attempts: list[int] = []
    sts.meta.events.register("before-send.sts", lambda **kw: attempts.append(1))
    with pytest.raises(Exception):  # noqa: B017 - the class is not the point here
        sts.get_caller_identity()
    assert len(attempts) == 3
    assert sts.meta.config.retries["total_max_attempts"] == 3


def test_models_are_shared_between_sessions(tmp_path):
    factory = SessionFactory(isolated_environ("http://127.0.0.1:1", tmp_path))
    a = factory.session(spec(connector="a/1"))
    b = factory.session(spec(connector="a/2"))
    assert a is not b
    assert a._session.get_component("data_loader") is b._session.get_component("data_loader")
    loader = a._session.get_component("data_loader")
    assert len(loader.search_paths) == len(set(loader.search_paths))


def test_factory_is_thread_safe(tmp_path):
    factory = SessionFactory(isolated_environ("http://127.0.0.1:1", tmp_path))
    specs = [spec(connector=f"a/{i}") for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        clients = list(pool.map(lambda s: factory.client(s, "ec2"), specs))
    assert len({id(c) for c in clients}) == 40


def test_manual_config_without_keys_is_invalid_input():
    from awsconn.errors import InvalidInput

    factory = SessionFactory({})
    with pytest.raises(InvalidInput):
        factory.session(SessionSpec("a/b", "ManualConfig", "us-east-1"))


@pytest.mark.aws
def test_frozen_credentials_and_list_regions(moto_auth, aws_factory, unique_name):
    keys = moto_auth.create_user(unique_name, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:DescribeRegions", "sts:AssumeRole"], "Resource": "*"}
    ]})  # fmt: skip
    manual = spec(static_keys=keys)
    frozen = aws_factory.frozen_credentials(manual)
    assert (frozen.access_key_id, frozen.expiration) == (keys.access_key_id, None)
    key, secret, token, expiration = frozen
    assert (key, expiration) == (keys.access_key_id, None)
    assert secret == keys.secret_access_key and token is None
    assert "us-east-1" in aws_factory.list_regions(manual)
    role = moto_auth.create_role(f"{unique_name}-r", trust_principal=None)
    chained = spec(static_keys=keys, role_arn=role.arn)
    frozen = aws_factory.frozen_credentials(chained)
    assert frozen.session_token and frozen.expiration is not None
    assert frozen.access_key_id != keys.access_key_id


@pytest.mark.parametrize(
    ("no_proxy", "proxied"),
    [
        (None, True),
        ("127.0.0.1", False),
        ("localhost,127.0.0.1:1", False),
        (".amazonaws.com", True),
        ("*", False),
    ],
)
def test_no_proxy_is_honoured_like_the_other_proxy_variables(tmp_path, no_proxy, proxied):
    env = isolated_environ("http://127.0.0.1:1", tmp_path)
    env["HTTP_PROXY"] = "http://proxy.local:3128"
    if no_proxy is not None:
        env["NO_PROXY"] = no_proxy
    ec2 = SessionFactory(env).client(spec(), "ec2")
    proxy = ec2._endpoint.http_session._proxy_config.proxy_url_for(ec2.meta.endpoint_url)
    assert (proxy is not None) is proxied


@pytest.mark.aws
def test_a_connection_test_reaches_a_no_proxy_endpoint_directly(moto_auth, unique_name, tmp_path):
    from awsconn.aws.connectivity import run_connection_test
    from awsconn.aws.local_endpoint import allow_policy

    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    env = isolated_environ(moto_auth.url, tmp_path)
    env.update(HTTP_PROXY="http://127.0.0.1:1", no_proxy="localhost,127.0.0.1")
    result = run_connection_test(spec(static_keys=keys), SessionFactory(env))
    assert result.status == "SUCCESS", result.errors


def test_boto3_sessions_handed_out_carry_the_proxies_of_the_environ() -> None:
    from awsconn.aws.sessions import SessionFactory, SessionSpec, StaticKeys

    factory = SessionFactory({"HTTPS_PROXY": "http://proxy.internal:3128"})
    spec = SessionSpec(
        "account/p", "ManualConfig", "us-east-1", static_keys=StaticKeys("AKIAPROXY0000", "s")
    )
    client = factory.session(spec).client("sts")
    assert client.meta.config.proxies == {"https": "http://proxy.internal:3128"}
