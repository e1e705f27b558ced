"""Classification precedence: external account > audit role > tag > name pattern > account
(params env > account list > third party / outside the organisation > OU incl. ancestors >
account tags > account name) > unknown."""
from __future__ import annotations

import pytest

from synthaudit.classify import Classifier, Verdict, placements_from_organizations, tags_to_dict
from synthaudit.config import parse_params

PROD, SYNTH, SHARED, OTHER, OU_ONLY = "210987654321", "310000000003", "410000000004", "999999999999", "555555555555"
PARTNER, STRANGER = "123412341234", "888888888888"  # a named third party; an account no one listed


def make(**overrides) -> Classifier:
    data = {
        "label": "t", "estate": "aws",
        "accounts": [{"id": PROD, "name": "production-phi"}, {"id": SYNTH, "name": "synthetic-data"},
                     {"id": SHARED, "name": "logging", "environment": "shared"},
                     {"id": OU_ONLY, "name": "team-x"}],
        "classification": {
            "production": {"accounts": [PROD], "ous": ["Production"], "tags": {"Environment": ["prod", "production"]},
                           "name_patterns": ["*prod*", "phi-*"]},
            "synthetic": {"accounts": [SYNTH], "ous": ["ou-synth-1"], "tags": {"Environment": ["synthetic"]},
                          "name_patterns": ["*synth*"]},
            "shared": {"accounts": [SHARED, SYNTH], "tags": {"Environment": ["shared"]}},
        },
    }
    data.update(overrides)
    org = {
        "ous": [{"Id": "ou-work", "Name": "Workloads", "ParentId": "r-1"},
                {"Id": "ou-prod", "Name": "Production", "ParentId": "ou-work"},
                {"Id": "ou-team", "Name": "Team", "ParentId": "ou-prod"},
                {"Id": "ou-synth-1", "Name": "Research", "ParentId": "ou-prod"}],
        "accounts": [{"Id": OU_ONLY, "Name": "team-x", "ParentId": "ou-team"},
                     {"Id": "666666666666", "Name": "lab", "ParentId": "ou-synth-1"},
                     {"Id": "777777777777", "Name": "misc", "ParentId": "r-1",
                      "Tags": [{"Key": "environment", "Value": "Synthetic"}]},
                     {"Id": OTHER, "Name": "sandbox", "ParentId": "r-1"}],
    }
    return Classifier(parse_params(data), org)


def test_resource_tag_beats_name_and_account():
    c = make()
    # a synthetic-tagged role inside the production account: the same-account leak case
    assert c.resource(PROD, "etl-runner", {"Environment": "synthetic"}) == Verdict("synthetic", "tag:Environment=synthetic")
    assert c.resource(PROD, "phi-bucket", {"Environment": "synthetic"}).environment == "synthetic"


def test_name_pattern_beats_account():
    c = make()
    assert c.resource(PROD, "synth-generator") == Verdict("synthetic", "name:*synth*")
    assert c.resource(SYNTH, "phi-claims") == Verdict("production", "name:phi-*")


def test_a_name_cannot_make_a_production_resource_shared_but_a_tag_can():
    c = make(classification={
        "production": {"accounts": [PROD]},
        "shared": {"accounts": [SHARED], "tags": {"Environment": ["shared"]}, "name_patterns": ["*shared*"]}})
    assert c.resource(PROD, "data-platform-shared") == Verdict("production", "account:account-list")
    assert c.resource(PROD, "data-platform-shared", {"Environment": "shared"}).environment == "shared"
    assert c.resource(OTHER, "data-platform-shared") == Verdict("shared", "name:*shared*")


def test_account_environment_when_nothing_more_specific():
    c = make()
    assert c.resource(PROD, "etl-runner") == Verdict("production", "account:account-list")
    assert c.resource(OTHER, "etl-runner") == Verdict("unknown", "none")


def test_tag_values_and_keys_case_insensitive_and_name_patterns_too():
    c = make()
    assert c.resource(OTHER, "x", {"environment": "PROD"}).environment == "production"
    assert c.resource(OTHER, "My-SYNTH-Bucket").environment == "synthetic"


def test_conflict_at_same_level_is_production_and_says_so():
    c = make()
    verdict = c.resource(OTHER, "prod-to-synth-copy")
    assert verdict.environment == "production"
    assert "conflict" in verdict.rule and "synthetic" in verdict.rule


def test_audit_role_is_shared_despite_its_name():
    c = make()
    arn = f"arn:aws:iam::{PROD}:role/SynthauditReadOnly"
    assert c.resource(PROD, "SynthauditReadOnly", {}, arn=arn) == Verdict("shared", "audit-role")
    assert c.arn(f"arn:aws:sts::{PROD}:assumed-role/SynthauditReadOnly/synthaudit-audit") == Verdict("shared", "audit-role")
    # the same name on a non-audit path is judged like any other role
    assert c.resource(PROD, "SynthauditReadOnly").environment == "synthetic"


def test_account_precedence_params_env_then_list_then_ou_then_tags_then_name():
    c = make()
    assert c.account(SHARED) == Verdict("shared", "params-account")
    # SYNTH is in both the synthetic and shared account lists: conflict -> synthetic (before shared)
    assert c.account(SYNTH).environment == "synthetic" and "conflict" in c.account(SYNTH).rule
    assert c.account(PROD) == Verdict("production", "account-list")
    # nearest OU first: lab sits in Research (ou-synth-1, synthetic) under Production
    assert c.account("666666666666") == Verdict("synthetic", "ou:Research")
    # ancestors count: team-x sits in Team under Production
    assert c.account(OU_ONLY) == Verdict("production", "ou:Production")
    assert c.account("777777777777") == Verdict("synthetic", "tag:Environment=Synthetic")  # value as found
    assert c.account(OTHER) == Verdict("unknown", "none")  # a member no rule matches
    assert c.account(STRANGER) == Verdict("external", "outside-organisation")


def test_external_accounts_third_parties_and_non_members():
    c = make(classification={"production": {"accounts": [PROD], "name_patterns": ["*prod*"]},
                             "external": {"third_parties": [{"id": PARTNER, "name": "acme-analytics"}]}})
    assert c.account(PARTNER) == Verdict("external", "third-party:acme-analytics")
    assert c.account(STRANGER) == Verdict("external", "outside-organisation")
    assert c.is_outside(PARTNER) and c.is_outside(STRANGER)
    assert not c.is_outside(PROD) and not c.is_outside(OTHER) and not c.is_outside(OU_ONLY)
    # a partner's role named like production, or tagged production, is still the partner's
    assert c.arn(f"arn:aws:iam::{PARTNER}:role/prod-reader") == Verdict("external", "account:third-party:acme-analytics")
    assert c.resource(STRANGER, "prod-data", {"Environment": "production"}).environment == "external"
    assert c.arn(STRANGER).environment == "external"


def test_without_organization_data_members_are_the_accounts_params_name():
    params = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": PROD, "name": "p"}],
                           "classification": {"synthetic": {"accounts": [SYNTH]}}})
    c = Classifier(params)
    assert c.account(SYNTH).environment == "synthetic"
    assert c.account(STRANGER) == Verdict("external", "outside-organisation")


def test_a_third_party_cannot_also_be_a_member():
    from synthaudit.errors import ParamsError

    with pytest.raises(ParamsError, match="either a member of the organisation or external"):
        parse_params({"label": "t", "estate": "aws", "accounts": [{"id": PROD, "name": "p"}],
                      "classification": {"production": {"accounts": [PARTNER]},
                                         "external": {"third_parties": [{"id": PARTNER, "name": "x"}]}}})
    with pytest.raises(ParamsError, match="cannot be both"):
        parse_params({"label": "t", "estate": "aws", "accounts": [{"id": PARTNER, "name": "p"}],
                      "classification": {"external": {"third_parties": [{"id": PARTNER, "name": "x"}]}}})


def test_account_name_pattern_from_params_when_not_in_organization():
    c = Classifier(parse_params({"label": "t", "estate": "aws", "accounts": [{"id": OTHER, "name": "acme-prod"}],
                                 "classification": {"production": {"name_patterns": ["*-prod"]}}}))
    assert c.account(OTHER) == Verdict("production", "name:*-prod")
    assert c.resource(OTHER, "bucket").rule == "account:name:*-prod"


@pytest.mark.parametrize("arn,expected", [
    (f"arn:aws:iam::{PROD}:root", "production"),
    (f"arn:aws:iam::{SYNTH}:role/service-role/synth-pipeline", "synthetic"),
    (f"arn:aws:iam::{OTHER}:role/analyst", "unknown"),
    (PROD, "production"),
    ("*", "unknown"),
    ("not-an-arn", "unknown"),
])
def test_arn_classification(arn, expected):
    assert make().arn(arn).environment == expected


def test_ou_listed_by_id_or_name():
    c = make()
    assert c.ou("ou-prod", "Production") == Verdict("production", "ou:Production")
    assert c.ou("ou-synth-1", "Research") == Verdict("synthetic", "ou:Research")
    assert c.ou("ou-work", "Workloads") is None


def test_placements_survive_cycles_and_tags_shapes():
    places = placements_from_organizations({"ous": [{"Id": "a", "Name": "A", "ParentId": "b"},
                                                    {"Id": "b", "Name": "B", "ParentId": "a"}],
                                            "accounts": [{"Id": OTHER, "ParentId": "a"}]})
    assert places[OTHER].ancestors == (("a", "A"), ("b", "B"))
    assert tags_to_dict([{"TagKey": "k", "TagValue": "v"}]) == {"k": "v"}
    assert tags_to_dict({"k": 1}) == {"k": "1"}
    assert tags_to_dict(None) == {}


def test_tag_combinations_need_every_key_together():
    """An organisation that tags on two axes: "PHI and live" is production, PHI alone or live alone is not."""
    c = make(classification={
        "production": {"tags_all": [{"DataClass": ["phi"], "Stage": ["live"]}]},
        "synthetic": {"tags_all": [{"DataClass": ["phi"], "Stage": ["test", "dev"]}], "tags": {"DataClass": ["synthetic"]}},
        "shared": {"accounts": [SHARED]}})
    assert c.resource(OTHER, "x", {"dataclass": "PHI", "Stage": "live"}) == Verdict(
        "production", "tag:DataClass=PHI+Stage=live")
    assert c.resource(OTHER, "x", {"DataClass": "phi", "Stage": "dev"}) == Verdict(
        "synthetic", "tag:DataClass=phi+Stage=dev")
    assert c.resource(OTHER, "x", {"DataClass": "phi"}).environment == "unknown"
    assert c.resource(OTHER, "x", {"Stage": "live"}).environment == "unknown"
    assert c.resource(OTHER, "x", {"DataClass": "synthetic", "Stage": "live"}) == Verdict(
        "synthetic", "tag:DataClass=synthetic")


def test_a_tag_combination_classifies_accounts_by_their_organizations_tags():
    c = make(classification={"synthetic": {"tags_all": [{"environment": ["synthetic"], "team": ["lab"]}]}})
    assert c.account("777777777777").environment == "unknown"  # it has the environment tag but no team tag
    c = make(classification={"synthetic": {"tags_all": [{"environment": ["synthetic"]}]}})
    assert c.account("777777777777") == Verdict("synthetic", "tag:environment=Synthetic")


def test_a_role_named_as_audit_role_that_grants_more_is_not_exempt_in_its_sessions_either():
    c = make()
    role = f"arn:aws:iam::{PROD}:role/ops/SynthauditReadOnly"
    session = f"arn:aws:sts::{PROD}:assumed-role/SynthauditReadOnly/synthaudit-audit"
    other = f"arn:aws:sts::{SYNTH}:assumed-role/SynthauditReadOnly/synthaudit-audit"
    assert c.is_audit_role(role) and c.is_audit_role(session)
    c.mark_not_read_only(role)
    assert (c.is_audit_role(role), c.is_audit_role(session), c.is_audit_role(other)) == (False, False, True)
    assert c.is_named_audit_role(session)
