"""The wizard's form for the keyless credential type and role chains, without a browser:
the document an OIDC form makes and the form a stored one gives back, role chain rows and
where their problems go, and the Connectivity rule of the delegate-identity types."""

from __future__ import annotations

from typing import Any

from awsconn.errors import Problem
from awsconn.model import Scope
from awsconn.model.harness_yaml import parse_connector
from awsconn.web.connector_form import MAX_CHAIN_HOPS, WizardForm, errors_by_field

ROLE = "arn:aws:iam::210987654321:role/deploy"
SCOPE = Scope("eng", "web")


class _Form(dict[str, str]):
    """What Starlette's form data offers the wizard: get and getlist."""

    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


def _form(**values: str) -> WizardForm:
    base = {"name": "Keyless", "identifier": "keyless", "region": "us-east-1"}
    return WizardForm.from_form(_Form({**base, **values}))


def _problems(document: Any) -> list[Problem]:
    """The model's validation of the document (what the API's write reports)."""
    return list(parse_connector(document, account="default").problems)


def _credential(form: WizardForm) -> tuple[dict[str, Any], dict[str, Any]]:
    document, problems = form.document(SCOPE)
    assert problems == []
    spec = document["connector"]["spec"]
    return spec, spec["credential"]


def test_an_oidc_form_makes_an_oidc_credential_run_by_awsconn() -> None:
    spec, credential = _credential(
        _form(credential_type="OidcAuthentication", iam_role_arn=f" {ROLE} ", audience="")
    )
    assert credential == {"type": "OidcAuthentication", "region": "us-east-1",
                          "spec": {"iamRoleArn": ROLE}}  # fmt: skip
    assert spec["executeOnDelegate"] is False and spec["delegateSelectors"] == []
    _spec, with_audience = _credential(
        _form(credential_type="OidcAuthentication", iam_role_arn=ROLE, audience="my-aud")
    )
    assert with_audience["spec"] == {"iamRoleArn": ROLE, "audience": "my-aud"}


def test_a_stored_oidc_connector_with_a_chain_gives_its_form_back() -> None:
    form = _form(
        credential_type="OidcAuthentication", iam_role_arn=ROLE, audience="my-aud",
        cross_account="on", role_arn=ROLE.replace("deploy", "first"), external_id="one",
        chain_rows="2", chain_role_arn_0=ROLE.replace("deploy", "second"),
        chain_role_arn_1=ROLE.replace("deploy", "third"), chain_external_id_1="three",
    )  # fmt: skip
    document, _ = form.document(SCOPE)
    again = WizardForm.of_document(document["connector"])
    for name in ("credential_type", "iam_role_arn", "audience", "role_arn", "external_id",
                 "chain_role_arn_0", "chain_external_id_0", "chain_role_arn_1",
                 "chain_external_id_1"):  # fmt: skip
        assert again.get(name) == form.get(name), name
    assert again.chain_rows == 2 and again.connectivity() == "awsconn"
    chain = document["connector"]["spec"]["credential"]["crossAccountAccess"]["chain"]
    second, third = ROLE.replace("deploy", "second"), ROLE.replace("deploy", "third")
    assert chain == [{"roleArn": second}, {"roleArn": third, "externalId": "three"}]


def test_chain_rows_are_added_up_to_the_model_s_limit_and_removed_in_place() -> None:
    form = _form(cross_account="on", role_arn=ROLE)
    for _ in range(MAX_CHAIN_HOPS + 2):
        form.add_chain_row()
    assert form.chain_rows == MAX_CHAIN_HOPS
    form.values.update(chain_role_arn_0="a", chain_role_arn_1="b", chain_role_arn_2="c")
    form.remove_chain_row(1)
    assert form.chain_rows == MAX_CHAIN_HOPS - 1
    assert [form.get(f"chain_role_arn_{i}") for i in range(3)] == ["a", "c", ""]
    assert _form(chain_rows="99").chain_rows == MAX_CHAIN_HOPS
    assert _form(chain_rows="-1").chain_rows == 0


def test_a_bad_hop_and_a_bad_oidc_role_are_shown_at_their_own_fields() -> None:
    form = _form(
        credential_type="OidcAuthentication", iam_role_arn="arn:aws:iam::1:user/x",
        audience="has space", cross_account="on", role_arn=ROLE, chain_rows="2",
        chain_role_arn_0=ROLE, chain_role_arn_1="not-a-role",
    )  # fmt: skip
    document, _ = form.document(SCOPE)
    problems = _problems(document)
    errors, general = errors_by_field(problems, new_secret=False)
    assert general == []
    assert set(errors) == {"iam_role_arn", "audience", "chain_role_arn_1"}
    assert "is not an IAM role ARN" in errors["chain_role_arn_1"][0]
    assert "is not an OIDC audience" in errors["audience"][0]


def test_the_delegate_identity_types_run_only_on_delegates_named_by_tags() -> None:
    for kind in ("Irsa", "InheritFromDelegate"):
        form = _form(credential_type=kind, connectivity="awsconn", delegate_mode="any",
                     delegate_tags="eks, prod")  # fmt: skip
        assert form.delegate_only and form.connectivity() == "delegate"
        assert form.delegate_mode() == "tags"
        spec, _credential_of = _credential(form)
        assert spec["executeOnDelegate"] is True and spec["delegateSelectors"] == ["eks", "prod"]
        untagged = _form(credential_type=kind, delegate_tags="")
        document, _ = untagged.document(SCOPE)
        errors, _general = errors_by_field(_problems(document), new_secret=False)
        assert list(errors) == ["delegate_tags"], errors
    manual = _form(credential_type="ManualConfig", connectivity="delegate", delegate_mode="any")
    assert not manual.delegate_only and manual.delegate_mode() == "any"
